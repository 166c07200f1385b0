/**
 * The storage side of the console's overview: aggregates of spans over a time
 * window, whole, per time bucket, or per dimension value. Narrow on purpose,
 * so that an implementation over precomputed buckets (rollups) can replace
 * one over raw spans without touching the service or the routes.
 */
import type { Scope } from './types.ts';

/** Bucket widths a time series comes in; buckets start at multiples of the width since the epoch (UTC). */
export const ANALYTICS_BUCKETS = { '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
export type AnalyticsBucket = keyof typeof ANALYTICS_BUCKETS;

/** What a breakdown groups by: a span column, or one key of the span's metadata. */
export type AnalyticsDimension =
  | { kind: 'model' | 'provider' | 'customer' | 'api_key' }
  | { kind: 'metadata'; key: string };

export const BREAKDOWN_ORDER = ['requests', 'cost', 'total_tokens', 'errors'] as const;
export type BreakdownOrder = (typeof BREAKDOWN_ORDER)[number];

export interface AnalyticsQuery {
  scope: Scope;
  /** Epoch ms, inclusive; spans count by their end time (`timestamp`). */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Only this customer's spans when set. */
  customer: string | null;
}

/** The figures of a set of spans. Latencies are seconds; percentiles are approximate (null where the source keeps no histogram). */
export interface AnalyticsFigures {
  requests: number;
  errors: number;
  /** USD, before any customer markup. */
  cost: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Null where the source keeps none (groups by customer). */
  cached_tokens: number | null;
  /** Calls answered from the gateway's response cache. */
  cache_hits: number;
  latency_avg: number | null;
  latency_p50: number | null;
  latency_p95: number | null;
  ttft_avg: number | null;
}

export interface AnalyticsPoint extends AnalyticsFigures {
  /** Epoch ms where the bucket starts. */
  start: number;
}

export interface AnalyticsGroup extends AnalyticsFigures {
  /** The dimension's value as text; null for spans without one. */
  key: string | null;
}

export interface AnalyticsStore {
  summary(q: AnalyticsQuery): Promise<AnalyticsFigures>;
  /** Only buckets with at least one span, oldest first. */
  timeseries(q: AnalyticsQuery, bucket: AnalyticsBucket): Promise<AnalyticsPoint[]>;
  /** The top `limit` values of the dimension by `order` (descending), ties by key (null last). */
  breakdown(q: AnalyticsQuery, by: AnalyticsDimension, order: BreakdownOrder, limit: number): Promise<AnalyticsGroup[]>;
}
