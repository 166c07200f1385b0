/** The filterable and sortable fields of spans, traces and threads. */
import { SPAN_FIELD_KINDS, SPAN_FILTER_FIELDS, type SpanField } from '../store/span-fields.ts';
import type { FieldCatalog, FieldKind } from './filters.ts';

function spanFields(): Record<string, FieldKind> {
  const out: Record<string, FieldKind> = { id: 'number' };
  for (const f of SPAN_FILTER_FIELDS) {
    const kind = SPAN_FIELD_KINDS[f as SpanField];
    if (kind !== undefined && kind !== 'json') out[f] = kind;
  }
  return out;
}

export const SPAN_CATALOG: FieldCatalog = { fields: spanFields(), metadata: true };

/** Aggregates of a trace (TraceSummary), plus `duration` in seconds. */
export const TRACE_CATALOG: FieldCatalog = {
  metadata: false,
  fields: {
    trace_unique_id: 'text',
    environment: 'text',
    start_time: 'time',
    end_time: 'time',
    duration: 'number',
    span_count: 'number',
    llm_call_count: 'number',
    error_count: 'number',
    total_prompt_tokens: 'number',
    total_completion_tokens: 'number',
    total_tokens: 'number',
    total_cost: 'number',
    customer_identifier: 'text',
    name: 'text',
  },
};

export const THREAD_CATALOG: FieldCatalog = {
  metadata: false,
  fields: { thread_identifier: 'text', customer_identifier: 'text' },
};
