/**
 * Mapping between `SpanRecord` and the `spans` row: a batch goes to the
 * server as ONE JSON text that json_to_recordset turns into rows (no
 * parameter limit, no per-row SQL), and rows come back with int8 as text.
 */
import { SPAN_COLUMNS, SPAN_FIELD_KINDS, type SpanField } from '../span-fields.ts';
import type { StoredSpan } from '../types.ts';
import { num } from './connection.ts';

const FLOAT_FIELDS: ReadonlySet<SpanField> = new Set(['latency', 'time_to_first_token', 'tokens_per_second', 'cost']);

function pgType(f: SpanField): string {
  switch (SPAN_FIELD_KINDS[f]) {
    case 'text':
      return 'text';
    case 'bool':
      return 'boolean';
    case 'json':
      return 'jsonb';
    case 'time':
      return 'bigint';
    case 'number':
      return FLOAT_FIELDS.has(f) ? 'double precision' : 'bigint';
  }
}

/** Columns (quoted) and the record definition of json_to_recordset, in SPAN_COLUMNS order. */
export const SPAN_COLUMN_LIST = SPAN_COLUMNS.map((c) => `"${c}"`).join(', ');
export const SPAN_RECORD_TYPE = SPAN_COLUMNS.map((c) => `"${c}" ${pgType(c)}`).join(', ');

/** int8 columns: they arrive as strings. */
const INT_FIELDS = SPAN_COLUMNS.filter((c) => pgType(c) === 'bigint');

/** A NUL escape that is not an escaped backslash followed by "u0000", or a lone surrogate. */
const UNSTORABLE = /\\u0000|\\ud[89a-f]/i;

function storable(v: unknown): unknown {
  return typeof v === 'string' ? v.replaceAll('\u0000', '\uFFFD').toWellFormed() : v;
}

/**
 * JSON text for the server. PostgreSQL text cannot hold NUL or half a
 * surrogate pair (SQLite can): such characters become U+FFFD, on the rare
 * value that has any.
 */
export function toJson(v: unknown): string {
  const json = JSON.stringify(v);
  return UNSTORABLE.test(json) ? JSON.stringify(v, (_k, x: unknown) => storable(x)) : json;
}

function object(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export type PgSpanRow = Record<string, unknown>;

export function rowToSpan(r: PgSpanRow): StoredSpan {
  const out = { ...r } as Record<string, unknown>;
  out.id = num(r.id);
  for (const c of INT_FIELDS) if (r[c] !== null && r[c] !== undefined) out[c] = num(r[c]);
  out.metadata = object(r.metadata);
  out.extra = object(r.extra) ?? {};
  return out as unknown as StoredSpan;
}
