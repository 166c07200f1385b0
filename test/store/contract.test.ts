/** The store contract (contract.ts) against every backend this machine can run. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
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
