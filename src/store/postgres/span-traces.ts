/**
 * Trace and thread lists in PostgreSQL read their rollup rows (one per trace
 * or thread, maintained with the spans: rollup-writer.ts), never the spans of
 * a window. A trace or thread is in a window when its spans' times overlap
 * it; its figures cover all of its stored spans. Only the page's root input,
 * output and metadata are read from spans, by the trace index.
 */
import type { SQL } from 'bun';
import type { ThreadQuery, ThreadSummary, TraceQuery, TraceSummary } from '../types.ts';
import { num, Params } from './connection.ts';
import { type ColumnMap, compileFilters, compileSort, scopeWhere } from './span-query.ts';

/** Past this many matches a list's count is a lower bound, as for spans. */
const COUNT_CAP = 10_000;

/** A count past the cap: the rows up to this page's end, or the cap's bound when the page is past the last match. */
function pastCap(count: number, offset: number, rows: number): number {
  return rows > 0 ? Math.max(count, offset + rows) : count;
}

const TRACE_COLUMNS: ColumnMap = {
  name: 'coalesce(t.root_workflow_name, t.workflow_name, t.root_span_name)',
  duration: '((t.end_time - t.start_time) / 1000.0)',
};

const TRACE_NOT_NULL = new Set([
  'trace_unique_id', 'environment', 'start_time', 'end_time', 'duration', 'span_count', 'llm_call_count', 'error_count',
  'total_prompt_tokens', 'total_completion_tokens', 'total_tokens', 'total_cost',
]);

const TRACE_NUMBERS = ['start_time', 'end_time', 'span_count', 'llm_call_count', 'error_count', 'total_prompt_tokens', 'total_completion_tokens', 'total_tokens'] as const;
const THREAD_NUMBERS = ['log_count', 'start_time', 'end_time', 'total_tokens'] as const;

const ROOT = `(SELECT r.input, r.output, r.metadata FROM spans r WHERE r.org_id = t.org_id AND r.trace_unique_id = t.trace_unique_id
  AND r.environment = t.environment ORDER BY r.span_parent_id IS NOT NULL, r.start_time, r.id LIMIT 1)`;

type Row = Record<string, unknown>;

export class PgTraceQueries {
  constructor(private readonly sql: SQL) {}

  private async count(table: string, where: string, ps: Params): Promise<{ count: number; countExact: boolean }> {
    const [row] = await this.sql.unsafe<{ n: string }[]>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${table} t WHERE ${where} LIMIT ${COUNT_CAP + 1}) c`,
      ps.values,
    );
    const n = num(row?.n ?? 0);
    return { count: n, countExact: n <= COUNT_CAP };
  }

  async list(q: TraceQuery): Promise<{ count: number; countExact: boolean; traces: TraceSummary[] }> {
    const ps = new Params();
    const where = `${scopeWhere(q.scope, ps, 't.')} AND t.end_time >= ${ps.num(q.from)} AND t.first_seen <= ${ps.num(q.to)}
      AND ${compileFilters(TRACE_COLUMNS, q.filters, ps)}`;
    const { count, countExact } = await this.count('trace_rollups', where, ps);
    const offset = (q.page - 1) * q.pageSize;
    if (countExact && offset >= count) return { count, countExact, traces: [] };
    const order = compileSort(TRACE_COLUMNS, q.sort, 't.trace_unique_id', TRACE_NOT_NULL);
    const rows = await this.sql.unsafe<Row[]>(
      `SELECT t.trace_unique_id, t.environment, t.start_time, t.end_time, t.span_count, t.llm_call_count,
         t.error_count, t.total_prompt_tokens, t.total_completion_tokens, t.total_tokens, t.total_cost,
         t.customer_identifier, ${TRACE_COLUMNS.name} AS name, root.input, root.output, root.metadata
       FROM (SELECT * FROM trace_rollups t WHERE ${where} ORDER BY ${order} LIMIT ${ps.num(q.pageSize)} OFFSET ${ps.num(offset)}) t
       LEFT JOIN LATERAL ${ROOT} root ON true
       ORDER BY ${order}`,
      ps.values,
    );
    const traces = rows.map((r) => {
      const t = { ...r } as Row;
      for (const c of TRACE_NUMBERS) t[c] = num(r[c]);
      const m = r.metadata;
      t.metadata = m !== null && typeof m === 'object' && !Array.isArray(m) ? m : null;
      return t as unknown as TraceSummary;
    });
    return { count: countExact ? count : pastCap(count, offset, traces.length), countExact, traces };
  }

  async threads(q: ThreadQuery): Promise<{ count: number; countExact: boolean; threads: ThreadSummary[] }> {
    const ps = new Params();
    const where = `${scopeWhere(q.scope, ps, 't.')} AND t.end_time >= ${ps.num(q.from)} AND t.first_seen <= ${ps.num(q.to)}
      AND ${compileFilters({}, q.filters, ps)}`;
    const { count, countExact } = await this.count('thread_rollups', where, ps);
    const offset = (q.page - 1) * q.pageSize;
    if (countExact && offset >= count) return { count, countExact, threads: [] };
    const rows = await this.sql.unsafe<Row[]>(
      `SELECT t.thread_identifier, t.environment, t.customer_identifier, t.log_count, t.start_time, t.end_time,
         t.total_cost, t.total_tokens
       FROM thread_rollups t WHERE ${where} ORDER BY t.end_time DESC, t.thread_identifier LIMIT ${ps.num(q.pageSize)} OFFSET ${ps.num(offset)}`,
      ps.values,
    );
    const threads = rows.map((r) => {
      const t = { ...r } as Row;
      for (const c of THREAD_NUMBERS) t[c] = num(r[c]);
      return t as unknown as ThreadSummary;
    });
    return { count: countExact ? count : pastCap(count, offset, threads.length), countExact, threads };
  }
}
