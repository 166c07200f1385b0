/**
 * Spans in PostgreSQL. A batch is one transaction: the spans in one
 * statement (json_to_recordset; a span already stored is skipped), then the
 * customers it names created and locked, then its usage and rollups with
 * atomic upserts, so gateways writing the same customers and buckets at once
 * add up and take turns.
 */
import type { SQL } from 'bun';
import { customerRefKey, customersOfBatch, planUsage } from '../../usage/accounting.ts';
import { planRollups } from '../../usage/rollups.ts';
import type { CommittedUsage } from '../state-types.ts';
import type {
  Scope,
  SpanLink,
  SpanLinkFill,
  SpanPage,
  SpanPatch,
  SpanQuery,
  SpanRecord,
  SpanStore,
  SpanSummary,
  StoredSpan,
  ThreadQuery,
  ThreadSummary,
  TraceQuery,
  TraceSummary,
} from '../types.ts';
import { num, Params, transaction } from './connection.ts';
import { applyUsage, lockCustomers } from './customer-usage.ts';
import { PgIdentifierSearch } from './identifier-search.ts';
import type { Partitions } from './partitions.ts';
import { PgRetention } from './retention.ts';
import { applyRollups, refreshRollups } from './rollup-writer.ts';
import { encodeStorable, type PgSpanRow, rowToSpan, SPAN_COLUMN_LIST, SPAN_RECORD_TYPE, toJson } from './span-rows.ts';
import { compileFilters, compileSort, scopeWhere } from './span-query.ts';
import { recordset } from './upsert.ts';
import { PgSummaries } from './span-summary.ts';
import { PgTraceQueries } from './span-traces.ts';

/** `count` is exact up to this many matches; beyond it a list reports a lower bound. */
const COUNT_CAP = 10_000;

/** Sortable span columns that never hold NULL (see compileSort). */
const NOT_NULL = new Set([
  'id', 'unique_id', 'environment', 'log_type', 'status', 'status_code', 'error_message', 'start_time', 'timestamp',
  'prompt_tokens', 'completion_tokens', 'total_request_tokens', 'cached_tokens', 'cache_creation_tokens',
  'reasoning_tokens', 'cost', 'stream', 'cached',
]);

export interface PgSpanSettings {
  /** Metadata keys rolled up per day and value (`rollups.metadata_keys`). */
  metadataKeys: readonly string[];
}

export class PgSpanStore implements SpanStore {
  private readonly traces: PgTraceQueries;
  private readonly summaries: PgSummaries;
  private readonly identifiers: PgIdentifierSearch;
  private readonly retention: PgRetention;
  /** Metadata keys with an expression index (metadata-indexes.ts). */
  private readonly indexedKeys: ReadonlySet<string>;

  constructor(
    private readonly sql: SQL,
    partitions: Partitions,
    private readonly settings: PgSpanSettings,
    private readonly now: () => number,
  ) {
    this.indexedKeys = new Set(settings.metadataKeys);
    this.traces = new PgTraceQueries(sql);
    this.summaries = new PgSummaries(sql, settings.metadataKeys);
    this.identifiers = new PgIdentifierSearch(sql);
    this.retention = new PgRetention(sql, partitions);
  }

  async insertBatch(given: SpanRecord[]): Promise<CommittedUsage[]> {
    if (given.length === 0) return [];
    // The customers a span names are looked up as they were stored.
    const { value: batch, json } = encodeStorable(given);
    return transaction(this.sql, async (tx) => {
      // unique_ids are the gateway's own: one already stored is this batch sent again, and must count once.
      const stored = await tx.unsafe<{ unique_id: string }[]>(
        `INSERT INTO spans (${SPAN_COLUMN_LIST}) SELECT ${SPAN_COLUMN_LIST} FROM json_to_recordset($1::text::json) AS x(${SPAN_RECORD_TYPE})
         ON CONFLICT (unique_id, "timestamp") DO NOTHING RETURNING unique_id`,
        [json],
      );
      const ids = new Set(stored.map((r) => r.unique_id));
      const fresh = ids.size === batch.length ? batch : batch.filter((s) => ids.has(s.unique_id));
      if (fresh.length === 0) return [];
      const at = this.now();
      const customers = await lockCustomers(tx, customersOfBatch(fresh), at);
      const plan = planUsage(fresh, (ref) => {
        const c = customers.get(customerRefKey(ref));
        if (!c) throw new Error(`customer ${ref.identifier} was neither found nor created`);
        return c;
      });
      await applyUsage(tx, plan, at);
      await applyRollups(tx, planRollups(fresh, this.settings.metadataKeys));
      return plan.committed;
    });
  }

  async get(orgId: string, uniqueId: string): Promise<StoredSpan | null> {
    const [row] = await this.sql.unsafe<PgSpanRow[]>('SELECT * FROM spans WHERE unique_id = $1 AND org_id = $2 LIMIT 1', [uniqueId, orgId]);
    return row ? rowToSpan(row) : null;
  }

  async count(scope: Scope): Promise<number> {
    const ps = new Params();
    const [row] = await this.sql.unsafe<{ n: string }[]>(`SELECT count(*) AS n FROM spans WHERE ${scopeWhere(scope, ps)}`, ps.values);
    return num(row?.n ?? 0);
  }

  private async where(q: Pick<SpanQuery, 'scope' | 'from' | 'to' | 'filters'>, ps: Params): Promise<string> {
    const filters = await this.identifiers.resolve(q);
    return `${scopeWhere(q.scope, ps)} AND "timestamp" >= ${ps.num(q.from)} AND "timestamp" <= ${ps.num(q.to)}
      AND ${compileFilters({}, filters, ps, 'metadata', this.indexedKeys)}`;
  }

  async list(q: SpanQuery): Promise<SpanPage> {
    const ps = new Params();
    const w = await this.where(q, ps);
    const offset = (q.page - 1) * q.pageSize;
    // Counting stops after COUNT_CAP matches: an exact count of a wide window with a
    // filter no index covers reads every row of the window.
    const [c] = await this.sql.unsafe<{ n: string }[]>(`SELECT count(*) AS n FROM (SELECT 1 FROM spans WHERE ${w} LIMIT ${COUNT_CAP + 1}) m`, ps.values);
    const counted = num(c?.n ?? 0);
    const countExact = counted <= COUNT_CAP;
    // A page past the last match needs no second pass over the window.
    if (countExact && offset >= counted) return { count: counted, countExact, hasMore: false, spans: [] };
    const order = compileSort({}, q.sort, 'id', NOT_NULL);
    const rows = await this.sql.unsafe<PgSpanRow[]>(
      `SELECT * FROM spans WHERE ${w} ORDER BY ${order} LIMIT ${ps.num(q.pageSize + 1)} OFFSET ${ps.num(offset)}`,
      ps.values,
    );
    const hasMore = rows.length > q.pageSize;
    if (hasMore) rows.pop();
    // Past the cap, a lower bound: the rows up to this page's end (+1 if more follow).
    const seen = rows.length > 0 ? offset + rows.length + (hasMore ? 1 : 0) : 0;
    const count = countExact ? counted : Math.max(COUNT_CAP + 1, seen);
    return { count, countExact, hasMore, spans: rows.map(rowToSpan) };
  }

  summary(q: Omit<SpanQuery, 'sort' | 'page' | 'pageSize'>): Promise<SpanSummary> {
    return this.summaries.summary(q.scope, q.from, q.to, q.filters);
  }

  async update(orgId: string, uniqueId: string, patch: SpanPatch): Promise<StoredSpan | null> {
    // One statement: the metadata merge (jsonb ||) happens in the database, so concurrent patches lose nothing.
    const ps = new Params();
    const sets: string[] = [];
    if (patch.metadata) sets.push(`metadata = coalesce(metadata, '{}'::jsonb) || ${ps.text(toJson(patch.metadata))}::jsonb`);
    if (patch.note !== undefined) sets.push(`extra = extra || jsonb_build_object('note', ${ps.text(toJson(patch.note))}::jsonb)`);
    if (patch.custom_identifier !== undefined) sets.push(`custom_identifier = ${ps.add(patch.custom_identifier)}::text`);
    if (patch.positive_feedback !== undefined) sets.push(`positive_feedback = ${ps.add(patch.positive_feedback)}::boolean`);
    const where = `unique_id = ${ps.text(uniqueId)} AND org_id = ${ps.text(orgId)}`;
    const sql = sets.length > 0 ? `UPDATE spans SET ${sets.join(', ')} WHERE ${where} RETURNING *` : `SELECT * FROM spans WHERE ${where}`;
    const [row] = await this.sql.unsafe<PgSpanRow[]>(sql, ps.values);
    return row ? rowToSpan(row) : null;
  }

  async delete(orgId: string, uniqueId: string): Promise<boolean> {
    return transaction(this.sql, async (tx) => {
      const [gone] = await tx.unsafe<{ environment: string; trace_unique_id: string | null; thread_identifier: string | null }[]>(
        'DELETE FROM spans WHERE unique_id = $1 AND org_id = $2 RETURNING environment, trace_unique_id, thread_identifier',
        [uniqueId, orgId],
      );
      if (!gone) return false;
      await refreshRollups(tx, orgId, gone.environment, gone.trace_unique_id, gone.thread_identifier);
      return true;
    });
  }

  listTraces(q: TraceQuery): Promise<{ count: number; countExact: boolean; traces: TraceSummary[] }> {
    return this.traces.list(q);
  }

  async traceSpans(scope: Scope, traceId: string): Promise<StoredSpan[]> {
    const ps = new Params();
    const rows = await this.sql.unsafe<PgSpanRow[]>(
      `SELECT * FROM spans WHERE ${scopeWhere(scope, ps)} AND trace_unique_id = ${ps.text(traceId)} ORDER BY start_time, id`,
      ps.values,
    );
    return rows.map(rowToSpan);
  }

  async traceLinks(scope: Scope, traceId: string): Promise<SpanLink[]> {
    const ps = new Params();
    const rows = await this.sql.unsafe<PgSpanRow[]>(
      `SELECT unique_id, log_type, start_time, "timestamp", span_unique_id, span_parent_id, span_workflow_name, span_path, span_entity_name
       FROM spans WHERE ${scopeWhere(scope, ps)} AND trace_unique_id = ${ps.text(traceId)}`,
      ps.values,
    );
    return rows.map((r) => ({ ...r, start_time: num(r.start_time), timestamp: num(r.timestamp) }) as unknown as SpanLink);
  }

  async fillLinks(orgId: string, fills: SpanLinkFill[]): Promise<void> {
    if (fills.length === 0) return;
    await transaction(this.sql, async (tx) => {
      // Only a null is filled; a row that gains nothing is not written. Two gateways filling one
      // trace at once may deadlock: transaction() runs the loser again.
      const touched = await tx.unsafe<{ environment: string; trace_unique_id: string | null }[]>(
        `UPDATE spans s SET span_parent_id = coalesce(s.span_parent_id, x.span_parent_id),
           span_workflow_name = coalesce(s.span_workflow_name, x.span_workflow_name)
         FROM ${recordset({ unique_id: 'text', span_parent_id: 'text', span_workflow_name: 'text' }, '$1')}
         WHERE s.unique_id = x.unique_id AND s.org_id = $2
           AND ((s.span_parent_id IS NULL AND x.span_parent_id IS NOT NULL) OR (s.span_workflow_name IS NULL AND x.span_workflow_name IS NOT NULL))
         RETURNING s.environment, s.trace_unique_id`,
        [toJson(fills), orgId],
      );
      // The trace's rollup names its root spans' workflow and name: a new parent changes which spans are roots.
      const traces = new Map<string, { env: string; traceId: string }>();
      for (const t of touched) {
        if (t.trace_unique_id) traces.set(`${t.environment}\u0000${t.trace_unique_id}`, { env: t.environment, traceId: t.trace_unique_id });
      }
      for (const t of traces.values()) await refreshRollups(tx, orgId, t.env, t.traceId, null);
    });
  }

  async deleteTrace(scope: Scope, traceId: string): Promise<number> {
    return transaction(this.sql, async (tx) => {
      const ps = new Params();
      const gone = await tx.unsafe<{ environment: string; thread_identifier: string | null }[]>(
        `DELETE FROM spans WHERE ${scopeWhere(scope, ps)} AND trace_unique_id = ${ps.text(traceId)} RETURNING environment, thread_identifier`,
        ps.values,
      );
      const touched = new Map<string, { env: string; thread: string | null }>();
      for (const g of gone) touched.set(`${g.environment}\u0000${g.thread_identifier ?? ''}`, { env: g.environment, thread: g.thread_identifier });
      for (const t of touched.values()) await refreshRollups(tx, scope.orgId, t.env, traceId, t.thread);
      return gone.length;
    });
  }

  listThreads(q: ThreadQuery): Promise<{ count: number; countExact: boolean; threads: ThreadSummary[] }> {
    return this.traces.threads(q);
  }

  async threadSpans(scope: Scope, threadId: string): Promise<StoredSpan[]> {
    const ps = new Params();
    const rows = await this.sql.unsafe<PgSpanRow[]>(
      `SELECT * FROM spans WHERE ${scopeWhere(scope, ps)} AND thread_identifier = ${ps.text(threadId)} ORDER BY "timestamp", id`,
      ps.values,
    );
    return rows.map(rowToSpan);
  }

  purge(before: number, limit: number): Promise<number> {
    return this.retention.purge(before, limit);
  }

  purgeBodies(before: number, limit: number): Promise<number> {
    return this.retention.purgeBodies(before, limit);
  }
}
