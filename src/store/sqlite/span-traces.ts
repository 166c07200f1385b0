/**
 * Traces and threads are not stored: they are assembled from spans. A trace
 * is every span sharing a `trace_unique_id`; the window picks traces with a
 * span in it, and the aggregates cover all of their spans.
 */
import type { Database } from 'bun:sqlite';
import { LLM_LOG_TYPES, type ThreadQuery, type ThreadSummary, type TraceQuery, type TraceSummary } from '../types.ts';
import { compileFilters, compileSort, scopeWhere } from './span-query.ts';
import type { SqlValue } from './span-rows.ts';

/** Trace and thread filters name the aliases of the aggregate queries below as they are. */
const ALIASES = {};

const LLM_TYPES = LLM_LOG_TYPES.map((t) => `'${t}'`).join(', ');

interface TraceRow extends Omit<TraceSummary, 'input' | 'output' | 'metadata'> {
  root_input: string | null;
  root_output: string | null;
  root_metadata: string | null;
}

export class SqliteTraceQueries {
  constructor(private readonly client: Database) {}

  list(q: TraceQuery): { count: number; traces: TraceSummary[] } {
    const s = scopeWhere(q.scope);
    const f = compileFilters(ALIASES, q.filters);
    const order = compileSort(ALIASES, q.sort, 'trace_unique_id');
    // `ids` uses the time index; `agg` reads each picked trace's spans by the trace index.
    const cte = `WITH ids AS (
        SELECT DISTINCT trace_unique_id AS tid FROM spans
        WHERE ${s.sql} AND timestamp >= ? AND timestamp <= ? AND trace_unique_id IS NOT NULL),
      agg AS (
        SELECT trace_unique_id, environment, min(start_time) AS start_time, max(timestamp) AS end_time,
          (max(timestamp) - min(start_time)) / 1000.0 AS duration, count(*) AS span_count,
          total(log_type IN (${LLM_TYPES})) AS llm_call_count, total(status = 'error') AS error_count,
          total(prompt_tokens) AS total_prompt_tokens, total(completion_tokens) AS total_completion_tokens,
          total(total_request_tokens) AS total_tokens, total(cost) AS total_cost,
          max(customer_identifier) AS customer_identifier,
          coalesce(max(CASE WHEN span_parent_id IS NULL THEN span_workflow_name END), max(span_workflow_name),
                   max(CASE WHEN span_parent_id IS NULL THEN span_name END)) AS name
        FROM spans WHERE ${s.sql} AND trace_unique_id IN (SELECT tid FROM ids)
        GROUP BY trace_unique_id, environment)`;
    const params: SqlValue[] = [...s.params, q.from, q.to, ...s.params];
    const rows = this.client
      .query<TraceRow, SqlValue[]>(
        `${cte} SELECT agg.*,
           (SELECT input FROM spans r WHERE r.org_id = ? AND r.trace_unique_id = agg.trace_unique_id
              AND r.environment = agg.environment ORDER BY r.span_parent_id IS NOT NULL, r.start_time, r.id LIMIT 1) AS root_input,
           (SELECT output FROM spans r WHERE r.org_id = ? AND r.trace_unique_id = agg.trace_unique_id
              AND r.environment = agg.environment ORDER BY r.span_parent_id IS NOT NULL, r.start_time, r.id LIMIT 1) AS root_output,
           (SELECT metadata FROM spans r WHERE r.org_id = ? AND r.trace_unique_id = agg.trace_unique_id
              AND r.environment = agg.environment ORDER BY r.span_parent_id IS NOT NULL, r.start_time, r.id LIMIT 1) AS root_metadata
         FROM agg WHERE ${f.sql} ORDER BY ${order} LIMIT ? OFFSET ?`,
      )
      .all(
        ...params,
        q.scope.orgId,
        q.scope.orgId,
        q.scope.orgId,
        ...f.params,
        q.pageSize,
        (q.page - 1) * q.pageSize,
      );
    const count =
      this.client
        .query<{ n: number }, SqlValue[]>(`${cte} SELECT count(*) AS n FROM agg WHERE ${f.sql}`)
        .get(...params, ...f.params)?.n ?? 0;
    return {
      count,
      traces: rows.map(({ root_input, root_output, root_metadata, ...t }) => ({
        ...t,
        input: root_input,
        output: root_output,
        metadata: root_metadata === null ? null : (JSON.parse(root_metadata) as Record<string, unknown>),
      })),
    };
  }

  threads(q: ThreadQuery): { count: number; threads: ThreadSummary[] } {
    const s = scopeWhere(q.scope);
    const f = compileFilters(ALIASES, q.filters);
    const cte = `WITH agg AS (
        SELECT thread_identifier, environment, max(customer_identifier) AS customer_identifier,
          count(*) AS log_count, min(start_time) AS start_time, max(timestamp) AS end_time,
          total(cost) AS total_cost, total(total_request_tokens) AS total_tokens
        FROM spans WHERE ${s.sql} AND timestamp >= ? AND timestamp <= ? AND thread_identifier IS NOT NULL
        GROUP BY thread_identifier, environment)`;
    const params: SqlValue[] = [...s.params, q.from, q.to, ...f.params];
    const threads = this.client
      .query<ThreadSummary, SqlValue[]>(
        `${cte} SELECT * FROM agg WHERE ${f.sql} ORDER BY end_time DESC, thread_identifier LIMIT ? OFFSET ?`,
      )
      .all(...params, q.pageSize, (q.page - 1) * q.pageSize);
    const count =
      this.client.query<{ n: number }, SqlValue[]>(`${cte} SELECT count(*) AS n FROM agg WHERE ${f.sql}`).get(...params)
        ?.n ?? 0;
    return { count, threads };
  }
}
