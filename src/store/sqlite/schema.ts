/**
 * SQLite tables. Times are epoch milliseconds (integers sort and range-scan
 * fast); JSON columns hold text that the store parses at its boundary.
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { KEY_ROLES } from '../key-types.ts';

export const organizations = sqliteTable('organizations', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  created_at: integer('created_at').notNull(),
});

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    org_id: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull(),
    name: text('name').notNull(),
    environment: text('environment', { enum: ['prod', 'test'] }).notNull(),
    // Keys from before roles existed had every right: the default keeps them admin.
    role: text('role', { enum: KEY_ROLES }).notNull().default('admin'),
    created_at: integer('created_at').notNull(),
    expires_at: integer('expires_at'),
    revoked_at: integer('revoked_at'),
    max_usage: integer('max_usage').notNull().default(-1),
    usage_count: integer('usage_count').notNull().default(0),
    rate_limit: integer('rate_limit'),
    spending_limit: real('spending_limit'),
    spent: real('spent').notNull().default(0),
    last_used_at: integer('last_used_at'),
  },
  (t) => [uniqueIndex('api_keys_prefix').on(t.prefix), index('api_keys_org').on(t.org_id)],
);

export const spans = sqliteTable(
  'spans',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    unique_id: text('unique_id').notNull(),
    org_id: text('org_id').notNull(),
    environment: text('environment', { enum: ['prod', 'test'] }).notNull(),
    api_key_id: text('api_key_id'),
    log_type: text('log_type').notNull(),
    model: text('model'),
    provider_id: text('provider_id'),
    status: text('status', { enum: ['success', 'error'] }).notNull(),
    status_code: integer('status_code').notNull(),
    error_message: text('error_message').notNull().default(''),
    start_time: integer('start_time').notNull(),
    timestamp: integer('timestamp').notNull(),
    latency: real('latency'),
    time_to_first_token: real('time_to_first_token'),
    tokens_per_second: real('tokens_per_second'),
    prompt_tokens: integer('prompt_tokens').notNull().default(0),
    completion_tokens: integer('completion_tokens').notNull().default(0),
    total_request_tokens: integer('total_request_tokens').notNull().default(0),
    cached_tokens: integer('cached_tokens').notNull().default(0),
    cache_creation_tokens: integer('cache_creation_tokens').notNull().default(0),
    reasoning_tokens: integer('reasoning_tokens').notNull().default(0),
    cost: real('cost').notNull().default(0),
    customer_identifier: text('customer_identifier'),
    custom_identifier: text('custom_identifier'),
    thread_identifier: text('thread_identifier'),
    trace_unique_id: text('trace_unique_id'),
    span_unique_id: text('span_unique_id'),
    span_parent_id: text('span_parent_id'),
    span_name: text('span_name'),
    span_workflow_name: text('span_workflow_name'),
    /** Dotted path of the enclosing entities (Traceloop's `traceloop.entity.path`; the reference's `span_path`). */
    span_path: text('span_path'),
    /** The span's own entity name (`traceloop.entity.name`): what a child's `span_path` ends with. */
    span_entity_name: text('span_entity_name'),
    prompt_id: text('prompt_id'),
    prompt_version: integer('prompt_version'),
    stream: integer('stream', { mode: 'boolean' }).notNull().default(false),
    cached: integer('cached', { mode: 'boolean' }).notNull().default(false),
    positive_feedback: integer('positive_feedback', { mode: 'boolean' }),
    metadata: text('metadata'),
    input: text('input'),
    output: text('output'),
    /** Everything else the span carries (tools, warnings, attempts, unknown fields), as JSON. */
    extra: text('extra').notNull().default('{}'),
  },
  (t) => [
    uniqueIndex('spans_unique_id').on(t.unique_id),
    index('spans_org_env_time').on(t.org_id, t.environment, t.timestamp),
    // The most common list filter, with the window: a covering range per model.
    index('spans_org_env_model_time').on(t.org_id, t.environment, t.model, t.timestamp),
    // Lets a wide window sorted by cost stop after one page instead of sorting every match.
    index('spans_org_env_cost').on(t.org_id, t.environment, t.cost),
    // Partial: spans without the identifier (most plain LLM logs) cost these indexes
    // nothing at insert. Equality and IN filters imply IS NOT NULL, so SQLite still uses them.
    // A customer's spans by model: a customer + model filter reads only its matches, and with
    // the environment and time in the index a customer's count and time order need no table row.
    index('spans_org_env_customer_model_time')
      .on(t.org_id, t.environment, t.customer_identifier, t.model, t.timestamp)
      .where(sql`customer_identifier IS NOT NULL`),
    index('spans_org_custom').on(t.org_id, t.custom_identifier).where(sql`custom_identifier IS NOT NULL`),
    index('spans_org_thread').on(t.org_id, t.thread_identifier, t.timestamp).where(sql`thread_identifier IS NOT NULL`),
    index('spans_org_trace').on(t.org_id, t.trace_unique_id).where(sql`trace_unique_id IS NOT NULL`),
    index('spans_org_prompt').on(t.org_id, t.prompt_id).where(sql`prompt_id IS NOT NULL`),
  ],
);

/** Retention's progress per scope: bodies are emptied up to (`bodies_before`, `last_id`) in (timestamp, id) order. */
export const retentionMarks = sqliteTable(
  'retention_marks',
  {
    org_id: text('org_id').notNull(),
    environment: text('environment').notNull(),
    bodies_before: integer('bodies_before').notNull(),
    last_id: integer('last_id').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.org_id, t.environment] })],
);
