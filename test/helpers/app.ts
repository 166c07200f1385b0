/** A fresh app over a fresh in-memory database, plus request helpers. */
import { createApp } from '../../src/app.ts';
import { type Config, ConfigSchema } from '../../src/config.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { SlidingWindowLimiter } from '../../src/lib/rate-limit.ts';
import { KeyService, type NewKey } from '../../src/modules/keys/service.ts';
import { BudgetGate } from '../../src/modules/customers/budget-gate.ts';
import { MemoryLedger } from '../../src/modules/customers/reservations.ts';
import { CustomerService } from '../../src/modules/customers/service.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { Environment, Store } from '../../src/store/types.ts';
import { SpanWriter } from '../../src/store/writer.ts';
import { Value } from '@sinclair/typebox/value';

export function testConfig(over: Partial<Config> = {}): Config {
  return { ...(Value.Default(ConfigSchema, {}) as Config), ...over };
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  store: Store;
  keys: KeyService;
  writer: SpanWriter;
  gate: BudgetGate;
  clock: { now: number };
  /** Creates an organization (if new) and a key in it. */
  key(org: string, env?: Environment, spec?: Partial<NewKey>): Promise<string>;
  call(method: string, path: string, opts?: CallOptions): Promise<Response>;
  close(): Promise<void>;
}

export interface CallOptions {
  key?: string;
  body?: unknown;
  /** Sent as is, not JSON-encoded. */
  raw?: string;
  headers?: Record<string, string>;
}

export async function makeTestApp(over: Partial<Config> = {}): Promise<TestApp> {
  const config = testConfig(over);
  const store = openSqliteStore({ path: ':memory:' });
  const clock = { now: Date.parse('2026-06-15T12:00:00Z') };
  const now = () => clock.now;
  const keys = new KeyService(store, new SlidingWindowLimiter(), now);
  const writer = new SpanWriter(store.spans, { maxQueue: 10_000, batchSize: 500, onError: () => {} });
  const gate = new BudgetGate(store, new SlidingWindowLimiter(), new MemoryLedger(), silentLogger, now);
  const customers = new CustomerService(store, now, gate);
  const app = createApp({ config, store, keys, customers, gate, writer, log: silentLogger, now, version: 'test' });
  return {
    app,
    store,
    keys,
    writer,
    gate,
    clock,
    async key(orgName, env = 'prod', spec = {}) {
      const org = (await store.orgs.getByName(orgName)) ?? (await store.orgs.create(orgName));
      return (await keys.create(org.id, { name: `${orgName} key`, environment: env, ...spec })).key;
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
      return app.handle(new Request(`http://localhost${path}`, { method, headers, body }));
    },
    async close() {
      await writer.flush();
      await store.close();
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
