/**
 * Mapping between `SpanRecord` and the `spans` row: a batch goes to the
 * server as ONE JSON text that json_to_recordset turns into rows (no
 * parameter limit, no per-row SQL), and rows come back with int8 as text.
 */
import { SPAN_COLUMNS, SPAN_FIELD_KINDS, type SpanField } from '../span-fields.ts';
import type { StoredSpan } from '../types.ts';
import { num } from './connection.ts';
import { storable } from './storable.ts';

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

/**
 * JSON text for the server. PostgreSQL text cannot hold NUL or half a
 * surrogate pair (SQLite can): such characters become U+FFFD (storable.ts),
 * in values and keys, on the rare value that has any.
 */
export function toJson(v: unknown): string {
  return encodeStorable(v).json;
}

/** The value made storable (itself when it was) and its JSON text: for a caller that goes on using the value. */
export function encodeStorable<T>(v: T): { value: T; json: string } {
  const json = JSON.stringify(v);
  if (!UNSTORABLE.test(json)) return { value: v, json };
  const value = storable(v);
  return { value, json: JSON.stringify(value) };
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
