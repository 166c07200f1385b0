/**
 * Trace and thread lists read their rollup rows (one per trace or thread,
 * maintained with the spans: rollup-writer.ts), never the spans of a window.
 * A trace or thread is in a window when its spans' times overlap it; its
 * figures cover all of its stored spans. Only the page's root input, output
 * and metadata are read from spans, by the trace index.
 */
import type { Database } from 'bun:sqlite';
import type { ThreadQuery, ThreadSummary, TraceQuery, TraceSummary } from '../types.ts';
import { type ColumnMap, compileFilters, compileSort, scopeWhere } from './span-query.ts';
import type { SqlValue } from './span-rows.ts';

/** Past this many matches a list's count is a lower bound, as for spans. */
const COUNT_CAP = 10_000;

/** A count past the cap: the rows up to this page's end, or the cap's bound when the page is past the last match. */
function pastCap(count: number, offset: number, rows: number): number {
  return rows > 0 ? Math.max(count, offset + rows) : count;
}

/**
 * Past the cap, a page sorted by time or cost walks that field's index and
 * stops after one page; left to itself SQLite takes the window's covering
 * index and sorts every match (a 7-day page of 1M traces: 20 s instead of
 * 1 ms). The table is WITHOUT ROWID, so each index ends with the trace id,
 * which breaks ties in the page's order too.
 */
const TRACE_SORT_INDEXES: Record<string, string> = {
  start_time: 'trace_rollups_start',
  end_time: 'trace_rollups_end',
  total_cost: 'trace_rollups_cost',
};

const TRACE_COLUMNS: ColumnMap = {
  name: 'coalesce(root_workflow_name, workflow_name, root_span_name)',
  duration: '((end_time - start_time) / 1000.0)',
};

interface TraceRow extends Omit<TraceSummary, 'input' | 'output' | 'metadata'> {
  root_input: string | null;
  root_output: string | null;
  root_metadata: string | null;
}

const ROOT = (col: string) =>
  `(SELECT ${col} FROM spans r INDEXED BY spans_org_trace WHERE r.org_id = t.org_id AND r.trace_unique_id = t.trace_unique_id
     AND r.environment = t.environment ORDER BY r.span_parent_id IS NOT NULL, r.start_time, r.id LIMIT 1)`;

export class SqliteTraceQueries {
  constructor(private readonly client: Database) {}

  private count(table: string, where: string, params: SqlValue[]): { count: number; countExact: boolean } {
    const n =
      this.client
        .query<{ n: number }, SqlValue[]>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table} t WHERE ${where} LIMIT ?)`)
        .get(...params, COUNT_CAP + 1)?.n ?? 0;
    return { count: n, countExact: n <= COUNT_CAP };
  }

  list(q: TraceQuery): { count: number; countExact: boolean; traces: TraceSummary[] } {
    const s = scopeWhere(q.scope, 't.');
    const f = compileFilters(TRACE_COLUMNS, q.filters);
    const where = `${s.sql} AND t.end_time >= ? AND t.first_seen <= ? AND ${f.sql}`;
    const params: SqlValue[] = [...s.params, q.from, q.to, ...f.params];
    const { count, countExact } = this.count('trace_rollups', where, params);
    const offset = (q.page - 1) * q.pageSize;
    if (countExact && offset >= count) return { count, countExact, traces: [] };
    const order = compileSort(TRACE_COLUMNS, q.sort, 'trace_unique_id');
    // With both environments in scope the index gives no single order to walk.
    const walk = countExact || q.scope.environments.length !== 1 ? undefined : TRACE_SORT_INDEXES[q.sort.field];
    // The page's keys first, then its rows: the root's input, output and metadata (three reads of
    // spans each) are looked up for the page only, not for every match the sort goes through.
    const rows = this.client
      .query<TraceRow, SqlValue[]>(
        `SELECT t.trace_unique_id, t.environment, t.start_time, t.end_time, t.span_count, t.llm_call_count,
           t.error_count, t.total_prompt_tokens, t.total_completion_tokens, t.total_tokens, t.total_cost,
           t.customer_identifier, ${TRACE_COLUMNS.name} AS name,
           ${ROOT('input')} AS root_input, ${ROOT('output')} AS root_output, ${ROOT('metadata')} AS root_metadata
         FROM (SELECT t.org_id AS page_org, t.environment AS page_env, t.trace_unique_id AS page_trace
               FROM trace_rollups t${walk ? ` INDEXED BY ${walk}` : ''} WHERE ${where} ORDER BY ${order} LIMIT ? OFFSET ?) page
         JOIN trace_rollups t ON t.org_id = page_org AND t.environment = page_env AND t.trace_unique_id = page_trace
         ORDER BY ${order}`,
      )
      .all(...params, q.pageSize, offset);
    return {
      count: countExact ? count : pastCap(count, offset, rows.length),
      countExact,
      traces: rows.map(({ root_input, root_output, root_metadata, ...t }) => ({
        ...t,
        input: root_input,
        output: root_output,
        metadata: root_metadata === null ? null : (JSON.parse(root_metadata) as Record<string, unknown>),
      })),
    };
  }

  threads(q: ThreadQuery): { count: number; countExact: boolean; threads: ThreadSummary[] } {
    const s = scopeWhere(q.scope, 't.');
    const f = compileFilters({}, q.filters);
    const where = `${s.sql} AND t.end_time >= ? AND t.first_seen <= ? AND ${f.sql}`;
    const params: SqlValue[] = [...s.params, q.from, q.to, ...f.params];
    const { count, countExact } = this.count('thread_rollups', where, params);
    const offset = (q.page - 1) * q.pageSize;
    if (countExact && offset >= count) return { count, countExact, threads: [] };
    const threads = this.client
      .query<ThreadSummary, SqlValue[]>(
        `SELECT t.thread_identifier, t.environment, t.customer_identifier, t.log_count, t.start_time, t.end_time,
           t.total_cost, t.total_tokens
         FROM thread_rollups t WHERE ${where} ORDER BY t.end_time DESC, t.thread_identifier LIMIT ? OFFSET ?`,
      )
      .all(...params, q.pageSize, offset);
    return { count: countExact ? count : pastCap(count, offset, threads.length), countExact, threads };
  }
}
