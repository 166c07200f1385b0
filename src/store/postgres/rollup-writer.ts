/**
 * Persists a rollup plan (src/usage/rollups.ts) inside the span
 * transaction: every figure added with an upsert, extremes kept with
 * least()/greatest() (which skip NULLs, as the plan's max of texts does), so
 * rows from any number of batches and gateways add up.
 */
import type { SQL } from 'bun';
import { type BucketKey, LATENCY_BINS, type Measures, type RollupPlan } from '../../usage/rollups.ts';
import { LLM_LOG_TYPES } from '../types.ts';
import { adds, byKey, type Columns, upsertRows } from './upsert.ts';

const LLM_TYPES = LLM_LOG_TYPES.map((t) => `'${t}'`).join(', ');
const HIST = Array.from({ length: LATENCY_BINS }, (_, i) => `h${i}`);
const COUNTS = ['requests', 'errors', 'cache_hits', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cached_tokens', 'reasoning_tokens'];
const SUMS = ['cost', 'latency_sum', 'latency_count', 'ttft_sum', 'ttft_count', 'tps_sum', 'tps_count'];
const FLOATS = new Set(['cost', 'latency_sum', 'ttft_sum', 'tps_sum']);
const MEASURES = [...COUNTS, ...SUMS, ...HIST];
const MEASURE_COLUMNS: Columns = Object.fromEntries(MEASURES.map((c) => [c, FLOATS.has(c) ? 'float8' : 'bigint']));

function measureFields(m: Measures): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of [...COUNTS, ...SUMS]) out[c] = m[c as keyof Omit<Measures, 'hist'>];
  m.hist.forEach((n, i) => {
    out[`h${i}`] = n;
  });
  return out;
}

/** The per-bucket rollup and its per-minute twin: the same dimensions and measures, at their own time unit. */
type UsageUnit = 'bucket' | 'minute';

function usageTable(table: string, unit: UsageUnit) {
  return {
    table,
    columns: { org_id: 'text', environment: 'text', [unit]: 'bigint', model: 'text', provider_id: 'text', api_key_id: 'text', ...MEASURE_COLUMNS },
    key: ['org_id', 'environment', unit, 'model', 'provider_id', 'api_key_id'],
    set: adds(MEASURES),
  };
}

const BUCKETS = usageTable('rollup_buckets', 'bucket');
const MINUTES = usageTable('rollup_minutes', 'minute');

const METADATA = {
  table: 'rollup_metadata_buckets',
  columns: { org_id: 'text', environment: 'text', meta_key: 'text', bucket: 'bigint', meta_value: 'text', ...MEASURE_COLUMNS },
  key: ['org_id', 'environment', 'meta_key', 'bucket', 'meta_value'],
  set: adds(MEASURES),
};

const greatest = (c: string) => `${c} = greatest(t.${c}, excluded.${c})`;
const least = (c: string) => `${c} = least(t.${c}, excluded.${c})`;

const TRACES = {
  table: 'trace_rollups',
  columns: {
    org_id: 'text', environment: 'text', trace_unique_id: 'text', span_count: 'bigint', llm_call_count: 'bigint',
    error_count: 'bigint', total_prompt_tokens: 'bigint', total_completion_tokens: 'bigint', total_tokens: 'bigint',
    total_cost: 'float8', start_time: 'bigint', first_seen: 'bigint', end_time: 'bigint', customer_identifier: 'text',
    root_workflow_name: 'text', workflow_name: 'text', root_span_name: 'text',
  },
  key: ['org_id', 'environment', 'trace_unique_id'],
  set: [
    adds(['span_count', 'llm_call_count', 'error_count', 'total_prompt_tokens', 'total_completion_tokens', 'total_tokens', 'total_cost']),
    least('start_time'), least('first_seen'), greatest('end_time'), greatest('customer_identifier'),
    greatest('root_workflow_name'), greatest('workflow_name'), greatest('root_span_name'),
  ].join(', '),
};

const THREADS = {
  table: 'thread_rollups',
  columns: {
    org_id: 'text', environment: 'text', thread_identifier: 'text', customer_identifier: 'text', log_count: 'bigint',
    start_time: 'bigint', first_seen: 'bigint', end_time: 'bigint', total_cost: 'float8', total_tokens: 'bigint',
  },
  key: ['org_id', 'environment', 'thread_identifier'],
  set: [
    greatest('customer_identifier'), adds(['log_count', 'total_cost', 'total_tokens']), least('start_time'),
    least('first_seen'), greatest('end_time'),
  ].join(', '),
};

const k = (...parts: (string | number)[]) => parts.join('\u0000');

/** A usage rollup's rows in key order; `at` is each entry's bucket or minute. */
function usageRows(unit: UsageUnit, entries: { key: Omit<BucketKey, 'bucket'>; at: number; m: Measures }[]): object[] {
  return byKey(entries, (e) => k(e.key.orgId, e.key.environment, e.at, e.key.model, e.key.provider, e.key.apiKeyId)).map(({ key: d, at, m }) => ({
    org_id: d.orgId, environment: d.environment, [unit]: at, model: d.model, provider_id: d.provider, api_key_id: d.apiKeyId,
    ...measureFields(m),
  }));
}

/** Adds a plan's figures. Must run inside the transaction that stored its spans. */
export async function applyRollups(tx: SQL, plan: RollupPlan): Promise<void> {
  await upsertRows(tx, BUCKETS, usageRows('bucket', plan.buckets.map(({ key, m }) => ({ key, at: key.bucket, m }))));
  await upsertRows(tx, MINUTES, usageRows('minute', plan.minutes.map(({ key, m }) => ({ key, at: key.minute, m }))));
  await upsertRows(
    tx,
    METADATA,
    byKey(
      plan.metadata.map(({ key: d, m }) => ({
        org_id: d.orgId, environment: d.environment, meta_key: d.key, bucket: d.bucket, meta_value: d.value, ...measureFields(m),
      })),
      (r) => k(r.org_id, r.environment, r.meta_key, r.bucket, r.meta_value),
    ),
  );
  await upsertRows(
    tx,
    TRACES,
    byKey(
      plan.traces.map((t) => ({
        org_id: t.orgId, environment: t.environment, trace_unique_id: t.traceId, span_count: t.spans, llm_call_count: t.llmCalls,
        error_count: t.errors, total_prompt_tokens: t.prompt_tokens, total_completion_tokens: t.completion_tokens,
        total_tokens: t.total_tokens, total_cost: t.cost, start_time: t.startTime, first_seen: t.firstSeen, end_time: t.endTime,
        customer_identifier: t.customer, root_workflow_name: t.rootWorkflowName, workflow_name: t.workflowName,
        root_span_name: t.rootSpanName,
      })),
      (r) => k(r.org_id, r.environment, r.trace_unique_id),
    ),
  );
  await upsertRows(
    tx,
    THREADS,
    byKey(
      plan.threads.map((t) => ({
        org_id: t.orgId, environment: t.environment, thread_identifier: t.threadId, customer_identifier: t.customer,
        log_count: t.logs, start_time: t.startTime, first_seen: t.firstSeen, end_time: t.endTime, total_cost: t.cost,
        total_tokens: t.total_tokens,
      })),
      (r) => k(r.org_id, r.environment, r.thread_identifier),
    ),
  );
}

/**
 * Recomputes a trace's and a thread's rows from their stored spans (after a
 * delete: extremes cannot be subtracted). Runs inside the caller's transaction.
 */
export async function refreshRollups(tx: SQL, orgId: string, env: string, traceId: string | null, threadId: string | null): Promise<void> {
  if (traceId !== null) {
    await tx.unsafe('DELETE FROM trace_rollups WHERE org_id = $1 AND environment = $2 AND trace_unique_id = $3', [orgId, env, traceId]);
    await tx.unsafe(
      `INSERT INTO trace_rollups (org_id, environment, trace_unique_id, span_count, llm_call_count, error_count,
         total_prompt_tokens, total_completion_tokens, total_tokens, total_cost, start_time, first_seen, end_time,
         customer_identifier, root_workflow_name, workflow_name, root_span_name)
       SELECT org_id, environment, trace_unique_id, count(*), count(*) FILTER (WHERE log_type IN (${LLM_TYPES})),
         count(*) FILTER (WHERE status = 'error'), sum(prompt_tokens), sum(completion_tokens), sum(total_request_tokens),
         sum(cost), min(start_time), min("timestamp"), max("timestamp"), max(customer_identifier),
         max(span_workflow_name) FILTER (WHERE span_parent_id IS NULL), max(span_workflow_name),
         max(span_name) FILTER (WHERE span_parent_id IS NULL)
       FROM spans WHERE org_id = $1 AND environment = $2 AND trace_unique_id = $3
       GROUP BY org_id, environment, trace_unique_id`,
      [orgId, env, traceId],
    );
  }
  if (threadId !== null) {
    await tx.unsafe('DELETE FROM thread_rollups WHERE org_id = $1 AND environment = $2 AND thread_identifier = $3', [orgId, env, threadId]);
    await tx.unsafe(
      `INSERT INTO thread_rollups (org_id, environment, thread_identifier, customer_identifier, log_count, start_time,
         first_seen, end_time, total_cost, total_tokens)
       SELECT org_id, environment, thread_identifier, max(customer_identifier), count(*), min(start_time), min("timestamp"),
         max("timestamp"), sum(cost), sum(total_request_tokens)
       FROM spans WHERE org_id = $1 AND environment = $2 AND thread_identifier = $3
       GROUP BY org_id, environment, thread_identifier`,
      [orgId, env, threadId],
    );
  }
}
