/**
 * Span summaries over a window in SQLite: whole 15-minute buckets from a
 * rollup, the edges from spans (src/store/summary-plan.ts says which); with
 * no filter or filters on model, provider or key, the whole minutes of the
 * edges from the per-minute rollup. rollup_buckets and rollup_minutes rows
 * hold '' for none, read back as NULL; filters that name
 * customers read the customers' own usage buckets; an equality on a rolled-up
 * metadata key reads that key's buckets.
 */
import type { Database } from 'bun:sqlite';
import type { TypedCondition } from '../../query/filters.ts';
import {
  addSums,
  BUCKET_DIMENSIONS,
  EMPTY_SUMS,
  metadataRollupValues,
  splitWindow,
  splitWindowByMinute,
  type SummarySource,
  summaryOf,
  summarySource,
  type SummarySums,
  type UnitRange,
} from '../summary-plan.ts';
import type { Scope, SpanSummary } from '../types.ts';
import { type ColumnMap, type Compiled, compileFilters, type MetadataSource, scopeWhere } from './span-query.ts';
import { SLICE_WHERE, sliceParams, spanSlices, walksWindow } from './span-slices.ts';
import type { SqlValue } from './span-rows.ts';

const RAW_SUMS = `count(*) AS n, total(cost) AS cost, total(total_request_tokens) AS tokens, total(prompt_tokens) AS prompt,
  total(completion_tokens) AS completion, total(latency) AS latency_sum, count(latency) AS latency_n,
  total(time_to_first_token) AS ttft_sum, count(time_to_first_token) AS ttft_n, total(tokens_per_second) AS tps_sum,
  count(tokens_per_second) AS tps_n, total(status = 'error') AS errors`;

const ROLLUP_SUMS = `total(requests) AS n, total(cost) AS cost, total(total_tokens) AS tokens, total(prompt_tokens) AS prompt,
  total(completion_tokens) AS completion, total(latency_sum) AS latency_sum, total(latency_count) AS latency_n,
  total(ttft_sum) AS ttft_sum, total(ttft_count) AS ttft_n, total(tps_sum) AS tps_sum, total(tps_count) AS tps_n,
  total(errors) AS errors`;

const DIMENSIONS: ColumnMap = Object.fromEntries(BUCKET_DIMENSIONS.map((d) => [d, `nullif(${d}, '')`]));

/** Rollups other than the per-bucket one, which summary() reads with its per-minute twin. */
type OtherSource = Exclude<SummarySource, 'buckets'>;

/** FROM and WHERE of the rollup rows of buckets first..last that the filters select. */
const ROLLUPS: Record<
  OtherSource,
  (scope: Scope, first: number, last: number, filters: readonly TypedCondition[], metadataKeys: readonly string[]) => Compiled
> = {
  customers(scope, first, last, filters) {
    const s = scopeWhere(scope);
    const f = compileFilters({}, filters);
    return {
      sql: `customer_usage WHERE customer_id IN (SELECT id FROM customers WHERE ${s.sql} AND ${f.sql})
        AND bucket >= ? AND bucket <= ?`,
      params: [...s.params, ...f.params, first, last],
    };
  },
  metadata(scope, first, last, filters, metadataKeys) {
    const s = scopeWhere(scope);
    const f = filters[0] as TypedCondition & { target: 'metadata' };
    const values = metadataRollupValues(f, metadataKeys) ?? [];
    return {
      sql: `rollup_metadata_buckets WHERE ${s.sql} AND meta_key = ? AND bucket >= ? AND bucket <= ?
        AND meta_value IN (${values.map(() => '?').join(', ')})`,
      params: [...s.params, f.key, first, last, ...values],
    };
  },
};

export class SqliteSummaries {
  private readonly metadataSource: MetadataSource;

  constructor(
    private readonly client: Database,
    private readonly metadataKeys: readonly string[],
  ) {
    this.metadataSource = { column: 'metadata', indexed: new Set(metadataKeys) };
  }

  summary(scope: Scope, from: number, to: number, filters: readonly TypedCondition[]): SpanSummary {
    const source = summarySource(filters, this.metadataKeys);
    if (source === 'buckets') return summaryOf(this.byMinute(scope, from, to, filters));
    const parts = source ? splitWindow(from, to) : null;
    if (!source || !parts) return summaryOf(this.fromSpans(scope, from, to, filters));
    const q = ROLLUPS[source](scope, parts.first, parts.last, filters, this.metadataKeys);
    let sums = addSums(EMPTY_SUMS, this.client.query<SummarySums, SqlValue[]>(`SELECT ${ROLLUP_SUMS} FROM ${q.sql}`).get(...q.params));
    for (const e of parts.edges) sums = addSums(sums, this.fromSpans(scope, e.from, e.to, filters));
    return summaryOf(sums);
  }

  /** Whole buckets, then whole minutes around them, then spans for the partial minutes (splitWindowByMinute). */
  private byMinute(scope: Scope, from: number, to: number, filters: readonly TypedCondition[]): SummarySums {
    const parts = splitWindowByMinute(from, to);
    const ranges: [string, string, UnitRange][] = parts.minutes.map((m) => ['rollup_minutes', 'minute', m]);
    if (parts.buckets) ranges.push(['rollup_buckets', 'bucket', parts.buckets]);
    const s = scopeWhere(scope);
    const f = compileFilters(DIMENSIONS, filters);
    let sums = EMPTY_SUMS;
    for (const [table, unit, r] of ranges) {
      const row = this.client
        .query<SummarySums, SqlValue[]>(`SELECT ${ROLLUP_SUMS} FROM ${table} WHERE ${s.sql} AND ${unit} >= ? AND ${unit} <= ? AND ${f.sql}`)
        .get(...s.params, r.first, r.last, ...f.params);
      sums = addSums(sums, row);
    }
    for (const e of parts.edges) sums = addSums(sums, this.fromSpans(scope, e.from, e.to, filters));
    return sums;
  }

  /**
   * Sums read from the spans themselves. A read of every span of the window
   * goes slice by slice (span-slices.ts), so that a scan cut by its budget
   * stops soon; one another index narrows is one statement.
   */
  private fromSpans(scope: Scope, from: number, to: number, filters: readonly TypedCondition[]): SummarySums {
    const s = scopeWhere(scope);
    const f = compileFilters({}, filters, this.metadataSource);
    const whole = `SELECT ${RAW_SUMS} FROM spans WHERE ${s.sql} AND timestamp >= ? AND timestamp <= ? AND ${f.sql}`;
    const params = [...s.params, from, to, ...f.params];
    if (!walksWindow(this.client, whole, params)) return addSums(EMPTY_SUMS, this.client.query<SummarySums, SqlValue[]>(whole).get(...params));
    const slice = this.client.query<SummarySums, SqlValue[]>(`SELECT ${RAW_SUMS} FROM spans WHERE ${SLICE_WHERE} AND ${f.sql}`);
    let sums = EMPTY_SUMS;
    for (const x of spanSlices(this.client, scope, from, to)) sums = addSums(sums, slice.get(...sliceParams(scope.orgId, x), ...f.params));
    return sums;
  }
}
