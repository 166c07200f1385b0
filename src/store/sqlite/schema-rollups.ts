/**
 * Rollup tables (src/usage/rollups.ts): maintained in the span transaction,
 * read by summaries, the console's overview and breakdowns, and the trace and
 * thread lists instead of scanning spans. Dimension columns hold '' for none:
 * they are part of the primary key.
 */
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { LATENCY_BINS } from '../../usage/rollups.ts';

function measures() {
  const hist = Object.fromEntries(
    Array.from({ length: LATENCY_BINS }, (_, i) => [`h${i}`, integer(`h${i}`).notNull().default(0)]),
  );
  return {
    requests: integer('requests').notNull(),
    errors: integer('errors').notNull(),
    cache_hits: integer('cache_hits').notNull(),
    prompt_tokens: integer('prompt_tokens').notNull(),
    completion_tokens: integer('completion_tokens').notNull(),
    total_tokens: integer('total_tokens').notNull(),
    cached_tokens: integer('cached_tokens').notNull(),
    reasoning_tokens: integer('reasoning_tokens').notNull(),
    cost: real('cost').notNull(),
    latency_sum: real('latency_sum').notNull(),
    latency_count: integer('latency_count').notNull(),
    ttft_sum: real('ttft_sum').notNull(),
    ttft_count: integer('ttft_count').notNull(),
    tps_sum: real('tps_sum').notNull(),
    tps_count: integer('tps_count').notNull(),
    ...hist,
  };
}

/** Per 15-minute bucket, model, provider and API key. */
export const rollupBuckets = sqliteTable(
  'rollup_buckets',
  {
    org_id: text('org_id').notNull(),
    environment: text('environment').notNull(),
    bucket: integer('bucket').notNull(),
    model: text('model').notNull(),
    provider_id: text('provider_id').notNull(),
    api_key_id: text('api_key_id').notNull(),
    ...measures(),
  },
  (t) => [primaryKey({ columns: [t.org_id, t.environment, t.bucket, t.model, t.provider_id, t.api_key_id] })],
);

/**
 * Per minute, model, provider and API key: what a summary reads for the whole
 * minutes of the partial buckets at its window's edges.
 */
export const rollupMinutes = sqliteTable(
  'rollup_minutes',
  {
    org_id: text('org_id').notNull(),
    environment: text('environment').notNull(),
    minute: integer('minute').notNull(),
    model: text('model').notNull(),
    provider_id: text('provider_id').notNull(),
    api_key_id: text('api_key_id').notNull(),
    ...measures(),
  },
  (t) => [primaryKey({ columns: [t.org_id, t.environment, t.minute, t.model, t.provider_id, t.api_key_id] })],
);

/** Per 15-minute bucket and value of each metadata key named in `rollups.metadata_keys`. */
export const rollupMetadataBuckets = sqliteTable(
  'rollup_metadata_buckets',
  {
    org_id: text('org_id').notNull(),
    environment: text('environment').notNull(),
    bucket: integer('bucket').notNull(),
    meta_key: text('meta_key').notNull(),
    meta_value: text('meta_value').notNull(),
    ...measures(),
  },
  (t) => [primaryKey({ columns: [t.org_id, t.environment, t.meta_key, t.bucket, t.meta_value] })],
);

/** One row per trace: the aggregates of its stored spans. */
export const traceRollups = sqliteTable(
  'trace_rollups',
  {
    org_id: text('org_id').notNull(),
    environment: text('environment').notNull(),
    trace_unique_id: text('trace_unique_id').notNull(),
    span_count: integer('span_count').notNull(),
    llm_call_count: integer('llm_call_count').notNull(),
    error_count: integer('error_count').notNull(),
    total_prompt_tokens: integer('total_prompt_tokens').notNull(),
    total_completion_tokens: integer('total_completion_tokens').notNull(),
    total_tokens: integer('total_tokens').notNull(),
    total_cost: real('total_cost').notNull(),
    /** Earliest span start. */
    start_time: integer('start_time').notNull(),
    /** Earliest and latest span timestamp (end): the trace is in a window they overlap. */
    first_seen: integer('first_seen').notNull(),
    end_time: integer('end_time').notNull(),
    customer_identifier: text('customer_identifier'),
    root_workflow_name: text('root_workflow_name'),
    workflow_name: text('workflow_name'),
    root_span_name: text('root_span_name'),
  },
  (t) => [
    primaryKey({ columns: [t.org_id, t.environment, t.trace_unique_id] }),
    index('trace_rollups_end').on(t.org_id, t.environment, t.end_time, t.first_seen),
    index('trace_rollups_start').on(t.org_id, t.environment, t.start_time),
    // The page sorted by cost walks this and stops after a page; the id makes its order the page's
    // (ties broken by trace id), so no run of equal costs is sorted.
    index('trace_rollups_cost').on(t.org_id, t.environment, t.total_cost, t.trace_unique_id),
  ],
);

/** One row per thread: the aggregates of its stored spans. */
export const threadRollups = sqliteTable(
  'thread_rollups',
  {
    org_id: text('org_id').notNull(),
    environment: text('environment').notNull(),
    thread_identifier: text('thread_identifier').notNull(),
    customer_identifier: text('customer_identifier'),
    log_count: integer('log_count').notNull(),
    start_time: integer('start_time').notNull(),
    first_seen: integer('first_seen').notNull(),
    end_time: integer('end_time').notNull(),
    total_cost: real('total_cost').notNull(),
    total_tokens: integer('total_tokens').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.org_id, t.environment, t.thread_identifier] }),
    index('thread_rollups_end').on(t.org_id, t.environment, t.end_time, t.first_seen),
  ],
);
