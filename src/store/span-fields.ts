/**
 * Every field of a stored span and how it is typed: the one list the
 * backends' columns, the bulk insert, the filter catalog and the query-string
 * shortcuts are derived from (a new field is added here, in SpanRecord, and
 * in each backend's schema; test/store/span-fields.test.ts checks they agree).
 */
import type { SpanRecord } from './types.ts';

/** text and number as such; bool stored as 0/1; time as epoch ms; json as serialized text. */
export type SpanFieldKind = 'text' | 'number' | 'bool' | 'time' | 'json';

export const SPAN_FIELD_KINDS = {
  unique_id: 'text',
  org_id: 'text',
  environment: 'text',
  api_key_id: 'text',
  log_type: 'text',
  model: 'text',
  provider_id: 'text',
  status: 'text',
  status_code: 'number',
  error_message: 'text',
  start_time: 'time',
  timestamp: 'time',
  latency: 'number',
  time_to_first_token: 'number',
  tokens_per_second: 'number',
  prompt_tokens: 'number',
  completion_tokens: 'number',
  total_request_tokens: 'number',
  cached_tokens: 'number',
  cache_creation_tokens: 'number',
  reasoning_tokens: 'number',
  cost: 'number',
  customer_identifier: 'text',
  custom_identifier: 'text',
  thread_identifier: 'text',
  trace_unique_id: 'text',
  span_unique_id: 'text',
  span_parent_id: 'text',
  span_name: 'text',
  span_workflow_name: 'text',
  span_path: 'text',
  span_entity_name: 'text',
  prompt_id: 'text',
  prompt_version: 'number',
  stream: 'bool',
  cached: 'bool',
  positive_feedback: 'bool',
  metadata: 'json',
  input: 'text',
  output: 'text',
  extra: 'json',
} as const satisfies Record<keyof SpanRecord, SpanFieldKind>;

export type SpanField = keyof typeof SPAN_FIELD_KINDS;

/** Stored columns in insert order (the row id is assigned by the database). */
export const SPAN_COLUMNS = Object.keys(SPAN_FIELD_KINDS) as SpanField[];

/** Fields that filters and query-string shortcuts may name (plus the row `id` and `metadata__KEY`). */
export const SPAN_FILTER_FIELDS: readonly string[] = [
  'id',
  ...SPAN_COLUMNS.filter((f) => f !== 'org_id' && SPAN_FIELD_KINDS[f] !== 'json'),
];
