import type { Database } from 'bun:sqlite';
import type { Migration } from './migrations/index.ts';

/**
 * Applies every migration not yet recorded, each in its own transaction, so a
 * start against an existing database only runs what is new.
 */
export function applyMigrations(db: Database, list: Migration[]): string[] {
  db.run(
    'CREATE TABLE IF NOT EXISTS __switchyard_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  const done = new Set(
    db
      .query<{ name: string }, []>('SELECT name FROM __switchyard_migrations')
      .all()
      .map((r) => r.name),
  );
  const applied: string[] = [];
  for (const m of list) {
    if (done.has(m.name)) continue;
    db.transaction(() => {
      for (const stmt of m.sql.split('--> statement-breakpoint')) {
        if (stmt.trim()) db.run(stmt);
      }
      db.run('INSERT INTO __switchyard_migrations (name, applied_at) VALUES (?, ?)', [m.name, Date.now()]);
    })();
    applied.push(m.name);
  }
  return applied;
}
