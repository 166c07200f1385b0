/** Mapping between `SpanRecord` and the `spans` row: JSON columns and booleans (src/store/span-fields.ts). */
import { SPAN_COLUMNS, SPAN_FIELD_KINDS } from '../span-fields.ts';
import type { SpanRecord, StoredSpan } from '../types.ts';
import type { spans } from './schema.ts';

type SpanRow = typeof spans.$inferSelect;

export type SqlValue = string | number | null;

const KINDS = SPAN_COLUMNS.map((c) => SPAN_FIELD_KINDS[c]);

export function spanToParams(s: SpanRecord): SqlValue[] {
  const out: SqlValue[] = new Array(SPAN_COLUMNS.length);
  for (let i = 0; i < SPAN_COLUMNS.length; i++) {
    const v = s[SPAN_COLUMNS[i] as keyof SpanRecord];
    switch (KINDS[i]) {
      case 'json':
        out[i] = v === null ? null : JSON.stringify(v);
        break;
      case 'bool':
        out[i] = v === null ? null : v ? 1 : 0;
        break;
      default:
        out[i] = v as SqlValue;
    }
  }
  return out;
}

function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  const v: unknown = JSON.parse(text);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
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
