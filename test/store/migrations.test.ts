import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { applyMigrations } from '../../src/store/sqlite/migrate.ts';
import { migrations } from '../../src/store/sqlite/migrations/index.ts';
import { backfillOf, expectSameSums, rollupSpans } from '../helpers/rollup-spans.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-mig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('migrations', () => {
  test('a fresh database gets every migration, in WAL mode', async () => {
    const path = join(dir, 'fresh.db');
    const store = openSqliteStore({ path });
    await store.close();
    const db = new Database(path);
    expect(db.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    const names = db.query<{ name: string }, []>('SELECT name FROM __switchyard_migrations ORDER BY name').all();
    expect(names.map((n) => n.name)).toEqual(migrations.map((m) => m.name));
    db.close();
  });

  test('re-opening an existing database keeps its data and applies nothing twice', async () => {
    const path = join(dir, 'existing.db');
    const first = openSqliteStore({ path });
    const org = (await first.orgs.ensure('acme')).org;
    await first.close();
    const again = openSqliteStore({ path });
    expect((await again.orgs.get(org.id))?.name).toBe('acme');
    expect((await again.orgs.ensure('other')).firstStart).toBe(false);
    await again.close();
  });

  test('a new migration applies on an existing database, once', () => {
    const db = new Database(join(dir, 'grow.db'));
    expect(applyMigrations(db, migrations)).toEqual(migrations.map((m) => m.name));
    const next = [...migrations, { name: '9999_test', sql: 'CREATE TABLE extra (id INTEGER PRIMARY KEY);--> statement-breakpoint\nINSERT INTO extra VALUES (1);' }];
    expect(applyMigrations(db, next)).toEqual(['9999_test']);
    expect(applyMigrations(db, next)).toEqual([]);
    expect(db.query<{ n: number }, []>('SELECT count(*) AS n FROM extra').get()?.n).toBe(1);
    db.close();
  });

  test('0008: keys from before roles existed become admin (they had every right)', () => {
    const db = new Database(join(dir, 'roles.db'));
    const before = migrations.filter((m) => m.name < '0008');
    applyMigrations(db, before);
    db.run("INSERT INTO organizations (id, name, created_at) VALUES ('org_1', 'acme', 0)");
    db.run(
      "INSERT INTO api_keys (id, org_id, prefix, hash, name, environment, created_at) VALUES ('key_1', 'org_1', 'abcdefgh', 'x', 'old', 'prod', 0)",
    );
    expect(applyMigrations(db, migrations)).toContain('0008_key_roles');
    expect(db.query<{ role: string }, []>("SELECT role FROM api_keys WHERE id = 'key_1'").get()?.role).toBe('admin');
    db.close();
  });

  test('0011: the spans already stored are rolled up per minute exactly as the writer rolls up new ones', async () => {
    const path = join(dir, 'minutes.db');
    const store = openSqliteStore({ path });
    await store.spans.insertBatch(rollupSpans('org_min', Date.parse('2026-06-15T12:00:00Z')));
    await store.close();
    const db = new Database(path);
    const rows = () => db.query<Record<string, unknown>, []>('SELECT * FROM rollup_minutes ORDER BY minute, model, api_key_id').all();
    const written = rows();
    expect(written.length).toBeGreaterThan(4);
    db.run('DELETE FROM rollup_minutes');
    const migration = migrations.find((m) => m.name.startsWith('0011'));
    db.run(backfillOf(migration?.sql ?? ''));
    expectSameSums(rows(), written);
    db.close();
  });

  test('a failing migration rolls back and leaves the database as it was', () => {
    const db = new Database(join(dir, 'fail.db'));
    applyMigrations(db, migrations);
    const bad = [...migrations, { name: '9999_bad', sql: 'CREATE TABLE half (id INTEGER);--> statement-breakpoint\nNOT SQL;' }];
    expect(() => applyMigrations(db, bad)).toThrow();
    expect(db.query('SELECT name FROM sqlite_master WHERE name = ?').get('half')).toBeNull();
    db.close();
  });
});
