/**
 * The overview's aggregates for every backend: which rows answer a window,
 * and how they add up. A window [from, to) splits into the whole units of a
 * rollup it covers (15-minute buckets, or days for metadata values) and at
 * most two partial units at its edges. Whole units are summed from the
 * rollup, only the edges are read from spans, so the cost does not grow with
 * the window:
 * - totals, time series and groups by model, provider or key: rollup_buckets,
 *   and the whole minutes of the partial buckets from rollup_minutes, so only
 *   the partial minutes at the edges are read from spans;
 * - groups by a metadata key named in `rollups.metadata_keys`:
 *   rollup_metadata_days, the calls without a value being the rest of
 *   rollup_buckets' total;
 * - groups by customer: the customers' day rows for whole days, and for a
 *   day the window covers in part either its 15-minute rows or, when fewer
 *   rows lie outside the window than in it, the day row less the rows
 *   outside (a window ending now covers most of today: its day row less the
 *   current bucket, instead of every bucket since midnight per customer);
 *   sums only: no percentiles nor cached tokens for these rows.
 * Groups by other metadata keys, and a customer's own figures (through its
 * index) read the window's spans. Spans are grouped by (group, latency bin)
 * in one pass: the bins are the rollups' histogram (src/usage/rollups.ts), so
 * both sources add up and percentiles come from the sum.
 *
 * A backend supplies the rows (AnalyticsSource); RollupAnalytics does the rest.
 */
import { BUCKET_MS, BUCKETS_PER_DAY, MINUTE_MS } from '../lib/periods.ts';
import { emptyMeasures, LATENCY_BINS, LATENCY_BOUNDS, type Measures, quantile } from '../usage/rollups.ts';
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
} from './analytics-types.ts';
import { splitWindowByMinute } from './summary-plan.ts';
import type { Scope } from './types.ts';

export type Sums = Omit<Measures, 'hist'>;
export const SUM_KEYS = Object.keys(emptyMeasures()).filter((k) => k !== 'hist') as (keyof Sums)[];
const UNIT_MS = { bucket: BUCKET_MS, minute: MINUTE_MS } as const;

/** The histogram columns of the rollup tables. */
export const HIST_COLUMNS = Array.from({ length: LATENCY_BINS }, (_, i) => `h${i}`);

/** latencyBin() in SQL (the same in every backend's dialect); null without a latency. */
export const LATENCY_BIN_SQL = `CASE WHEN latency IS NULL THEN NULL ${LATENCY_BOUNDS.map((b, i) => `WHEN latency <= ${b} THEN ${i}`).join(' ')}
  ELSE ${LATENCY_BOUNDS.length} END`;

/** The grouping of rollup_buckets (unit 'bucket') or rollup_minutes ('minute') rows as SQL over their columns (the same in every backend's dialect). */
export function rollupGroupSql(g: Grouping, unit: 'bucket' | 'minute'): string {
  switch (g.kind) {
    case 'column':
      // Rollup rows hold '' for none.
      return `nullif(${g.column}, '')`;
    case 'time':
      return `${unit} * ${UNIT_MS[unit]} - (${unit} * ${UNIT_MS[unit]}) % ${g.width}`;
    default:
      return '0';
  }
}

/** What rows are grouped by. */
export type Grouping =
  | { kind: 'all' }
  /** A span column ('' in rollup rows reads as null). */
  | { kind: 'column'; column: 'model' | 'provider_id' | 'api_key_id' | 'customer_identifier' }
  /** A metadata value as the rollup keys it (metadataValue in src/usage/rollups.ts): text up to 200 characters, numbers and booleans as JSON. */
  | { kind: 'metadata'; key: string }
  /** The start of the `width`-ms bucket (from the epoch) a span's end time falls in. */
  | { kind: 'time'; width: number };

/** A group's key as a backend returns it (a number for time buckets). */
export type GroupKey = string | number | null;

/** Customer usage rows to read: days or buckets lo..hi (inclusive), added (1) or taken away (-1). */
export interface CustomerRead {
  unit: 'day' | 'bucket';
  lo: number;
  hi: number;
  sign: 1 | -1;
}

/**
 * The customer usage rows that sum to buckets first..last: whole UTC days
 * from the day rows; a day covered in part from its buckets inside the
 * window, or from its day row less its buckets outside, whichever reads
 * fewer buckets that can hold rows (those within `data`, the scope's oldest
 * and newest bucket). A day row holds exactly the sum of its day's buckets:
 * both are added in the transaction that stores the spans.
 */
export function customerReads(first: number, last: number, data: { oldest: number; newest: number } | null): CustomerRead[] {
  const P = BUCKETS_PER_DAY;
  const held = (lo: number, hi: number) => (data ? Math.max(0, Math.min(hi, data.newest) - Math.max(lo, data.oldest) + 1) : 0);
  const reads: CustomerRead[] = [];
  const partial = (day: number, lo: number, hi: number) => {
    const outside = [
      { lo: day * P, hi: lo - 1 },
      { lo: hi + 1, hi: day * P + P - 1 },
    ].filter((r) => r.lo <= r.hi);
    if (outside.reduce((n, r) => n + held(r.lo, r.hi), 0) < held(lo, hi)) {
      reads.push({ unit: 'day', lo: day, hi: day, sign: 1 });
      for (const r of outside) reads.push({ unit: 'bucket', lo: r.lo, hi: r.hi, sign: -1 });
    } else reads.push({ unit: 'bucket', lo, hi, sign: 1 });
  };
  if (first > last) return reads;
  const d0 = Math.floor(first / P);
  const d1 = Math.floor(last / P);
  const wholeFrom = first === d0 * P ? d0 : d0 + 1;
  const wholeTo = last === d1 * P + P - 1 ? d1 : d1 - 1;
  if (wholeFrom > wholeTo && d0 === d1) {
    partial(d0, first, last);
    return reads;
  }
  if (wholeFrom <= wholeTo) reads.push({ unit: 'day', lo: wholeFrom, hi: wholeTo, sign: 1 });
  if (wholeFrom !== d0) partial(d0, first, d0 * P + P - 1);
  if (wholeTo !== d1) partial(d1, d1 * P, last);
  return reads;
}

/** The oldest and newest of each environment's (min, max) bucket, as a backend reads them (int8 may be text). */
export function bucketEnds(ends: readonly ({ lo: unknown; hi: unknown } | null | undefined)[]): { oldest: number; newest: number } | null {
  let oldest = Infinity;
  let newest = -Infinity;
  for (const e of ends) {
    if (e?.lo === null || e?.lo === undefined || e.hi === null || e.hi === undefined) continue;
    oldest = Math.min(oldest, Number(e.lo));
    newest = Math.max(newest, Number(e.hi));
  }
  return oldest <= newest ? { oldest, newest } : null;
}

/** A rollup row: sums and histogram columns (h0..), as numbers or int8 text. */
export type RollupRow = { g: GroupKey } & Record<string, unknown>;
/** A span row grouped by (group, latency bin). */
export type SpanRow = { g: GroupKey; bin: number | string | null } & Record<string, unknown>;

/** The rows a backend reads; every method covers whole units first..last (inclusive) of the scope. */
export interface AnalyticsSource {
  /** rollup_buckets, grouped ('all', a column, or time). */
  buckets(g: Grouping, scope: Scope, first: number, last: number): Promise<RollupRow[]>;
  /** rollup_minutes (minutes first..last), grouped as buckets() groups. */
  minutes(g: Grouping, scope: Scope, first: number, last: number): Promise<RollupRow[]>;
  /** rollup_metadata_buckets of one key, grouped by value. */
  metadataBuckets(key: string, scope: Scope, first: number, last: number): Promise<RollupRow[]>;
  /** Per customer identifier, the sums of its UTC days (customer_days) or 15-minute buckets (customer_usage). */
  customerRows(unit: 'day' | 'bucket', scope: Scope, first: number, last: number): Promise<RollupRow[]>;
  /** The oldest and newest bucket of rollup_buckets in the scope (every stored span has its bucket there), or null. */
  bucketRange(scope: Scope): Promise<{ oldest: number; newest: number } | null>;
  /** Spans with from <= timestamp < to (of one customer when q.customer is set), grouped by g and latency bin. */
  spans(g: Grouping, q: AnalyticsQuery, from: number, to: number): Promise<SpanRow[]>;
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

/** Groups by their key as text; a null key stays null (and never meets the text 'null'). */
class Groups {
  readonly byKey = new Map<string | null, { g: GroupKey; m: Measures }>();
  /** Groups summed in part from a rollup that keeps no histogram nor cached tokens. */
  readonly partial = new Set<string | null>();

  at(g: GroupKey): Measures {
    const key = g === null ? null : String(g);
    let entry = this.byKey.get(key);
    if (!entry) this.byKey.set(key, (entry = { g, m: emptyMeasures() }));
    return entry.m;
  }
}

function addSums(m: Measures, row: Record<string, unknown>, sign = 1): void {
  for (const k of SUM_KEYS) m[k] += sign * Number(row[k] ?? 0);
}

function addRollupRow(m: Measures, row: Record<string, unknown>, sign = 1): void {
  addSums(m, row, sign);
  HIST_COLUMNS.forEach((h, i) => {
    m.hist[i] = (m.hist[i] ?? 0) + sign * Number(row[h] ?? 0);
  });
}

/** How a grouping reads whole units when a rollup can answer it. */
interface Rollup {
  unit: number;
  read(out: Groups, scope: Scope, first: number, last: number): Promise<void>;
  /** Whole minutes first..last, when the rollup has a per-minute twin. */
  readMinutes?(out: Groups, scope: Scope, first: number, last: number): Promise<void>;
}

export class RollupAnalytics implements AnalyticsStore {
  constructor(
    private readonly source: AnalyticsSource,
    private readonly metadataKeys: readonly string[],
  ) {}

  private buckets(g: Grouping): Rollup {
    return {
      unit: BUCKET_MS,
      read: async (out, scope, first, last) => {
        for (const r of await this.source.buckets(g, scope, first, last)) addRollupRow(out.at(r.g), r);
      },
      readMinutes: async (out, scope, first, last) => {
        for (const r of await this.source.minutes(g, scope, first, last)) addRollupRow(out.at(r.g), r);
      },
    };
  }

  /** Whole buckets of one metadata key: its values, and the rest of the buckets' calls as none. */
  private metadataBuckets(key: string): Rollup {
    return {
      unit: BUCKET_MS,
      read: async (out, scope, first, last) => {
        const rows = await this.source.metadataBuckets(key, scope, first, last);
        const [all] = await this.source.buckets({ kind: 'all' }, scope, first, last);
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

  /**
   * Whole buckets per customer: whole UTC days from customer_days (a row per
   * customer and day, so weeks cost about as much as hours), days covered in
   * part as customerReads says; the calls of no customer as the rest of
   * rollup_buckets' total. These keep sums only: no percentiles nor cached
   * tokens.
   */
  private customerBuckets(): Rollup {
    return {
      unit: BUCKET_MS,
      read: async (out, scope, first, last) => {
        const [all] = await this.source.buckets({ kind: 'all' }, scope, first, last);
        if (!all) return;
        const none = out.at(null);
        addRollupRow(none, all);
        out.partial.add(null);
        const customers = new Set<string | null>();
        for (const read of customerReads(first, last, await this.source.bucketRange(scope))) {
          for (const r of await this.source.customerRows(read.unit, scope, read.lo, read.hi)) {
            const key = r.g === null ? null : String(r.g);
            addSums(out.at(r.g), r, read.sign);
            customers.add(key);
            out.partial.add(key);
            addSums(none, r, -read.sign);
          }
        }
        // A customer whose calls of a day all lie outside the window adds up to none (its sums to
        // rounding noise): it is not a group.
        for (const key of customers) {
          if ((out.byKey.get(key)?.m.requests ?? 0) <= 0) {
            out.byKey.delete(key);
            out.partial.delete(key);
          }
        }
        if (none.requests === 0) out.byKey.delete(null);
      },
    };
  }

  private dimension(by: AnalyticsDimension): { spans: Grouping; rollup: Rollup | null } {
    const column = (c: 'model' | 'provider_id' | 'api_key_id') => {
      const g: Grouping = { kind: 'column', column: c };
      return { spans: g, rollup: this.buckets(g) };
    };
    switch (by.kind) {
      case 'model':
        return column('model');
      case 'provider':
        return column('provider_id');
      case 'api_key':
        return column('api_key_id');
      case 'customer':
        return { spans: { kind: 'column', column: 'customer_identifier' }, rollup: this.customerBuckets() };
      case 'metadata':
        return {
          spans: { kind: 'metadata', key: by.key },
          rollup: this.metadataKeys.includes(by.key) ? this.metadataBuckets(by.key) : null,
        };
    }
  }

  private async groups(q: AnalyticsQuery, spans: Grouping, rollup: Rollup | null): Promise<Groups> {
    const out = new Groups();
    if (rollup?.readMinutes && q.customer === null) {
      // The window is [from, to); the split takes an inclusive end.
      const parts = splitWindowByMinute(q.from, q.to - 1);
      if (parts.buckets) await rollup.read(out, q.scope, parts.buckets.first, parts.buckets.last);
      for (const m of parts.minutes) await rollup.readMinutes(out, q.scope, m.first, m.last);
      for (const e of parts.edges) await this.fromSpans(out, q, e.from, e.to + 1, spans);
      return out;
    }
    const unit = rollup?.unit ?? BUCKET_MS;
    // Whole units: u*unit >= from and (u+1)*unit <= to.
    const first = Math.ceil(q.from / unit);
    const last = Math.floor(q.to / unit) - 1;
    if (rollup === null || q.customer !== null || first > last) {
      await this.fromSpans(out, q, q.from, q.to, spans);
      return out;
    }
    await rollup.read(out, q.scope, first, last);
    await this.fromSpans(out, q, q.from, first * unit, spans);
    await this.fromSpans(out, q, (last + 1) * unit, q.to, spans);
    return out;
  }

  private async fromSpans(out: Groups, q: AnalyticsQuery, from: number, to: number, g: Grouping): Promise<void> {
    if (from >= to) return;
    for (const r of await this.source.spans(g, q, from, to)) {
      const m = out.at(r.g);
      addSums(m, r);
      if (r.bin !== null) {
        const bin = Number(r.bin);
        m.hist[bin] = (m.hist[bin] ?? 0) + Number(r.latency_count ?? 0);
      }
    }
  }

  async summary(q: AnalyticsQuery): Promise<AnalyticsFigures> {
    const all: Grouping = { kind: 'all' };
    const [one] = (await this.groups(q, all, this.buckets(all))).byKey.values();
    return figures(one?.m ?? emptyMeasures());
  }

  async timeseries(q: AnalyticsQuery, bucket: AnalyticsBucket): Promise<AnalyticsPoint[]> {
    const g: Grouping = { kind: 'time', width: ANALYTICS_BUCKETS[bucket] };
    const groups = await this.groups(q, g, this.buckets(g));
    return [...groups.byKey.values()].map(({ g: start, m }) => ({ ...figures(m), start: Number(start) })).sort((a, b) => a.start - b.start);
  }

  async breakdown(q: AnalyticsQuery, by: AnalyticsDimension, order: BreakdownOrder, limit: number): Promise<AnalyticsGroup[]> {
    const d = this.dimension(by);
    const groups = await this.groups(q, d.spans, d.rollup);
    const rows = [...groups.byKey.entries()].map(([key, { m }]) => ({ ...figures(m, groups.partial.has(key)), key }));
    rows.sort((a, b) => b[order] - a[order] || (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return rows.slice(0, limit);
  }
}
