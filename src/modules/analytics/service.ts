/**
 * The console's overview: figures over a window, as a whole, per time bucket
 * and per dimension value. Chooses bucket sizes, fills empty buckets, derives
 * rates and names API keys; the aggregates come from the AnalyticsStore.
 */
import { ValidationError } from '../../errors.ts';
import { roundCost } from '../../pricing/cost.ts';
import {
  ANALYTICS_BUCKETS,
  type AnalyticsBucket,
  type AnalyticsDimension,
  type AnalyticsFigures,
  type AnalyticsQuery,
  type AnalyticsStore,
  type BreakdownOrder,
} from '../../store/analytics-types.ts';
import type { KeyStore } from '../../store/key-types.ts';
import type { Scope } from '../../store/types.ts';

const DAY_MS = 86_400_000;
/** The default bucket is the smallest that gives at most this many points. */
const TARGET_POINTS = 200;
/** More points than this is a 422: a chart cannot show them. */
export const MAX_POINTS = 2000;

export interface AnalyticsWindow {
  /** Epoch ms; null: the defaults (the 24 hours before `to`; now). */
  from: number | null;
  to: number | null;
  customer: string | null;
}

const EMPTY: AnalyticsFigures = {
  requests: 0, errors: 0, cost: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0,
  cache_hits: 0, latency_avg: null, latency_p50: null, latency_p95: null, ttft_avg: null,
};

/** Figures as the wire has them: with the rates, cost rounded. */
export function withRates(f: AnalyticsFigures) {
  const rate = (n: number) => (f.requests > 0 ? n / f.requests : 0);
  return { ...f, cost: roundCost(f.cost), error_rate: rate(f.errors), cache_hit_rate: rate(f.cache_hits) };
}

export function defaultBucket(from: number, to: number): AnalyticsBucket {
  const span = to - from;
  for (const b of ['15m', '1h'] as const) if (span / ANALYTICS_BUCKETS[b] <= TARGET_POINTS) return b;
  return '1d';
}

const iso = (ms: number) => new Date(ms).toISOString();

export class AnalyticsService {
  constructor(
    private readonly store: AnalyticsStore,
    private readonly keys: Pick<KeyStore, 'list'>,
    private readonly now: () => number,
  ) {}

  private query(scope: Scope, w: AnalyticsWindow): AnalyticsQuery {
    const to = w.to ?? this.now();
    const from = w.from ?? to - DAY_MS;
    if (from >= to) throw ValidationError.field('start_time', 'start_time must be before end_time');
    return { scope, from, to, customer: w.customer };
  }

  private range(q: AnalyticsQuery) {
    return { start_time: iso(q.from), end_time: iso(q.to) };
  }

  async summary(scope: Scope, w: AnalyticsWindow) {
    const q = this.query(scope, w);
    return { ...this.range(q), ...withRates(await this.store.summary(q)) };
  }

  async timeseries(scope: Scope, w: AnalyticsWindow, requested: AnalyticsBucket | null) {
    const q = this.query(scope, w);
    const bucket = requested ?? defaultBucket(q.from, q.to);
    const width = ANALYTICS_BUCKETS[bucket];
    const first = q.from - (q.from % width);
    const points = Math.ceil((q.to - first) / width);
    if (points > MAX_POINTS) {
      throw ValidationError.field('bucket', `${points} buckets of ${bucket} in this range; at most ${MAX_POINTS}: use a wider bucket or a shorter range`);
    }
    const found = new Map((await this.store.timeseries(q, bucket)).map((p) => [p.start, p]));
    const results = Array.from({ length: points }, (_, i) => {
      const start = first + i * width;
      return { time: iso(start), ...withRates(found.get(start) ?? EMPTY) };
    });
    return { ...this.range(q), bucket, results };
  }

  async breakdown(scope: Scope, w: AnalyticsWindow, by: AnalyticsDimension, order: BreakdownOrder, limit: number) {
    const q = this.query(scope, w);
    const groups = await this.store.breakdown(q, by, order, limit);
    const names =
      by.kind === 'api_key'
        ? new Map((await this.keys.list(scope.orgId)).map((k) => [k.id, `${k.name} (${k.prefix})`]))
        : new Map<string, string>();
    return {
      ...this.range(q),
      by: by.kind === 'metadata' ? `metadata.${by.key}` : by.kind,
      order_by: order,
      results: groups.map(({ key, ...f }) => ({ key, label: key === null ? null : (names.get(key) ?? null), ...withRates(f) })),
    };
  }
}
