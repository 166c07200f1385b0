/**
 * Spans in SQLite, over one connection: the write thread's (batches, with
 * usage accounting in the same transaction) or a reader's (lists, summaries,
 * traces, threads). See index.ts for which thread runs what.
 */
import type { Database, Statement } from 'bun:sqlite';
import { customerRefKey, customersOfBatch, planUsage } from '../../usage/accounting.ts';
import { planRollups } from '../../usage/rollups.ts';
import { blankCustomer } from '../customer-attrs.ts';
import type { CommittedUsage } from '../state-types.ts';
import { SPAN_COLUMNS } from '../span-fields.ts';
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
import type { CustomerUsageWriter } from './customer-usage.ts';
import type { StoreSettings } from './local.ts';
import type { RollupWriter } from './rollup-writer.ts';
import { scopeWhere } from './span-query.ts';
import { rawRowToSpan, type RawSpanRow, spanToParams, type SqlValue } from './span-rows.ts';
import { SqliteRetention } from './retention.ts';
import { SqliteSummaries } from './span-summary.ts';
import { SqliteTraceQueries } from './span-traces.ts';
import { SqliteSpanLists } from './span-list.ts';

export class SqliteSpanStore implements SpanStore {
  // The write path is the hottest code in the store: one prepared statement,
  // reused for every span of every batch, beats building SQL per insert.
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<RawSpanRow, [string, string]>;
  private readonly insertMany: (batch: SpanRecord[], rows: SqlValue[][]) => CommittedUsage[];
  private readonly fillMany: { immediate: (orgId: string, fills: SpanLinkFill[]) => void };
  private readonly traces: SqliteTraceQueries;
  private readonly summaries: SqliteSummaries;
  private readonly lists: SqliteSpanLists;
  private readonly retention: SqliteRetention;

  constructor(
    private readonly client: Database,
    usage: CustomerUsageWriter,
    private readonly rollups: RollupWriter,
    settings: StoreSettings,
    now: () => number = Date.now,
  ) {
    const cols = SPAN_COLUMNS.join(', ');
    const marks = SPAN_COLUMNS.map(() => '?').join(', ');
    // unique_ids are the gateway's own: one already stored is this batch sent again after
    // the write thread died mid-commit, and must count once.
    this.insertStmt = client.prepare(`INSERT INTO spans (${cols}) VALUES (${marks}) ON CONFLICT (unique_id) DO NOTHING`);
    this.getStmt = client.prepare('SELECT * FROM spans WHERE unique_id = ? AND org_id = ?');
    // The transaction only binds and steps: rows are serialized before it (see insertBatch).
    // Everything derived from a batch (src/usage/accounting.ts) is planned and added in it.
    this.insertMany = client.transaction((batch: SpanRecord[], rows: SqlValue[][]) => {
      const fresh = batch.filter((_, i) => this.insertStmt.run(...(rows[i] as SqlValue[])).changes > 0);
      const at = now();
      const customers = usage.loadAll(customersOfBatch(fresh), at);
      const plan = planUsage(fresh, (ref) => customers.get(customerRefKey(ref)) ?? blankCustomer(ref.orgId, ref.environment, ref.identifier, at));
      usage.apply(plan, at);
      rollups.apply(planRollups(fresh, settings.metadataKeys));
      return plan.committed;
    });
    this.traces = new SqliteTraceQueries(client);
    this.summaries = new SqliteSummaries(client, settings.metadataKeys);
    this.lists = new SqliteSpanLists(client, { column: 'metadata', indexed: new Set(settings.metadataKeys) });
    this.retention = new SqliteRetention(client);
    // Only a null is filled; a row that gains nothing is not written.
    const fillStmt = client.prepare<{ environment: string; trace_unique_id: string | null }, SqlValue[]>(
      `UPDATE spans SET span_parent_id = coalesce(span_parent_id, ?1), span_workflow_name = coalesce(span_workflow_name, ?2)
       WHERE unique_id = ?3 AND org_id = ?4
         AND ((span_parent_id IS NULL AND ?1 IS NOT NULL) OR (span_workflow_name IS NULL AND ?2 IS NOT NULL))
       RETURNING environment, trace_unique_id`,
    );
    this.fillMany = client.transaction((orgId: string, fills: SpanLinkFill[]) => {
      const touched = new Map<string, { env: string; traceId: string }>();
      for (const f of fills) {
        const row = fillStmt.get(f.span_parent_id ?? null, f.span_workflow_name ?? null, f.unique_id, orgId);
        if (!row?.trace_unique_id) continue;
        touched.set(`${row.environment}\u0000${row.trace_unique_id}`, { env: row.environment, traceId: row.trace_unique_id });
      }
      // The trace's rollup names its root spans' workflow and name: a new parent changes which spans are roots.
      for (const t of touched.values()) this.rollups.refresh(orgId, t.env, t.traceId, null);
    });
  }

  async insertBatch(batch: SpanRecord[]): Promise<CommittedUsage[]> {
    if (batch.length === 0) return [];
    return this.insertMany(batch, batch.map(spanToParams));
  }

  async get(orgId: string, uniqueId: string): Promise<StoredSpan | null> {
    const row = this.getStmt.get(uniqueId, orgId);
    return row ? rawRowToSpan(row) : null;
  }

  async count(scope: Scope): Promise<number> {
    const w = scopeWhere(scope);
    return this.client.query<{ n: number }, SqlValue[]>(`SELECT count(*) AS n FROM spans WHERE ${w.sql}`).get(...w.params)
      ?.n ?? 0;
  }

  async list(q: SpanQuery): Promise<SpanPage> {
    return this.lists.list(q);
  }

  /** EXPLAIN QUERY PLAN of a list's reads, for scripts/bench-spans.ts. */
  explainList(q: SpanQuery): string[] {
    return this.lists.explain(q);
  }

  async summary(q: Omit<SpanQuery, 'sort' | 'page' | 'pageSize'>): Promise<SpanSummary> {
    return this.summaries.summary(q.scope, q.from, q.to, q.filters);
  }

  async update(orgId: string, uniqueId: string, patch: SpanPatch): Promise<StoredSpan | null> {
    const apply = this.client.transaction((): StoredSpan | null => {
      const row = this.getStmt.get(uniqueId, orgId);
      if (!row) return null;
      const span = rawRowToSpan(row);
      const metadata = patch.metadata ? { ...(span.metadata ?? {}), ...patch.metadata } : span.metadata;
      const extra = { ...span.extra };
      if (patch.note !== undefined) extra.note = patch.note;
      const custom = patch.custom_identifier !== undefined ? patch.custom_identifier : span.custom_identifier;
      const feedback = patch.positive_feedback !== undefined ? patch.positive_feedback : span.positive_feedback;
      this.client
        .query(
          'UPDATE spans SET metadata = ?, extra = ?, custom_identifier = ?, positive_feedback = ? WHERE id = ?',
        )
        .run(
          metadata === null ? null : JSON.stringify(metadata),
          JSON.stringify(extra),
          custom,
          feedback === null ? null : feedback ? 1 : 0,
          span.id,
        );
      return { ...span, metadata, extra, custom_identifier: custom, positive_feedback: feedback };
    });
    // IMMEDIATE: this reads before it writes, and the span write thread may commit in between.
    return apply.immediate();
  }

  async delete(orgId: string, uniqueId: string): Promise<boolean> {
    return this.client
      .transaction((): boolean => {
        const gone = this.client
          .query<{ environment: string; trace_unique_id: string | null; thread_identifier: string | null }, [string, string]>(
            'DELETE FROM spans WHERE unique_id = ? AND org_id = ? RETURNING environment, trace_unique_id, thread_identifier',
          )
          .get(uniqueId, orgId);
        if (!gone) return false;
        this.rollups.refresh(orgId, gone.environment, gone.trace_unique_id, gone.thread_identifier);
        return true;
      })
      .immediate();
  }

  listTraces(q: TraceQuery): Promise<{ count: number; countExact: boolean; traces: TraceSummary[] }> {
    return Promise.resolve(this.traces.list(q));
  }

  async traceSpans(scope: Scope, traceId: string): Promise<StoredSpan[]> {
    const w = scopeWhere(scope);
    return this.client
      .query<RawSpanRow, SqlValue[]>(
        `SELECT * FROM spans INDEXED BY spans_org_trace WHERE ${w.sql} AND trace_unique_id = ? ORDER BY start_time, id`,
      )
      .all(...w.params, traceId)
      .map(rawRowToSpan);
  }

  async traceLinks(scope: Scope, traceId: string): Promise<SpanLink[]> {
    const w = scopeWhere(scope);
    return this.client
      .query<SpanLink, SqlValue[]>(
        `SELECT unique_id, log_type, start_time, timestamp, span_unique_id, span_parent_id, span_workflow_name,
                span_path, span_entity_name
         FROM spans INDEXED BY spans_org_trace WHERE ${w.sql} AND trace_unique_id = ?`,
      )
      .all(...w.params, traceId);
  }

  async fillLinks(orgId: string, fills: SpanLinkFill[]): Promise<void> {
    // IMMEDIATE: the rollup refresh reads the trace's spans before it writes.
    if (fills.length > 0) this.fillMany.immediate(orgId, fills);
  }

  async deleteTrace(scope: Scope, traceId: string): Promise<number> {
    const w = scopeWhere(scope);
    return this.client
      .transaction((): number => {
        const gone = this.client
          .query<{ environment: string; thread_identifier: string | null }, SqlValue[]>(
            `DELETE FROM spans INDEXED BY spans_org_trace WHERE ${w.sql} AND trace_unique_id = ? RETURNING environment, thread_identifier`,
          )
          .all(...w.params, traceId);
        const touched = new Set(gone.map((g) => `${g.environment}\u0000${g.thread_identifier ?? ''}`));
        for (const t of touched) {
          const [env = 'prod', thread = ''] = t.split('\u0000');
          this.rollups.refresh(scope.orgId, env, traceId, thread === '' ? null : thread);
        }
        return gone.length;
      })
      .immediate();
  }

  listThreads(q: ThreadQuery): Promise<{ count: number; countExact: boolean; threads: ThreadSummary[] }> {
    return Promise.resolve(this.traces.threads(q));
  }

  async threadSpans(scope: Scope, threadId: string): Promise<StoredSpan[]> {
    const w = scopeWhere(scope);
    return this.client
      .query<RawSpanRow, SqlValue[]>(
        `SELECT * FROM spans INDEXED BY spans_org_thread WHERE ${w.sql} AND thread_identifier = ? ORDER BY timestamp, id`,
      )
      .all(...w.params, threadId)
      .map(rawRowToSpan);
  }

  async purge(before: number, limit: number): Promise<number> {
    return this.retention.purge(before, limit);
  }

  async purgeBodies(before: number, limit: number): Promise<number> {
    return this.retention.purgeBodies(before, limit);
  }
}
