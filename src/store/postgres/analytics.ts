/**
 * The rows the overview's aggregates are made of, in PostgreSQL; how they
 * add up is src/store/analytics-plan.ts.
 */
import type { SQL } from 'bun';
import { type AnalyticsSource, bucketEnds, type Grouping, HIST_COLUMNS, LATENCY_BIN_SQL, rollupGroupSql, type RollupRow, type SpanRow, SUM_KEYS } from '../analytics-plan.ts';
import type { AnalyticsQuery } from '../analytics-types.ts';
import type { Scope } from '../types.ts';
import { Params } from './connection.ts';
import { scopeWhere } from './span-query.ts';

const SPAN_SUMS = `count(*) AS requests, count(*) FILTER (WHERE status = 'error') AS errors, count(*) FILTER (WHERE cached) AS cache_hits,
  coalesce(sum(prompt_tokens), 0) AS prompt_tokens, coalesce(sum(completion_tokens), 0) AS completion_tokens,
  coalesce(sum(total_request_tokens), 0) AS total_tokens, coalesce(sum(cached_tokens), 0) AS cached_tokens,
  coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens, coalesce(sum(cost), 0) AS cost,
  coalesce(sum(latency), 0) AS latency_sum, count(latency) AS latency_count,
  coalesce(sum(time_to_first_token), 0) AS ttft_sum, count(time_to_first_token) AS ttft_count,
  coalesce(sum(tokens_per_second), 0) AS tps_sum, count(tokens_per_second) AS tps_count`;

const sums = (columns: readonly string[], prefix = '') => columns.map((k) => `coalesce(sum(${prefix}${k}), 0) AS ${k}`).join(', ');
const ROLLUP_SUMS = sums([...SUM_KEYS, ...HIST_COLUMNS]);

/** The grouping over spans' columns. A metadata value as the rollup keys it: text up to 200 characters, numbers and booleans as JSON. */
function spanGroup(g: Grouping, ps: Params): string {
  switch (g.kind) {
    case 'column':
      return g.column;
    case 'metadata': {
      const k = ps.text(g.key);
      return `CASE jsonb_typeof(metadata -> ${k}) WHEN 'string' THEN CASE WHEN length(metadata ->> ${k}) <= 200 THEN metadata ->> ${k} END
        WHEN 'number' THEN metadata ->> ${k} WHEN 'boolean' THEN metadata ->> ${k} END`;
    }
    case 'time':
      return `"timestamp" - "timestamp" % ${g.width}`;
    case 'all':
      return '0';
  }
}

export class PgAnalyticsSource implements AnalyticsSource {
  constructor(private readonly sql: SQL) {}

  async buckets(g: Grouping, scope: Scope, first: number, last: number): Promise<RollupRow[]> {
    return this.usage('rollup_buckets', 'bucket', g, scope, first, last);
  }

  async minutes(g: Grouping, scope: Scope, first: number, last: number): Promise<RollupRow[]> {
    return this.usage('rollup_minutes', 'minute', g, scope, first, last);
  }

  private usage(table: string, unit: 'bucket' | 'minute', g: Grouping, scope: Scope, first: number, last: number): Promise<RollupRow[]> {
    const ps = new Params();
    return this.sql.unsafe<RollupRow[]>(
      `SELECT ${rollupGroupSql(g, unit)} AS g, ${ROLLUP_SUMS} FROM ${table}
       WHERE ${scopeWhere(scope, ps)} AND ${unit} >= ${ps.num(first)} AND ${unit} <= ${ps.num(last)} GROUP BY 1`,
      ps.values,
    );
  }

  async metadataBuckets(key: string, scope: Scope, first: number, last: number): Promise<RollupRow[]> {
    const ps = new Params();
    return this.sql.unsafe<RollupRow[]>(
      `SELECT meta_value AS g, ${ROLLUP_SUMS} FROM rollup_metadata_buckets
       WHERE ${scopeWhere(scope, ps)} AND meta_key = ${ps.text(key)} AND bucket >= ${ps.num(first)} AND bucket <= ${ps.num(last)} GROUP BY 1`,
      ps.values,
    );
  }

  async customerRows(unit: 'day' | 'bucket', scope: Scope, first: number, last: number): Promise<RollupRow[]> {
    const table = unit === 'day' ? 'customer_days' : 'customer_usage';
    const ps = new Params();
    return this.sql.unsafe<RollupRow[]>(
      `SELECT c.customer_identifier AS g,
         ${sums(['requests', 'errors', 'cache_hits', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost', 'latency_sum', 'latency_count', 'ttft_sum', 'ttft_count', 'tps_sum', 'tps_count'], 'u.')},
         0 AS cached_tokens, 0 AS reasoning_tokens
       FROM ${table} u JOIN customers c ON c.id = u.customer_id
       WHERE ${scopeWhere(scope, ps, 'c.')} AND u.${unit} >= ${ps.num(first)} AND u.${unit} <= ${ps.num(last)} GROUP BY c.id`,
      ps.values,
    );
  }

  async bucketRange(scope: Scope): Promise<{ oldest: number; newest: number } | null> {
    // One environment at a time: min and max then read one end of the primary key each.
    const ends = await Promise.all(
      scope.environments.map(async (env) => {
        const [row] = await this.sql.unsafe<{ lo: string | number | null; hi: string | number | null }[]>(
          `SELECT (SELECT min(bucket) FROM rollup_buckets WHERE org_id = $1 AND environment = $2) AS lo,
             (SELECT max(bucket) FROM rollup_buckets WHERE org_id = $1 AND environment = $2) AS hi`,
          [scope.orgId, env],
        );
        return row;
      }),
    );
    return bucketEnds(ends);
  }

  async spans(g: Grouping, q: AnalyticsQuery, from: number, to: number): Promise<SpanRow[]> {
    const ps = new Params();
    const group = spanGroup(g, ps);
    const customer = q.customer === null ? '' : ` AND customer_identifier = ${ps.text(q.customer)}`;
    return this.sql.unsafe<SpanRow[]>(
      `SELECT ${group} AS g, ${LATENCY_BIN_SQL} AS bin, ${SPAN_SUMS} FROM spans
       WHERE ${scopeWhere(q.scope, ps)} AND "timestamp" >= ${ps.num(from)} AND "timestamp" < ${ps.num(to)}${customer} GROUP BY 1, 2`,
      ps.values,
    );
  }
}
