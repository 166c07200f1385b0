/**
 * Span summaries over a window in PostgreSQL: whole 15-minute buckets from a
 * rollup, the edges from spans (src/store/summary-plan.ts says which); with
 * no filter or filters on model, provider or key, the whole minutes of the
 * edges from the per-minute rollup. rollup_buckets and rollup_minutes rows
 * hold '' for none, read back as NULL; filters that name
 * customers read the customers' own usage buckets.
 */
import type { SQL } from 'bun';
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
import { Params } from './connection.ts';
import { type ColumnMap, compileFilters, scopeWhere } from './span-query.ts';

const RAW_SUMS = `count(*) AS n, coalesce(sum(cost), 0) AS cost, coalesce(sum(total_request_tokens), 0) AS tokens,
  coalesce(sum(prompt_tokens), 0) AS prompt, coalesce(sum(completion_tokens), 0) AS completion,
  coalesce(sum(latency), 0) AS latency_sum, count(latency) AS latency_n, coalesce(sum(time_to_first_token), 0) AS ttft_sum,
  count(time_to_first_token) AS ttft_n, coalesce(sum(tokens_per_second), 0) AS tps_sum, count(tokens_per_second) AS tps_n,
  count(*) FILTER (WHERE status = 'error') AS errors`;

const ROLLUP_SUMS = `coalesce(sum(requests), 0) AS n, coalesce(sum(cost), 0) AS cost, coalesce(sum(total_tokens), 0) AS tokens,
  coalesce(sum(prompt_tokens), 0) AS prompt, coalesce(sum(completion_tokens), 0) AS completion,
  coalesce(sum(latency_sum), 0) AS latency_sum, coalesce(sum(latency_count), 0) AS latency_n,
  coalesce(sum(ttft_sum), 0) AS ttft_sum, coalesce(sum(ttft_count), 0) AS ttft_n, coalesce(sum(tps_sum), 0) AS tps_sum,
  coalesce(sum(tps_count), 0) AS tps_n, coalesce(sum(errors), 0) AS errors`;

const DIMENSIONS: ColumnMap = Object.fromEntries(BUCKET_DIMENSIONS.map((d) => [d, `nullif(${d}, '')`]));

/** Rollups other than the per-bucket one, which summary() reads with its per-minute twin. */
type OtherSource = Exclude<SummarySource, 'buckets'>;

/** FROM and WHERE of the rollup rows of buckets first..last that the filters select. */
const ROLLUPS: Record<
  OtherSource,
  (ps: Params, scope: Scope, first: number, last: number, filters: readonly TypedCondition[], metadataKeys: readonly string[]) => string
> = {
  customers: (ps, scope, first, last, filters) =>
    `customer_usage WHERE customer_id IN (SELECT id FROM customers WHERE ${scopeWhere(scope, ps)} AND ${compileFilters({}, filters, ps)})
       AND bucket >= ${ps.num(first)} AND bucket <= ${ps.num(last)}`,
  metadata: (ps, scope, first, last, filters, metadataKeys) => {
    const f = filters[0] as TypedCondition & { target: 'metadata' };
    const values = metadataRollupValues(f, metadataKeys) ?? [];
    return `rollup_metadata_buckets WHERE ${scopeWhere(scope, ps)} AND meta_key = ${ps.text(f.key)}
       AND bucket >= ${ps.num(first)} AND bucket <= ${ps.num(last)}
       AND meta_value IN (${values.length ? values.map((v) => ps.text(v)).join(', ') : 'NULL'})`;
  },
};

export class PgSummaries {
  constructor(
    private readonly sql: SQL,
    private readonly metadataKeys: readonly string[],
  ) {}

  async summary(scope: Scope, from: number, to: number, filters: readonly TypedCondition[]): Promise<SpanSummary> {
    const source = summarySource(filters, this.metadataKeys);
    if (source === 'buckets') return summaryOf(await this.byMinute(scope, from, to, filters));
    const parts = source ? splitWindow(from, to) : null;
    if (!source || !parts) return summaryOf(addSums(EMPTY_SUMS, await this.fromSpans(scope, from, to, filters)));
    const ps = new Params();
    const [row] = await this.sql.unsafe<Record<string, unknown>[]>(
      `SELECT ${ROLLUP_SUMS} FROM ${ROLLUPS[source](ps, scope, parts.first, parts.last, filters, this.metadataKeys)}`,
      ps.values,
    );
    let sums = addSums(EMPTY_SUMS, row);
    for (const e of parts.edges) sums = addSums(sums, await this.fromSpans(scope, e.from, e.to, filters));
    return summaryOf(sums);
  }

  /**
   * Whole buckets and the whole minutes around them in one statement (one
   * round trip), then spans for the partial minutes (splitWindowByMinute).
   */
  private async byMinute(scope: Scope, from: number, to: number, filters: readonly TypedCondition[]): Promise<SummarySums> {
    const parts = splitWindowByMinute(from, to);
    const ranges: [string, string, UnitRange][] = parts.minutes.map((m) => ['rollup_minutes', 'minute', m]);
    if (parts.buckets) ranges.push(['rollup_buckets', 'bucket', parts.buckets]);
    let sums = EMPTY_SUMS;
    if (ranges.length > 0) {
      const ps = new Params();
      const selects = ranges.map(
        ([table, unit, r]) =>
          `SELECT ${ROLLUP_SUMS} FROM ${table} WHERE ${scopeWhere(scope, ps)} AND ${unit} >= ${ps.num(r.first)} AND ${unit} <= ${ps.num(r.last)}
             AND ${compileFilters(DIMENSIONS, filters, ps)}`,
      );
      const rows = await this.sql.unsafe<Record<string, unknown>[]>(selects.join(' UNION ALL '), ps.values);
      for (const row of rows) sums = addSums(sums, row);
    }
    for (const e of parts.edges) sums = addSums(sums, await this.fromSpans(scope, e.from, e.to, filters));
    return sums;
  }

  private async fromSpans(scope: Scope, from: number, to: number, filters: readonly TypedCondition[]): Promise<Record<string, unknown> | undefined> {
    const ps = new Params();
    const [row] = await this.sql.unsafe<Record<string, unknown>[]>(
      `SELECT ${RAW_SUMS} FROM spans WHERE ${scopeWhere(scope, ps)} AND "timestamp" >= ${ps.num(from)} AND "timestamp" <= ${ps.num(to)}
         AND ${compileFilters({}, filters, ps, 'metadata', new Set(this.metadataKeys))}`,
      ps.values,
    );
    return row;
  }
}
