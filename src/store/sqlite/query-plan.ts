import type { Database } from 'bun:sqlite';
import type { SqlValue } from './span-rows.ts';

/**
 * The lines of SQLite's EXPLAIN QUERY PLAN for a statement. Prepared and
 * finalized here, never cached: a cached EXPLAIN statement left its
 * connection reading an old snapshot afterwards (bun:sqlite 1.4.5), so a
 * reader thread stopped seeing new spans.
 */
export function queryPlan(client: Database, sql: string, params: SqlValue[]): string[] {
  const explain = client.prepare<{ detail: string }, SqlValue[]>(`EXPLAIN QUERY PLAN ${sql}`);
  try {
    return explain.all(...params).map((r) => r.detail);
  } finally {
    explain.finalize();
  }
}
