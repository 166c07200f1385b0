import type { SQL } from 'bun';
import type { Migration } from './migrations/index.ts';

/** One advisory lock key for "applying migrations", shared by every gateway on the database. */
const MIGRATION_LOCK = 0x5359_4d49;

/**
 * Applies every migration not yet recorded, each in its own transaction,
 * under a session advisory lock: gateways starting together on one database
 * wait for each other and apply each migration exactly once, and a start
 * against an up-to-date database only reads the record.
 */
export async function applyMigrations(sql: SQL, list: Migration[]): Promise<string[]> {
  return underMigrationLock(sql, async (conn) => {
    await conn.unsafe('CREATE TABLE IF NOT EXISTS __switchyard_migrations (name text PRIMARY KEY, applied_at bigint NOT NULL)');
    const done = new Set((await conn.unsafe<{ name: string }[]>('SELECT name FROM __switchyard_migrations')).map((r) => r.name));
    const applied: string[] = [];
    for (const m of list) {
      if (done.has(m.name)) continue;
      await conn.begin(async (tx) => {
        await tx.unsafe(m.sql);
        await tx.unsafe('INSERT INTO __switchyard_migrations (name, applied_at) VALUES ($1, $2)', [m.name, Date.now()]);
      });
      applied.push(m.name);
    }
    return applied;
  });
}

export type ReservedConnection = Awaited<ReturnType<SQL['reserve']>>;

/** Runs schema changes on one connection holding the migration lock, with no statement timeout. */
export async function underMigrationLock<T>(sql: SQL, fn: (conn: ReservedConnection) => Promise<T>): Promise<T> {
  const conn = await sql.reserve();
  try {
    // DDL may wait for locks and rewrite tables: no statement timeout here.
    await conn.unsafe('SET statement_timeout = 0');
    await conn.unsafe('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return await fn(conn);
    } finally {
      await conn.unsafe('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await conn.unsafe('RESET statement_timeout').catch(() => undefined);
    await conn.release();
  }
}
