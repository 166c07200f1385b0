/**
 * Runs the shared-state contract over every implementation: memory, SQLite (one state file, a handle per process),
 * PostgreSQL at SWITCHYARD_TEST_DATABASE_URL (a handle per gateway), and Redis at SWITCHYARD_TEST_REDIS_URL.
 */
import { afterAll, expect } from 'bun:test';
import { SQL } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/lib/log.ts';
import { FailoverState } from '../../src/store/failover.ts';
import { memoryState } from '../../src/store/memory/index.ts';
import { openPostgresState } from '../../src/store/postgres/state.ts';
import { openSqliteState } from '../../src/store/sqlite/state.ts';
import { openRedisState } from '../../src/store/redis/index.ts';
import { freshDatabase, needPostgres, type TestDatabase } from '../helpers/postgres.ts';
import { deleteKeys, killClients, needRedis, testPrefix, TEST_REDIS_URL } from '../helpers/redis.ts';
import { stateContract, type OpenOptions } from './state-contract.ts';

stateContract({
  name: 'memory',
  async open(o: OpenOptions) {
    const state = memoryState({ source: o.source, holdTtlMs: o.holdTtlMs, cacheMaxBytes: o.cacheMaxBytes });
    return { states: Array.from({ length: o.handles }, () => state) };
  },
});

const sqliteDirs: string[] = [];
afterAll(() => {
  for (const d of sqliteDirs) rmSync(d, { recursive: true, force: true });
});

stateContract({
  name: 'sqlite (one state file, a connection per handle as per process)',
  cachePerProcess: true,
  async open(o: OpenOptions) {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-state-'));
    sqliteDirs.push(dir);
    const path = join(dir, 'switchyard-state.db');
    return {
      states: Array.from({ length: o.handles }, () =>
        openSqliteState({ path, source: o.source, cacheMaxBytes: o.cacheMaxBytes, now: Date.now, log: silentLogger, holdTtlMs: o.holdTtlMs, pollMs: 50 }),
      ),
    };
  },
});

if (await needPostgres('shared state contract (postgres)')) {
  let db: TestDatabase | null = null;
  let deployments = 0;
  afterAll(() => db?.drop());
  stateContract({
    name: 'postgres (a pool and a listener per handle, as per gateway)',
    cachePerProcess: true,
    cutsSubscriptions: true,
    async open(o: OpenOptions) {
      db ??= await freshDatabase('state');
      const url = db.url;
      // Each deployment its own change log position: rows of earlier tests stay but are behind every handle.
      const name = `sytest-${process.pid}-${++deployments}`;
      const states = await Promise.all(
        Array.from({ length: o.handles }, (_, i) =>
          openPostgresState({
            url, poolSize: 2, statementTimeoutMs: 10_000, source: o.source, cacheMaxBytes: o.cacheMaxBytes, now: Date.now,
            log: silentLogger, holdTtlMs: o.holdTtlMs, pollMs: 200, name: `${name}-${i}`,
          }),
        ),
      );
      return {
        states,
        async dropSubscriptions() {
          const killed = await withAdmin(url, (sql) =>
            sql.unsafe<{ pid: number }[]>(
              'SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE application_name LIKE $1',
              [`${name}-%:feed`],
            ),
          );
          expect(killed.length).toBe(states.length);
        },
      };
    },
  });
}

async function withAdmin<T>(url: string, work: (sql: SQL) => Promise<T>): Promise<T> {
  const sql = new SQL({ url, max: 1 });
  try {
    return await work(sql);
  } finally {
    await sql.close();
  }
}

if (await needRedis('shared state contract (redis)')) {
  const prefix = testPrefix('contract');
  let deployments = 0;
  afterAll(() => deleteKeys(TEST_REDIS_URL, prefix));

  /** As the gateway runs it with fail_closed: any Redis failure surfaces, and verify() sees none was hidden. */
  const open = async (o: OpenOptions, url: string, name: string) => {
    const deployment = `${prefix}${++deployments}:`;
    const states = Array.from({ length: o.handles }, (_, i) => {
      const redis = openRedisState({
        url,
        prefix: deployment,
        name: `${name}-${deployments}-${i}`,
        source: o.source,
        log: silentLogger,
        holdTtlMs: o.holdTtlMs,
        cache: { maxBytes: o.cacheMaxBytes },
        connectTimeoutMs: 200,
      });
      return { redis, state: new FailoverState({ primary: redis, fallback: null, log: silentLogger }) };
    });
    return states;
  };

  stateContract({
    name: 'redis',
    cutsSubscriptions: true,
    async open(o) {
      const name = `sytest-${process.pid}`;
      const states = await open(o, TEST_REDIS_URL, name);
      const tag = `${name}-${deployments}-`;
      for (const s of states) expect(await s.redis.ready(5000)).toBe(true);
      return {
        states: states.map((s) => s.state),
        async dropSubscriptions() {
          expect(await killClients(TEST_REDIS_URL, (n) => n.startsWith(tag) && n.endsWith(':feed'))).toBe(states.length);
        },
        verify() {
          for (const s of states) expect(s.state.stats()).toEqual({ rate_limit_fallbacks: 0, budget_fallbacks: 0, refusals: 0, cache_errors: 0, ledger_errors: 0 });
        },
      };
    },
    async openDead() {
      // A port nothing listens on: the connection never comes up.
      const states = await open({ source: { billed: async () => 0 }, holdTtlMs: 1000, cacheMaxBytes: 1024, handles: 1 }, 'redis://127.0.0.1:1', 'dead');
      return (states[0] as (typeof states)[number]).state;
    },
  });
}
