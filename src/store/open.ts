/**
 * Picks the backends a configuration asks for: the one place outside a
 * backend's own folder that knows which backends exist.
 *
 * Records: PostgreSQL when `database.url` is set (gateways on many hosts),
 * else SQLite in the data folder (every gateway process sharing that folder
 * on one host). Shared state: the records' backend's own, or with
 * `redis.url` Redis in front of it: the database decides while Redis is away
 * (or calls are refused, with `redis.fail_closed`).
 */
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../lib/log.ts';
import { FailoverState } from './failover.ts';
import { HealthProbe } from './health-probe.ts';
import { openPostgresStore } from './postgres/index.ts';
import { openPostgresState } from './postgres/state.ts';
import { openPostgresTarget } from './postgres/transfer.ts';
import { openRedisState } from './redis/index.ts';
import { openSqliteStore } from './sqlite/index.ts';
import { openSqliteState } from './sqlite/state.ts';
import { openSqliteSource } from './sqlite/transfer.ts';
import type { CommittedSpendSource, SharedState } from './state-types.ts';
import { TransferSetupError, type TransferSource, type TransferTarget } from './transfer.ts';
import type { Store } from './types.ts';

/**
 * What /health says of each dependency. Redis: `fallback` while it is away
 * and the database decides limits and budgets, `down` while it is away and
 * calls they apply to are refused (`redis.fail_closed`).
 */
export interface DependencyHealth {
  database: 'up' | 'down';
  redis?: 'up' | 'fallback' | 'down';
}

export interface Backend {
  store: Store;
  state: SharedState;
  /** What /health and the start-up line say the backend is (never a password). */
  describe: string;
  health(): Promise<DependencyHealth>;
  close(): Promise<void>;
}

export interface OpenOptions {
  log: Logger;
  now: () => number;
  /** A private in-memory database (tests; ignored with `database.url`). */
  memory?: boolean;
}

/** The server and database of a URL, never its password. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'unparsable url';
  }
}

export function spendSource(store: Store): CommittedSpendSource {
  return { billed: (s, window) => store.customers.billed(s.orgId, s.environment, s.identifier, window) };
}

interface Records {
  store: Store;
  state: SharedState;
  describe: string;
}

async function openPostgres(url: string, config: Config, opts: OpenOptions): Promise<Records> {
  const { pool_size, statement_timeout_ms } = config.database;
  const store = await openPostgresStore({
    url,
    poolSize: pool_size,
    statementTimeoutMs: statement_timeout_ms,
    maxHeavyQueries: config.store.max_heavy_queries,
    settings: { metadataKeys: config.rollups.metadata_keys },
    now: opts.now,
    log: opts.log,
  });
  try {
    const state = await openPostgresState({
      url,
      statementTimeoutMs: statement_timeout_ms,
      source: spendSource(store),
      cacheMaxBytes: config.cache.max_bytes,
      now: opts.now,
      log: opts.log,
    });
    return { store, state, describe: `postgres (${describeUrl(url)})` };
  } catch (err) {
    await store.close();
    throw err;
  }
}

function openSqlite(config: Config, opts: OpenOptions): Records {
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
    writer: { cacheMb: config.store.writer_cache_mb, checkpointMb: config.store.checkpoint_mb },
    settings: { metadataKeys: config.rollups.metadata_keys },
  });
  const state = openSqliteState({
    path: opts.memory ? ':memory:' : join(config.data_dir, 'switchyard-state.db'),
    source: spendSource(store),
    cacheMaxBytes: config.cache.max_bytes,
    now: opts.now,
    log: opts.log,
  });
  return { store, state, describe: opts.memory ? 'sqlite (in memory)' : `sqlite (${dbPath})` };
}

export async function openBackend(config: Config, opts: OpenOptions): Promise<Backend> {
  const records = config.database.url ? await openPostgres(config.database.url, config, opts) : openSqlite(config, opts);
  const { store } = records;
  const redisUrl = config.redis.url;
  // Behind Redis the database's own state only decides while Redis is away; it closes with the backend.
  const own = records.state;
  const redis = redisUrl
    ? openRedisState({
        url: redisUrl,
        prefix: config.redis.key_prefix,
        source: spendSource(store),
        log: opts.log,
        cache: { maxBytes: config.cache.max_bytes, maxEntryBytes: config.cache.max_entry_bytes },
        commandTimeoutMs: config.redis.command_timeout_ms,
      })
    : null;
  const state = redis
    ? new FailoverState({
        primary: redis,
        fallback: config.redis.fail_closed ? null : { rateLimiter: own.rateLimiter, ledger: own.ledger },
        log: opts.log,
      })
    : own;
  // An unreachable host would take the connect timeout: 2 s without an answer is down.
  const probe = new HealthProbe({ ping: () => store.ping(), timeoutMs: 2000, freshMs: 1000, waitMs: 50 });
  return {
    store,
    state,
    describe: redisUrl ? `${records.describe} + redis (${describeUrl(redisUrl)})` : records.describe,
    async health() {
      const database = await probe.check();
      if (!redis) return { database };
      return { database, redis: redis.up ? 'up' : config.redis.fail_closed ? 'down' : 'fallback' };
    },
    async close() {
      if (state !== own) await state.close();
      await own.close();
      await store.close();
    },
  };
}

const isPostgresUrl = (s: string) => /^postgres(ql)?:\/\//.test(s);

/** The records to move (`migrate-store --from`): a SQLite data folder (or its .db file). */
export function openTransferSource(from: string): Promise<TransferSource> {
  if (isPostgresUrl(from)) throw new TransferSetupError('--from must be a SQLite data folder; copying out of PostgreSQL is not supported');
  return openSqliteSource(from);
}

/** Where they go (`migrate-store --to`): a PostgreSQL URL. */
export function openTransferTarget(to: string, log: Logger): Promise<TransferTarget> {
  if (!isPostgresUrl(to)) throw new TransferSetupError('--to must be a postgres:// URL');
  return openPostgresTarget(to, log);
}
