/**
 * How a span summary over a window is answered, for every backend: the
 * 15-minute buckets the window covers whole are summed from a rollup, and
 * the partial buckets at its edges from spans, so the sum is exact. Filters
 * on model, provider and key can be answered by the per-bucket rollup, whose
 * per-minute twin answers the whole minutes of the partial buckets, so that
 * only the partial minutes at the edges are read from spans;
 * filters that only name customers by the customers' own usage; one
 * equality filter on a metadata key named in `rollups.metadata_keys` by that
 * key's rollup; any other filter scans the window's spans.
 */
import { BUCKET_MS, MINUTE_MS, MINUTES_PER_BUCKET } from '../lib/periods.ts';
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

/** An inclusive range of unit indexes (buckets or minutes since the epoch). */
export interface UnitRange {
  first: number;
  last: number;
}

/** Inclusive ms ranges at a window's edges that only spans can answer. */
export type Edges = { from: number; to: number }[];

/** A window [from, to] (to inclusive) cut into spans before, whole buckets first..last, and spans after. */
export interface WindowParts extends UnitRange {
  edges: Edges;
}

/** The whole units of `unitMs` that [from, to] covers (unit u is [u*unitMs, (u+1)*unitMs - 1]), or null. */
function wholeUnits(from: number, to: number, unitMs: number): UnitRange | null {
  const first = Math.ceil(from / unitMs);
  const last = Math.floor((to + 1) / unitMs) - 1;
  return first > last ? null : { first, last };
}

/** What of [from, to] lies outside the whole units u.first..u.last. */
function edgesAround(from: number, to: number, u: UnitRange, unitMs: number): Edges {
  const edges: Edges = [];
  if (from < u.first * unitMs) edges.push({ from, to: u.first * unitMs - 1 });
  if ((u.last + 1) * unitMs <= to) edges.push({ from: (u.last + 1) * unitMs, to });
  return edges;
}

/** Null when the window covers no whole bucket (the spans answer all of it). */
export function splitWindow(from: number, to: number): WindowParts | null {
  const whole = wholeUnits(from, to, BUCKET_MS);
  return whole ? { ...whole, edges: edgesAround(from, to, whole, BUCKET_MS) } : null;
}

/**
 * A window cut for the per-bucket rollup and its per-minute twin: whole
 * buckets, the whole minutes before and after them (all the window's whole
 * minutes when it covers no whole bucket), and spans for what is left at
 * each edge, under a minute. A window of 10M spans a day then reads at most two
 * minutes' worth of spans (~14,000) instead of two buckets' (~200,000).
 */
export interface MinuteWindowParts {
  buckets: UnitRange | null;
  minutes: UnitRange[];
  edges: Edges;
}

export function splitWindowByMinute(from: number, to: number): MinuteWindowParts {
  const minutes = wholeUnits(from, to, MINUTE_MS);
  if (!minutes) return { buckets: null, minutes: [], edges: [{ from, to }] };
  const edges = edgesAround(from, to, minutes, MINUTE_MS);
  const buckets = wholeUnits(minutes.first * MINUTE_MS, (minutes.last + 1) * MINUTE_MS - 1, BUCKET_MS);
  if (!buckets) return { buckets: null, minutes: [minutes], edges };
  const around: UnitRange[] = [];
  const bucketStart = buckets.first * MINUTES_PER_BUCKET;
  const afterBuckets = (buckets.last + 1) * MINUTES_PER_BUCKET;
  if (minutes.first < bucketStart) around.push({ first: minutes.first, last: bucketStart - 1 });
  if (afterBuckets <= minutes.last) around.push({ first: afterBuckets, last: minutes.last });
  return { buckets, minutes: around, edges };
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
