import type { Database } from 'bun:sqlite';
import type { Migration } from './migrations/index.ts';

/**
 * Applies every migration not yet recorded, each in its own IMMEDIATE
 * transaction that first checks the record under the write lock: gateways
 * starting together on one file apply each migration exactly once, and a start
 * against an existing database only runs what is new.
 */
export function applyMigrations(db: Database, list: Migration[]): string[] {
  db.run(
    'CREATE TABLE IF NOT EXISTS __switchyard_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  const isDone = db.query<{ n: number }, [string]>('SELECT count(*) AS n FROM __switchyard_migrations WHERE name = ?');
  const applied: string[] = [];
  for (const m of list) {
    if ((isDone.get(m.name)?.n ?? 0) > 0) continue;
    const ran = db
      .transaction(() => {
        if ((isDone.get(m.name)?.n ?? 0) > 0) return false;
        for (const stmt of m.sql.split('--> statement-breakpoint')) {
          if (stmt.trim()) db.run(stmt);
        }
        db.run('INSERT INTO __switchyard_migrations (name, applied_at) VALUES (?, ?)', [m.name, Date.now()]);
        return true;
      })
      .immediate();
    if (ran) applied.push(m.name);
  }
  return applied;
}
