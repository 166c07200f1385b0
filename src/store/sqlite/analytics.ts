/**
 * The rows the overview's aggregates are made of, in SQLite; how they add up
 * is src/store/analytics-plan.ts. Every SQL of the analytics store is here.
 */
import type { Database } from 'bun:sqlite';
import { type AnalyticsSource, bucketEnds, type Grouping, HIST_COLUMNS, LATENCY_BIN_SQL, rollupGroupSql, type RollupRow, type SpanRow, SUM_KEYS } from '../analytics-plan.ts';
import type { AnalyticsQuery } from '../analytics-types.ts';
import type { Scope } from '../types.ts';
import { type Compiled, scopeWhere } from './span-query.ts';
import type { SqlValue } from './span-rows.ts';

const SPAN_SUMS = `count(*) AS requests, total(status = 'error') AS errors, total(cached) AS cache_hits,
  total(prompt_tokens) AS prompt_tokens, total(completion_tokens) AS completion_tokens,
  total(total_request_tokens) AS total_tokens, total(cached_tokens) AS cached_tokens,
  total(reasoning_tokens) AS reasoning_tokens, total(cost) AS cost,
  total(latency) AS latency_sum, count(latency) AS latency_count,
  total(time_to_first_token) AS ttft_sum, count(time_to_first_token) AS ttft_count,
  total(tokens_per_second) AS tps_sum, count(tokens_per_second) AS tps_count`;

const ROLLUP_SUMS = [...SUM_KEYS, ...HIST_COLUMNS].map((k) => `total(${k}) AS ${k}`).join(', ');

/** A metadata value as the rollup keys it: text up to 200 characters, numbers and booleans as JSON; else none. */
function metadataText(key: string): Compiled {
  const path = `$."${key.replaceAll('"', '')}"`;
  return {
    sql: `CASE json_type(metadata, ?) WHEN 'text' THEN iif(length(json_extract(metadata, ?)) <= 200, json_extract(metadata, ?), NULL)
      WHEN 'integer' THEN CAST(json_extract(metadata, ?) AS TEXT) WHEN 'real' THEN CAST(json_extract(metadata, ?) AS TEXT)
      WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END`,
    params: [path, path, path, path, path],
  };
}

/** The grouping over spans' columns. */
function spanGroup(g: Grouping): Compiled {
  switch (g.kind) {
    case 'column':
      return { sql: g.column, params: [] };
    case 'metadata':
      return metadataText(g.key);
    case 'time':
      return { sql: `timestamp - timestamp % ${g.width}`, params: [] };
    case 'all':
      return { sql: '0', params: [] };
  }
}

export class SqliteAnalyticsSource implements AnalyticsSource {
  constructor(private readonly client: Database) {}

  async buckets(g: Grouping, scope: Scope, first: number, last: number): Promise<RollupRow[]> {
    return this.usage('rollup_buckets', 'bucket', g, scope, first, last);
  }

  async minutes(g: Grouping, scope: Scope, first: number, last: number): Promise<RollupRow[]> {
    return this.usage('rollup_minutes', 'minute', g, scope, first, last);
  }

  private usage(table: string, unit: 'bucket' | 'minute', g: Grouping, scope: Scope, first: number, last: number): RollupRow[] {
    const s = scopeWhere(scope);
    return this.client
      .query<RollupRow, SqlValue[]>(
        `SELECT ${rollupGroupSql(g, unit)} AS g, ${ROLLUP_SUMS} FROM ${table} WHERE ${s.sql} AND ${unit} >= ? AND ${unit} <= ? GROUP BY 1`,
      )
      .all(...s.params, first, last);
  }

  async metadataBuckets(key: string, scope: Scope, first: number, last: number): Promise<RollupRow[]> {
    const s = scopeWhere(scope);
    return this.client
      .query<RollupRow, SqlValue[]>(
        `SELECT meta_value AS g, ${ROLLUP_SUMS} FROM rollup_metadata_buckets
         WHERE ${s.sql} AND meta_key = ? AND bucket >= ? AND bucket <= ? GROUP BY 1`,
      )
      .all(...s.params, key, first, last);
  }

  async customerRows(unit: 'day' | 'bucket', scope: Scope, first: number, last: number): Promise<RollupRow[]> {
    const table = unit === 'day' ? 'customer_days' : 'customer_usage';
    const s = scopeWhere(scope, 'c.');
    return this.client
      .query<RollupRow, SqlValue[]>(
        `SELECT c.customer_identifier AS g, total(u.requests) AS requests, total(u.errors) AS errors,
           total(u.cache_hits) AS cache_hits, total(u.prompt_tokens) AS prompt_tokens,
           total(u.completion_tokens) AS completion_tokens, total(u.total_tokens) AS total_tokens, 0 AS cached_tokens,
           0 AS reasoning_tokens, total(u.cost) AS cost, total(u.latency_sum) AS latency_sum,
           total(u.latency_count) AS latency_count, total(u.ttft_sum) AS ttft_sum, total(u.ttft_count) AS ttft_count,
           total(u.tps_sum) AS tps_sum, total(u.tps_count) AS tps_count
         FROM ${table} u JOIN customers c ON c.id = u.customer_id
         WHERE ${s.sql} AND u.${unit} >= ? AND u.${unit} <= ? GROUP BY c.id`,
      )
      .all(...s.params, first, last);
  }

  async bucketRange(scope: Scope): Promise<{ oldest: number; newest: number } | null> {
    // One environment at a time: min and max then read one end of the primary key each.
    const ends = scope.environments.map((env) =>
      this.client
        .query<{ lo: number | null; hi: number | null }, [string, string]>(
          `SELECT (SELECT min(bucket) FROM rollup_buckets WHERE org_id = ?1 AND environment = ?2) AS lo,
             (SELECT max(bucket) FROM rollup_buckets WHERE org_id = ?1 AND environment = ?2) AS hi`,
        )
        .get(scope.orgId, env),
    );
    return bucketEnds(ends);
  }

  async spans(g: Grouping, q: AnalyticsQuery, from: number, to: number): Promise<SpanRow[]> {
    const s = scopeWhere(q.scope);
    const group = spanGroup(g);
    const customer = q.customer === null ? '' : ' AND customer_identifier = ?';
    return this.client
      .query<SpanRow, SqlValue[]>(
        `SELECT ${group.sql} AS g, ${LATENCY_BIN_SQL} AS bin, ${SPAN_SUMS} FROM spans
         WHERE ${s.sql} AND timestamp >= ? AND timestamp < ?${customer} GROUP BY 1, 2`,
      )
      .all(...group.params, ...s.params, from, to, ...(q.customer === null ? [] : [q.customer]));
  }
}
