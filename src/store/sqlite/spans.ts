import type { Database, Statement } from 'bun:sqlite';
import { and, count, eq, inArray } from 'drizzle-orm';
import type { Scope, SpanRecord, SpanStore, StoredSpan } from '../types.ts';
import type { SqliteDb } from './index.ts';
import { spans } from './schema.ts';
import { rowToSpan, SPAN_COLUMNS, spanToParams, type SqlValue } from './span-rows.ts';

export class SqliteSpanStore implements SpanStore {
  // The write path is the hottest code in the store: one prepared statement,
  // reused for every span of every batch, beats building SQL per insert.
  private readonly insertStmt: Statement;
  private readonly spendStmt: Statement;
  private readonly insertMany: (batch: SpanRecord[]) => void;

  constructor(
    private readonly db: SqliteDb,
    client: Database,
    /** Writes derived from spans in the same transaction (customers and their usage buckets). */
    private readonly derived: (batch: SpanRecord[]) => void = () => {},
  ) {
    const cols = SPAN_COLUMNS.join(', ');
    const marks = SPAN_COLUMNS.map(() => '?').join(', ');
    this.insertStmt = client.prepare(`INSERT INTO spans (${cols}) VALUES (${marks})`);
    this.spendStmt = client.prepare('UPDATE api_keys SET spent = spent + ? WHERE id = ?');
    this.insertMany = client.transaction((batch: SpanRecord[]) => {
      const spend = new Map<string, number>();
      for (const s of batch) {
        this.insertStmt.run(...(spanToParams(s) as SqlValue[]));
        if (s.api_key_id && s.cost > 0) spend.set(s.api_key_id, (spend.get(s.api_key_id) ?? 0) + s.cost);
      }
      for (const [keyId, cost] of spend) this.spendStmt.run(cost, keyId);
      this.derived(batch);
    });
  }

  async insertBatch(batch: SpanRecord[]): Promise<void> {
    if (batch.length > 0) this.insertMany(batch);
  }

  async get(orgId: string, uniqueId: string): Promise<StoredSpan | null> {
    const row = this.db
      .select()
      .from(spans)
      .where(and(eq(spans.org_id, orgId), eq(spans.unique_id, uniqueId)))
      .get();
    return row ? rowToSpan(row) : null;
  }

  async count(scope: Scope): Promise<number> {
    return (
      this.db
        .select({ n: count() })
        .from(spans)
        .where(and(eq(spans.org_id, scope.orgId), inArray(spans.environment, scope.environments)))
        .get()?.n ?? 0
    );
  }
}
