/** The settings each SQLite connection of the store gets from its options (src/store/sqlite/connection.ts). */
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openConnection } from '../../src/store/sqlite/connection.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-connection-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pragma = (db: ReturnType<typeof openConnection>, name: string) =>
  Object.values(db.query<Record<string, number>, []>(`PRAGMA ${name}`).get() ?? {})[0];

test('the checkpoint size is given in MiB and set in pages of the file', () => {
  const db = openConnection(join(dir, 'a.db'), { cacheMb: 4, mmapMb: 0, checkpointMb: 8 });
  expect(pragma(db, 'page_size')).toBe(4096);
  expect(pragma(db, 'wal_autocheckpoint')).toBe(2048);
  expect(pragma(db, 'cache_size')).toBe(-4096);
  db.close();
});

test('without a checkpoint size a connection checkpoints every ~40 MiB', () => {
  const db = openConnection(join(dir, 'b.db'), { cacheMb: 4, mmapMb: 0 });
  expect(pragma(db, 'wal_autocheckpoint')).toBe(10_240);
  db.close();
});

test('a page size applies to a new file only', () => {
  const db = openConnection(join(dir, 'c.db'), { cacheMb: 4, mmapMb: 0, pageSize: 1024, checkpointMb: 8 });
  db.run('CREATE TABLE t (x)');
  expect(pragma(db, 'page_size')).toBe(1024);
  expect(pragma(db, 'wal_autocheckpoint')).toBe(8192);
  db.close();
  const again = openConnection(join(dir, 'c.db'), { cacheMb: 4, mmapMb: 0, pageSize: 4096 });
  expect(pragma(again, 'page_size')).toBe(1024);
  again.close();
});
