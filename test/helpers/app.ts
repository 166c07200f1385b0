/**
 * A fresh app over a fresh database, plus request helpers: SQLite in memory,
 * or with SWITCHYARD_TEST_BACKEND=postgres a database of its own on the test
 * PostgreSQL (postgres+redis: and Redis in front for the shared state, under
 * a key prefix of its own).
 */
import { type AppDeps, createApp } from '../../src/app.ts';
import { type Config, ConfigSchema } from '../../src/config.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { KeyService, type NewKey } from '../../src/modules/keys/service.ts';
import { openBackend } from '../../src/store/open.ts';
import { buildAppDeps } from '../../src/wiring.ts';
import type { BudgetGate } from '../../src/modules/customers/budget-gate.ts';
import type { SharedState } from '../../src/store/state-types.ts';
import type { Environment, SpanRecord, Store } from '../../src/store/types.ts';
import { SpanWriter } from '../../src/store/writer.ts';
import { Value } from '@sinclair/typebox/value';
import { TEST_BACKEND, TEST_NOW } from './backend.ts';
import { appDatabase, releaseAppDatabase } from './postgres.ts';
import { deleteKeys, TEST_REDIS_URL, testPrefix } from './redis.ts';

export function testConfig(over: Partial<Config> = {}): Config {
  return { ...(Value.Default(ConfigSchema, {}) as Config), ...over };
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  store: Store;
  state: SharedState;
  keys: KeyService;
  writer: SpanWriter;
  gate: BudgetGate;
  clock: { now: number };
  /** Creates an organization (if new) and a key in it. */
  key(org: string, env?: Environment, spec?: Partial<NewKey>): Promise<string>;
  call(method: string, path: string, opts?: CallOptions): Promise<Response>;
  /** Starts a real server on 127.0.0.1 port 0; returns its base URL. Stopped by close(). */
  listen(): string;
  /** Spans offered to the writer, in order, once at least `atLeast` (default 1) are there (waits up to 5 s). */
  spans(atLeast?: number): Promise<SpanRecord[]>;
  close(): Promise<void>;
}

export interface CallOptions {
  key?: string;
  body?: unknown;
  /** Sent as is, not JSON-encoded. */
  raw?: string;
  headers?: Record<string, string>;
}

/** The backend part of the config, and what to remove when the app closes. */
async function backendConfig(config: Config, now: number): Promise<{ config: Config; dispose: () => Promise<void> }> {
  const db = TEST_BACKEND.includes('postgres') ? await appDatabase(now) : null;
  const prefix = TEST_BACKEND.includes('redis') ? testPrefix('app') : null;
  return {
    config: {
      ...config,
      database: db ? { ...config.database, url: db.url, pool_size: 4 } : config.database,
      redis: prefix ? { ...config.redis, url: TEST_REDIS_URL, key_prefix: prefix } : config.redis,
    },
    async dispose() {
      if (db) releaseAppDatabase(db);
      if (prefix) await deleteKeys(TEST_REDIS_URL, prefix);
    },
  };
}

export async function makeTestApp(over: Partial<Config> = {}, deps: Partial<AppDeps> = {}): Promise<TestApp> {
  const clock = { now: TEST_NOW };
  const now = () => clock.now;
  const { config, dispose } = await backendConfig(testConfig(over), clock.now);
  const log = deps.log ?? silentLogger;
  const backend = await openBackend(config, { log, now, memory: true });
  const { store } = backend;
  const core = buildAppDeps(config, backend, { log, now, version: 'test' });
  const { keys, writer, gate } = core;
  const all = { ...core, ...deps };
  const app = createApp(all);
  // What the server runs: the app behind the request observer (request ids, metrics, access log).
  const fetch = all.observer.wrap(app.fetch);
  let server: ReturnType<typeof Bun.serve> | null = null;
  const offered: SpanRecord[] = [];
  const offer = writer.offer.bind(writer);
  writer.offer = (span) => {
    offered.push(span);
    return offer(span);
  };
  return {
    app,
    store,
    state: backend.state,
    keys,
    writer,
    gate,
    clock,
    async key(orgName, env = 'prod', spec = {}) {
      const { org } = await store.orgs.ensure(orgName);
      return (await keys.create(org.id, { name: `${orgName} key`, environment: env, role: 'admin', ...spec })).key;
    },
    call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.key) headers.authorization = `Bearer ${opts.key}`;
      let body: string | undefined = opts.raw;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      return fetch(new Request(`http://localhost${path}`, { method, headers, body }));
    },
    listen() {
      server ??= Bun.serve({ hostname: '127.0.0.1', port: 0, fetch, idleTimeout: 30 });
      return `http://127.0.0.1:${server.port}`;
    },
    async spans(atLeast = 1) {
      // Streamed spans are written in the stream's finally, after the last byte has gone out.
      for (let i = 0; i < 500 && offered.length < atLeast; i++) await Bun.sleep(10);
      await writer.flush();
      return offered;
    },
    async close() {
      await server?.stop(true);
      await writer.flush();
      await backend.close();
      await dispose();
    },
  };
}

/**
 * A response body for assertions. Tests check shapes with expect(), so the
 * body is typed loosely on purpose.
 */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are checked by assertions
export type Json = any;

export async function json(r: Response): Promise<Json> {
  return r.json();
}
