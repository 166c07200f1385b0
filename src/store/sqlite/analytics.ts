/**
 * The overview's aggregates; every SQL of the analytics store is in this
 * file. A window [from, to) splits into the whole 15-minute buckets it covers
 * and at most two partial buckets at its edges. Whole buckets are summed from
 * a rollup, only the edges are read from spans:
 * - totals, time series and groups by model, provider or key: rollup_buckets;
 * - groups by a metadata key named in `rollups.metadata_keys`:
 *   rollup_metadata_buckets, the calls without a value being the rest of
 *   rollup_buckets' total;
 * - groups by customer: the customers' whole UTC days (customer_days) and
 *   the buckets of the partial days (customer_usage), likewise (sums only:
 *   no percentiles nor cached tokens for these rows).
 * Groups by other metadata keys, and a customer's own figures (through its
 * index) read the window's spans. Spans are grouped by (group,
 * latency bin) in one pass: the bins are the rollups' histogram
 * (src/usage/rollups.ts), so both sources add up and percentiles come from
 * the sum.
 */
import type { Database } from 'bun:sqlite';
import { BUCKET_MS, BUCKETS_PER_DAY } from '../../lib/periods.ts';
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
import type { Scope } from '../types.ts';
import { type Compiled, scopeWhere } from './span-query.ts';
import type { SqlValue } from './span-rows.ts';
import type { StoreSettings } from './local.ts';

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

/** Whole units of a window, summed from a rollup into `out`. */
interface Rollup {
  unit: number;
  read(out: Groups, scope: Scope, first: number, last: number): void;
}

/** How a grouping reads spans, and a rollup when one can answer. */
interface Grouping {
  spans: Compiled;
  rollup: Rollup | null;
}

/**
 * A metadata value as the rollup keys it (metadataValue in
 * src/usage/rollups.ts): text up to 200 characters, numbers and booleans as
 * JSON; anything else counts as no value.
 */
function metadataText(key: string): Compiled {
  const path = `$."${key.replaceAll('"', '')}"`;
  return {
    sql: `CASE json_type(metadata, ?) WHEN 'text' THEN iif(length(json_extract(metadata, ?)) <= 200, json_extract(metadata, ?), NULL)
      WHEN 'integer' THEN CAST(json_extract(metadata, ?) AS TEXT) WHEN 'real' THEN CAST(json_extract(metadata, ?) AS TEXT)
      WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END`,
    params: [path, path, path, path, path],
  };
}

function figures(m: Measures, partial = false): AnalyticsFigures {
  return {
    requests: m.requests,
    errors: m.errors,
    cost: m.cost,
    prompt_tokens: m.prompt_tokens,
    completion_tokens: m.completion_tokens,
    total_tokens: m.total_tokens,
    cached_tokens: partial ? null : m.cached_tokens,
    cache_hits: m.cache_hits,
    latency_avg: m.latency_count > 0 ? m.latency_sum / m.latency_count : null,
    latency_p50: partial ? null : quantile(m.hist, 0.5),
    latency_p95: partial ? null : quantile(m.hist, 0.95),
    ttft_avg: m.ttft_count > 0 ? m.ttft_sum / m.ttft_count : null,
  };
}

/** Groups by their key as text; SQL NULL stays null (and never meets the text 'null'). */
class Groups {
  readonly byKey = new Map<string | null, { g: SqlValue; m: Measures }>();
  /** Groups summed in part from a rollup that keeps no histogram nor cached tokens. */
  readonly partial = new Set<string | null>();

  at(g: SqlValue): Measures {
    const key = g === null ? null : String(g);
    let entry = this.byKey.get(key);
    if (!entry) this.byKey.set(key, (entry = { g, m: emptyMeasures() }));
    return entry.m;
  }
}

type RollupRow = Sums & Record<string, number> & { g: SqlValue };

function addSums(m: Measures, row: Sums, sign = 1): void {
  for (const k of SUM_KEYS) m[k] += sign * row[k];
}

function addRollupRow(m: Measures, row: RollupRow, sign = 1): void {
  addSums(m, row, sign);
  HIST.forEach((h, i) => {
    m.hist[i] = (m.hist[i] ?? 0) + sign * (row[h] ?? 0);
  });
}

export class SqliteAnalyticsStore implements AnalyticsStore {
  constructor(
    private readonly client: Database,
    private readonly settings: StoreSettings,
  ) {}

  /** rollup_buckets grouped by an expression of its columns. */
  private buckets(g: string): Rollup {
    return {
      unit: BUCKET_MS,
      read: (out, scope, first, last) => {
        for (const r of this.bucketRows(g, scope, first, last)) addRollupRow(out.at(r.g), r);
      },
    };
  }

  private bucketRows(g: string, scope: Scope, first: number, last: number): RollupRow[] {
    const s = scopeWhere(scope);
    return this.client
      .query<RollupRow, SqlValue[]>(
        `SELECT ${g} AS g, ${ROLLUP_SUMS} FROM rollup_buckets WHERE ${s.sql} AND bucket >= ? AND bucket <= ? GROUP BY 1`,
      )
      .all(...s.params, first, last);
  }

  /** Whole buckets of one metadata key: its values, and the rest of the buckets' calls as none. */
  private metadataBuckets(key: string): Rollup {
    return {
      unit: BUCKET_MS,
      read: (out, scope, first, last) => {
        const s = scopeWhere(scope);
        const rows = this.client
          .query<RollupRow, SqlValue[]>(
            `SELECT meta_value AS g, ${ROLLUP_SUMS} FROM rollup_metadata_buckets
             WHERE ${s.sql} AND meta_key = ? AND bucket >= ? AND bucket <= ? GROUP BY 1`,
          )
          .all(...s.params, key, first, last);
        const [all] = this.bucketRows('0', scope, first, last);
        if (!all) return;
        const none = out.at(null);
        addRollupRow(none, all);
        for (const r of rows) {
          addRollupRow(out.at(r.g), r);
          addRollupRow(none, r, -1);
        }
        if (none.requests === 0) out.byKey.delete(null);
      },
    };
  }

  /** Per customer, sums of one of its usage tables over a range of that table's unit. */
  private customerRows(table: 'customer_days' | 'customer_usage', scope: Scope, lo: number, hi: number) {
    if (lo > hi) return [];
    const unit = table === 'customer_days' ? 'day' : 'bucket';
    const s = scopeWhere(scope, 'c.');
    return this.client
      .query<Sums & { g: string }, SqlValue[]>(
        `SELECT c.customer_identifier AS g, total(u.requests) AS requests, total(u.errors) AS errors,
           total(u.cache_hits) AS cache_hits, total(u.prompt_tokens) AS prompt_tokens,
           total(u.completion_tokens) AS completion_tokens, total(u.total_tokens) AS total_tokens, 0 AS cached_tokens,
           0 AS reasoning_tokens, total(u.cost) AS cost, total(u.latency_sum) AS latency_sum,
           total(u.latency_count) AS latency_count, total(u.ttft_sum) AS ttft_sum, total(u.ttft_count) AS ttft_count,
           total(u.tps_sum) AS tps_sum, total(u.tps_count) AS tps_count
         FROM ${table} u JOIN customers c ON c.id = u.customer_id
         WHERE ${s.sql} AND u.${unit} >= ? AND u.${unit} <= ? GROUP BY c.id`,
      )
      .all(...s.params, lo, hi);
  }

  /**
   * Whole buckets per customer: the whole UTC days among them from
   * customer_days (a row per customer and day, so weeks cost about as much as
   * hours), the rest from the 15-minute usage; the calls of no customer as the
   * rest of rollup_buckets' total. These keep sums only: no percentiles nor
   * cached tokens.
   */
  private customerBuckets(): Rollup {
    return {
      unit: BUCKET_MS,
      read: (out, scope, first, last) => {
        const d0 = Math.ceil(first / BUCKETS_PER_DAY);
        const d1 = Math.floor((last + 1) / BUCKETS_PER_DAY) - 1;
        const rows =
          d0 > d1
            ? this.customerRows('customer_usage', scope, first, last)
            : [
                ...this.customerRows('customer_days', scope, d0, d1),
                ...this.customerRows('customer_usage', scope, first, d0 * BUCKETS_PER_DAY - 1),
                ...this.customerRows('customer_usage', scope, (d1 + 1) * BUCKETS_PER_DAY, last),
              ];
        const [all] = this.bucketRows('0', scope, first, last);
        if (!all) return;
        const none = out.at(null);
        addRollupRow(none, all);
        out.partial.add(null);
        for (const r of rows) {
          addSums(out.at(r.g), r);
          out.partial.add(r.g);
          addSums(none, r, -1);
        }
        if (none.requests === 0) out.byKey.delete(null);
      },
    };
  }

  private dimension(by: AnalyticsDimension): Grouping {
    const column = (name: string): Grouping => ({
      spans: { sql: name, params: [] },
      // Rollup rows hold '' for none.
      rollup: this.buckets(`nullif(${name}, '')`),
    });
    switch (by.kind) {
      case 'model':
        return column('model');
      case 'provider':
        return column('provider_id');
      case 'api_key':
        return column('api_key_id');
      case 'customer':
        return { spans: { sql: 'customer_identifier', params: [] }, rollup: this.customerBuckets() };
      case 'metadata':
        return {
          spans: metadataText(by.key),
          rollup: this.settings.metadataKeys.includes(by.key) ? this.metadataBuckets(by.key) : null,
        };
    }
  }

  private groups(q: AnalyticsQuery, g: Grouping): Groups {
    const out = new Groups();
    const unit = g.rollup?.unit ?? BUCKET_MS;
    // Whole units: u*unit >= from and (u+1)*unit <= to.
    const first = Math.ceil(q.from / unit);
    const last = Math.floor(q.to / unit) - 1;
    if (g.rollup === null || q.customer !== null || first > last) {
      this.fromSpans(out, q, q.from, q.to, g.spans);
      return out;
    }
    g.rollup.read(out, q.scope, first, last);
    this.fromSpans(out, q, q.from, first * unit, g.spans);
    this.fromSpans(out, q, (last + 1) * unit, q.to, g.spans);
    return out;
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
    const [all] = this.groups(q, { spans: { sql: '0', params: [] }, rollup: this.buckets('0') }).byKey.values();
    return figures(all?.m ?? emptyMeasures());
  }

  async timeseries(q: AnalyticsQuery, bucket: AnalyticsBucket): Promise<AnalyticsPoint[]> {
    const width = ANALYTICS_BUCKETS[bucket];
    const start = `timestamp - timestamp % ${width}`;
    const rollupStart = `bucket * ${BUCKET_MS} - (bucket * ${BUCKET_MS}) % ${width}`;
    const groups = this.groups(q, { spans: { sql: start, params: [] }, rollup: this.buckets(rollupStart) });
    return [...groups.byKey.values()].map(({ g, m }) => ({ ...figures(m), start: Number(g) })).sort((a, b) => a.start - b.start);
  }

  async breakdown(q: AnalyticsQuery, by: AnalyticsDimension, order: BreakdownOrder, limit: number): Promise<AnalyticsGroup[]> {
    const groups = this.groups(q, this.dimension(by));
    const rows = [...groups.byKey.entries()].map(([key, { m }]) => ({ ...figures(m, groups.partial.has(key)), key }));
    rows.sort((a, b) => b[order] - a[order] || (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return rows.slice(0, limit);
  }
}
