/**
 * The overview's aggregates; every SQL of the analytics store is in this
 * file. A window [from, to) splits into the 15-minute buckets it covers whole
 * and at most two partial buckets at its edges. Where a rollup can answer
 * (no customer filter; totals, time series, or groups by model, provider or
 * key), whole buckets are summed from rollup_buckets and only the edges are
 * read from spans, so the cost no longer grows with the spans of the window.
 * Groups by customer or metadata value, and a customer's own figures, read
 * the window's spans. Spans are grouped by (group, latency bin) in one pass:
 * the bins are the rollups' histogram (src/usage/rollups.ts), so both sources
 * add up and percentiles come from the sum.
 */
import type { Database } from 'bun:sqlite';
import { BUCKET_MS } from '../../lib/periods.ts';
import { emptyMeasures, LATENCY_BINS, LATENCY_BOUNDS, type Measures, quantile } from '../../usage/rollups.ts';
import {
  ANALYTICS_BUCKETS,
  type AnalyticsBucket,
  type AnalyticsDimension,
  type AnalyticsFigures,
  type AnalyticsGroup,
  type AnalyticsPoint,
  type AnalyticsQuery,
  type AnalyticsStore,
  type BreakdownOrder,
} from '../analytics-types.ts';
import { type Compiled, scopeWhere } from './span-query.ts';
import type { SqlValue } from './span-rows.ts';

type Sums = Omit<Measures, 'hist'>;
const SUM_KEYS = Object.keys(emptyMeasures()).filter((k) => k !== 'hist') as (keyof Sums)[];

/** latencyBin() in SQL; null without a latency. */
const BIN = `CASE WHEN latency IS NULL THEN NULL ${LATENCY_BOUNDS.map((b, i) => `WHEN latency <= ${b} THEN ${i}`).join(' ')}
  ELSE ${LATENCY_BOUNDS.length} END`;

const SPAN_SUMS = `count(*) AS requests, total(status = 'error') AS errors, total(cached) AS cache_hits,
  total(prompt_tokens) AS prompt_tokens, total(completion_tokens) AS completion_tokens,
  total(total_request_tokens) AS total_tokens, total(cached_tokens) AS cached_tokens,
  total(reasoning_tokens) AS reasoning_tokens, total(cost) AS cost,
  total(latency) AS latency_sum, count(latency) AS latency_count,
  total(time_to_first_token) AS ttft_sum, count(time_to_first_token) AS ttft_count,
  total(tokens_per_second) AS tps_sum, count(tokens_per_second) AS tps_count`;

const HIST = Array.from({ length: LATENCY_BINS }, (_, i) => `h${i}`);
const ROLLUP_SUMS = [...SUM_KEYS, ...HIST].map((k) => `total(${k}) AS ${k}`).join(', ');

/** How a grouping reads spans, and rollup_buckets when it can. */
interface Grouping {
  spans: Compiled;
  rollup: string | null;
}

const TOTAL: Grouping = { spans: { sql: '0', params: [] }, rollup: '0' };

/** Rollup rows hold '' for none. */
const column = (name: string): Grouping => ({ spans: { sql: name, params: [] }, rollup: `nullif(${name}, '')` });

function dimension(by: AnalyticsDimension): Grouping {
  switch (by.kind) {
    case 'model':
      return column('model');
    case 'provider':
      return column('provider_id');
    case 'api_key':
      return column('api_key_id');
    case 'customer':
      return { spans: { sql: 'customer_identifier', params: [] }, rollup: null };
    case 'metadata':
      return { spans: { sql: 'json_extract(metadata, ?)', params: [`$."${by.key.replaceAll('"', '')}"`] }, rollup: null };
  }
}

function figures(m: Measures): AnalyticsFigures {
  return {
    requests: m.requests,
    errors: m.errors,
    cost: m.cost,
    prompt_tokens: m.prompt_tokens,
    completion_tokens: m.completion_tokens,
    total_tokens: m.total_tokens,
    cached_tokens: m.cached_tokens,
    cache_hits: m.cache_hits,
    latency_avg: m.latency_count > 0 ? m.latency_sum / m.latency_count : null,
    latency_p50: quantile(m.hist, 0.5),
    latency_p95: quantile(m.hist, 0.95),
    ttft_avg: m.ttft_count > 0 ? m.ttft_sum / m.ttft_count : null,
  };
}

/** Groups by their key as text; SQL NULL stays null (and never meets the text 'null'). */
class Groups {
  readonly byKey = new Map<string | null, { g: SqlValue; m: Measures }>();

  at(g: SqlValue): Measures {
    const key = g === null ? null : String(g);
    let entry = this.byKey.get(key);
    if (!entry) this.byKey.set(key, (entry = { g, m: emptyMeasures() }));
    return entry.m;
  }
}

function addSums(m: Measures, row: Sums): void {
  for (const k of SUM_KEYS) m[k] += row[k];
}

export class SqliteAnalyticsStore implements AnalyticsStore {
  constructor(private readonly client: Database) {}

  private groups(q: AnalyticsQuery, g: Grouping): Groups {
    const out = new Groups();
    // Whole buckets: b*U >= from and (b+1)*U <= to.
    const first = Math.ceil(q.from / BUCKET_MS);
    const last = Math.floor(q.to / BUCKET_MS) - 1;
    if (g.rollup === null || q.customer !== null || first > last) {
      this.fromSpans(out, q, q.from, q.to, g.spans);
      return out;
    }
    this.fromRollup(out, q, first, last, g.rollup);
    this.fromSpans(out, q, q.from, first * BUCKET_MS, g.spans);
    this.fromSpans(out, q, (last + 1) * BUCKET_MS, q.to, g.spans);
    return out;
  }

  private fromRollup(out: Groups, q: AnalyticsQuery, first: number, last: number, g: string): void {
    const s = scopeWhere(q.scope);
    const rows = this.client
      .query<Sums & Record<string, number> & { g: SqlValue }, SqlValue[]>(
        `SELECT ${g} AS g, ${ROLLUP_SUMS} FROM rollup_buckets WHERE ${s.sql} AND bucket >= ? AND bucket <= ? GROUP BY 1`,
      )
      .all(...s.params, first, last);
    for (const r of rows) {
      const m = out.at(r.g);
      addSums(m, r);
      HIST.forEach((h, i) => {
        m.hist[i] = (m.hist[i] ?? 0) + (r[h] ?? 0);
      });
    }
  }

  /** Spans with from <= timestamp < to. */
  private fromSpans(out: Groups, q: AnalyticsQuery, from: number, to: number, g: Compiled): void {
    if (from >= to) return;
    const s = scopeWhere(q.scope);
    const customer = q.customer === null ? '' : ' AND customer_identifier = ?';
    const rows = this.client
      .query<Sums & { g: SqlValue; bin: number | null }, SqlValue[]>(
        `SELECT ${g.sql} AS g, ${BIN} AS bin, ${SPAN_SUMS} FROM spans
         WHERE ${s.sql} AND timestamp >= ? AND timestamp < ?${customer} GROUP BY 1, 2`,
      )
      .all(...g.params, ...s.params, from, to, ...(q.customer === null ? [] : [q.customer]));
    for (const r of rows) {
      const m = out.at(r.g);
      addSums(m, r);
      if (r.bin !== null) m.hist[r.bin] = (m.hist[r.bin] ?? 0) + r.latency_count;
    }
  }

  async summary(q: AnalyticsQuery): Promise<AnalyticsFigures> {
    const [all] = this.groups(q, TOTAL).byKey.values();
    return figures(all?.m ?? emptyMeasures());
  }

  async timeseries(q: AnalyticsQuery, bucket: AnalyticsBucket): Promise<AnalyticsPoint[]> {
    const width = ANALYTICS_BUCKETS[bucket];
    const start = `timestamp - timestamp % ${width}`;
    const rollupStart = `bucket * ${BUCKET_MS} - (bucket * ${BUCKET_MS}) % ${width}`;
    const groups = this.groups(q, { spans: { sql: start, params: [] }, rollup: rollupStart });
    return [...groups.byKey.values()].map(({ g, m }) => ({ ...figures(m), start: Number(g) })).sort((a, b) => a.start - b.start);
  }

  async breakdown(q: AnalyticsQuery, by: AnalyticsDimension, order: BreakdownOrder, limit: number): Promise<AnalyticsGroup[]> {
    const rows = [...this.groups(q, dimension(by)).byKey.entries()].map(([key, { m }]) => ({ ...figures(m), key }));
    rows.sort((a, b) => b[order] - a[order] || (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return rows.slice(0, limit);
  }
}
