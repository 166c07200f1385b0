/**
 * Picks the backend a configuration asks for: the one place outside a
 * backend's own folder that knows which backends exist. The default is
 * SQLite in the data folder, correct for every gateway process that shares
 * that folder on one host.
 */
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../lib/log.ts';
import { openSqliteStore } from './sqlite/index.ts';
import { openSqliteState } from './sqlite/state.ts';
import type { CommittedSpendSource, SharedState } from './state-types.ts';
import type { Store } from './types.ts';

export interface Backend {
  store: Store;
  state: SharedState;
  /** What /health and the start-up line say the backend is. */
  describe: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  log: Logger;
  now: () => number;
  /** A private in-memory database (tests). */
  memory?: boolean;
}

export function spendSource(store: Store): CommittedSpendSource {
  return { billed: (s, window) => store.customers.billed(s.orgId, s.environment, s.identifier, window) };
}

export function openBackend(config: Config, opts: OpenOptions): Backend {
  const dbPath = opts.memory ? ':memory:' : join(config.data_dir, 'switchyard.db');
  const store = openSqliteStore({
    path: dbPath,
    readers: config.store.readers,
    maxHeavyQueries: config.store.max_heavy_queries,
    queryTimeoutMs: config.store.query_timeout_ms,
    connection: {
      cacheMb: config.store.cache_mb,
      mmapMb: config.store.mmap_mb,
      maxDbMb: config.store.max_db_mb,
      synchronous: config.store.synchronous,
    },
    settings: { metadataKeys: config.rollups.metadata_keys },
  });
  const state = openSqliteState({
    path: opts.memory ? ':memory:' : join(config.data_dir, 'switchyard-state.db'),
    source: spendSource(store),
    cacheMaxBytes: config.cache.max_bytes,
    now: opts.now,
    log: opts.log,
  });
  return {
    store,
    state,
    describe: opts.memory ? 'sqlite (in memory)' : `sqlite (${dbPath})`,
    async close() {
      await state.close();
      await store.close();
    },
  };
}
