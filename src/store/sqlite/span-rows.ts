/** Mapping between `SpanRecord` and the `spans` row: JSON columns and booleans. */
import type { SpanRecord, StoredSpan } from '../types.ts';
import type { spans } from './schema.ts';

type SpanRow = typeof spans.$inferSelect;

/** Column order of the bulk insert statement; `id` is assigned by SQLite. */
export const SPAN_COLUMNS = [
  'unique_id', 'org_id', 'environment', 'api_key_id', 'log_type', 'model', 'provider_id', 'status',
  'status_code', 'error_message', 'start_time', 'timestamp', 'latency', 'time_to_first_token',
  'tokens_per_second', 'prompt_tokens', 'completion_tokens', 'total_request_tokens', 'cached_tokens',
  'cache_creation_tokens', 'reasoning_tokens', 'cost', 'customer_identifier', 'custom_identifier',
  'thread_identifier', 'trace_unique_id', 'span_unique_id', 'span_parent_id', 'span_name',
  'span_workflow_name', 'prompt_id', 'prompt_version', 'stream', 'cached', 'positive_feedback',
  'metadata', 'input', 'output', 'extra',
] as const satisfies readonly (keyof SpanRow)[];

export type SqlValue = string | number | null;

export function spanToParams(s: SpanRecord): SqlValue[] {
  return [
    s.unique_id, s.org_id, s.environment, s.api_key_id, s.log_type, s.model, s.provider_id, s.status,
    s.status_code, s.error_message, s.start_time, s.timestamp, s.latency, s.time_to_first_token,
    s.tokens_per_second, s.prompt_tokens, s.completion_tokens, s.total_request_tokens, s.cached_tokens,
    s.cache_creation_tokens, s.reasoning_tokens, s.cost, s.customer_identifier, s.custom_identifier,
    s.thread_identifier, s.trace_unique_id, s.span_unique_id, s.span_parent_id, s.span_name,
    s.span_workflow_name, s.prompt_id, s.prompt_version, s.stream ? 1 : 0, s.cached ? 1 : 0,
    s.positive_feedback === null ? null : s.positive_feedback ? 1 : 0,
    s.metadata === null ? null : JSON.stringify(s.metadata), s.input, s.output, JSON.stringify(s.extra),
  ];
}

function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  const v: unknown = JSON.parse(text);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export function rowToSpan(r: SpanRow): StoredSpan {
  return { ...r, metadata: parseObject(r.metadata), extra: parseObject(r.extra) ?? {} };
}

/** A `spans` row as bun:sqlite returns it from raw SQL: booleans are 0/1 integers. */
export type RawSpanRow = Omit<SpanRow, 'stream' | 'cached' | 'positive_feedback'> & {
  stream: number;
  cached: number;
  positive_feedback: number | null;
};

export function rawRowToSpan(r: RawSpanRow): StoredSpan {
  return {
    ...r,
    stream: r.stream === 1,
    cached: r.cached === 1,
    positive_feedback: r.positive_feedback === null ? null : r.positive_feedback === 1,
    metadata: parseObject(r.metadata),
    extra: parseObject(r.extra) ?? {},
  };
}
