/**
 * How a span summary over a window is answered, for every backend: the
 * 15-minute buckets the window covers whole are summed from a rollup, and
 * the partial buckets at its edges from spans, so the sum is exact. Filters
 * on model, provider and key can be answered by the per-bucket rollup;
 * filters that only name customers by the customers' own usage; one
 * equality filter on a metadata key named in `rollups.metadata_keys` by that
 * key's rollup; any other filter scans the window's spans.
 */
import { BUCKET_MS } from '../lib/periods.ts';
import type { TypedCondition } from '../query/filters.ts';
import { metadataValue } from '../usage/rollups.ts';
import type { SpanSummary } from './types.ts';

export type SummarySource = 'buckets' | 'customers' | 'metadata';

/** Span fields the per-bucket rollup keys by ('' for none, read back as NULL). */
export const BUCKET_DIMENSIONS = ['model', 'provider_id', 'api_key_id'] as const;

/** Customer usage keeps no spans without a customer: filters that keep those (not, isnull) scan spans. */
const CUSTOMER_OPERATORS = new Set(['', 'in', 'iexact', 'contains', 'icontains', 'startswith', 'endswith', 'lt', 'lte', 'gt', 'gte']);

const DIMENSIONS: ReadonlySet<string> = new Set(BUCKET_DIMENSIONS);

/** The rollup that can answer these filters, or null when only spans can. */
export function summarySource(filters: readonly TypedCondition[], metadataKeys: readonly string[]): SummarySource | null {
  if (filters.every((f) => f.target === 'field' && DIMENSIONS.has(f.field))) return 'buckets';
  const [only] = filters;
  if (filters.length === 1 && only && metadataRollupValues(only, metadataKeys) !== null) return 'metadata';
  const onCustomer = (f: TypedCondition) =>
    f.target === 'field' && f.field === 'customer_identifier' && CUSTOMER_OPERATORS.has(f.operator) && !f.values.includes(null);
  if (filters.length > 0 && filters.every(onCustomer)) return 'customers';
  return null;
}

/**
 * The rollup's values (as it keys them) that a metadata filter selects, when
 * the key is rolled up and the filter is an equality; null otherwise. The
 * filter's numeric-string rule (`?n=3` finds 3 and "3") holds, as the rollup
 * keys both as "3".
 */
export function metadataRollupValues(f: TypedCondition, metadataKeys: readonly string[]): string[] | null {
  if (f.target !== 'metadata' || !metadataKeys.includes(f.key) || (f.operator !== '' && f.operator !== 'in')) return null;
  if (f.values.includes(null)) return null;
  return [...new Set(f.values.map((v) => metadataValue(v)).filter((v): v is string => v !== null))];
}

/** A window [from, to] (to inclusive) cut into spans before, whole buckets first..last, and spans after. */
export interface WindowParts {
  first: number;
  last: number;
  /** Inclusive ms ranges at the edges that only spans can answer. */
  edges: { from: number; to: number }[];
}

/** Null when the window covers no whole bucket (the spans answer all of it). */
export function splitWindow(from: number, to: number): WindowParts | null {
  // Bucket b covers [b*U, (b+1)*U - 1].
  const first = Math.ceil(from / BUCKET_MS);
  const last = Math.floor((to + 1) / BUCKET_MS) - 1;
  if (first > last) return null;
  const edges: { from: number; to: number }[] = [];
  if (from < first * BUCKET_MS) edges.push({ from, to: first * BUCKET_MS - 1 });
  if ((last + 1) * BUCKET_MS <= to) edges.push({ from: (last + 1) * BUCKET_MS, to });
  return { first, last, edges };
}

/** The additive figures of a summary, from rollups or spans. */
export interface SummarySums {
  n: number;
  cost: number;
  tokens: number;
  prompt: number;
  completion: number;
  latency_sum: number;
  latency_n: number;
  ttft_sum: number;
  ttft_n: number;
  tps_sum: number;
  tps_n: number;
  errors: number;
}

export const EMPTY_SUMS: SummarySums = {
  n: 0, cost: 0, tokens: 0, prompt: 0, completion: 0, latency_sum: 0, latency_n: 0, ttft_sum: 0, ttft_n: 0, tps_sum: 0,
  tps_n: 0, errors: 0,
};

/** a + b, where b may come back from a database as text (int8) or be missing. */
export function addSums(a: SummarySums, b: Partial<Record<keyof SummarySums, unknown>> | null | undefined): SummarySums {
  if (!b) return a;
  const out = { ...a };
  for (const k of Object.keys(EMPTY_SUMS) as (keyof SummarySums)[]) out[k] += Number(b[k] ?? 0);
  return out;
}

export function summaryOf(s: SummarySums): SpanSummary {
  return {
    number_of_requests: s.n,
    total_cost: s.cost,
    total_tokens: s.tokens,
    total_prompt_tokens: s.prompt,
    total_completion_tokens: s.completion,
    avg_latency: s.latency_n > 0 ? s.latency_sum / s.latency_n : null,
    avg_ttft: s.ttft_n > 0 ? s.ttft_sum / s.ttft_n : null,
    avg_tps: s.tps_n > 0 ? s.tps_sum / s.tps_n : null,
    error_count: s.errors,
  };
}
