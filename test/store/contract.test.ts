/** The store contract (contract.ts) against every backend this machine can run. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/lib/log.ts';
import { openPostgresStore } from '../../src/store/postgres/index.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { freshDatabase, needPostgres, type TestDatabase } from '../helpers/postgres.ts';
import { storeContract } from './contract.ts';

storeContract({ name: 'SQLite in memory', open: async () => openSqliteStore({ path: ':memory:' }) });

let dir = '';
// With a rolled-up metadata key, so that breakdowns by it read the day rollup here and spans in memory.
const settings = { metadataKeys: ['tier'] };
storeContract({
  name: 'SQLite file (write thread, reader pool)',
  async open() {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-contract-'));
    return openSqliteStore({ path: join(dir, 'switchyard.db'), settings });
  },
  second: async () => openSqliteStore({ path: join(dir, 'switchyard.db'), settings }),
  async dispose() {
    rmSync(dir, { recursive: true, force: true });
  },
});

if (await needPostgres('store contract (postgres)')) {
  let db: TestDatabase | null = null;
  // The contract's spans are around 2026-06-15: partitions are made around then (its retention case lands in the default one).
  const open = (url: string) =>
    openPostgresStore({
      url, poolSize: 4, statementTimeoutMs: 10_000, maxHeavyQueries: 2, settings,
      now: () => Date.parse('2026-06-15T12:00:00Z'), log: silentLogger,
    });
  storeContract({
    name: 'PostgreSQL (a second store is a second gateway)',
    async open() {
      db = await freshDatabase('contract');
      return open(db.url);
    },
    second: async () => open((db as TestDatabase).url),
    async dispose() {
      await db?.drop();
    },
  });
}
