/**
 * PostgreSQL going away under a running gateway. The gateway reaches the
 * database through a TCP proxy this test cuts (the shared server stays up
 * for everyone else): every part of the store then raises
 * StorageUnavailableError (a bad statement does not), proxying goes on for
 * keys and customers the gateway knows while its spans wait in memory up to
 * `writer.max_queue`, ingest answers 503, /ready stays 200 while /health
 * stays 200 naming the database down, and when the database is back every
 * queued span is written. With Redis in front, a known customer's rate
 * limit and budget are still decided (by Redis) while the database is away.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageUnavailableError } from '../src/errors.ts';
import { silentLogger } from '../src/lib/log.ts';
import { openPostgresStore, type PgStore } from '../src/store/postgres/index.ts';
import { json } from './helpers/app.ts';
import { call, chat, countingUpstream, stopAll, upstreamConfig, within } from './helpers/gateways.ts';
import { freshDatabase, needPostgres, type TestDatabase } from './helpers/postgres.ts';
import { deleteKeys, needRedis, TEST_REDIS_URL, testPrefix } from './helpers/redis.ts';
import { runCli, type Served, serve } from './helpers/proc.ts';
import { span } from './helpers/spans.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

const KEY = /[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}/;
const MAX_QUEUE = 12;

if (await needPostgres('postgres outage')) {
  let db: TestDatabase;
  let proxy: TcpProxy;
  /** The database through the proxy. */
  let viaProxy = '';
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pg-outage-'));
  const upstream = countingUpstream();

  const config = join(dir, 'switchyard.json');
  writeFileSync(config, upstreamConfig(upstream));

  beforeAll(async () => {
    db = await freshDatabase('outage');
    const target = new URL(db.url);
    proxy = startTcpProxy({ hostname: target.hostname, port: Number(target.port || 5432) });
    const u = new URL(db.url);
    u.port = String(proxy.port);
    viaProxy = u.toString();
  });

  afterAll(async () => {
    proxy.stop();
    upstream.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('the store with its server unreachable', () => {
    let store: PgStore;
    beforeAll(async () => {
      store = await openPostgresStore({
        url: viaProxy, poolSize: 2, statementTimeoutMs: 5000, maxHeavyQueries: 1, settings: { metadataKeys: [] }, now: Date.now,
        log: silentLogger,
      });
    });
    afterAll(() => store.close());

    test('every part raises StorageUnavailableError; a bad statement stays what it is; it works again once back', async () => {
      const { org } = await store.orgs.ensure('outage');
      proxy.cut();
      try {
        const calls: [string, () => Promise<unknown>][] = [
          ['orgs (drizzle)', () => store.orgs.getByName('outage')],
          ['keys (drizzle)', () => store.keys.findByPrefix('abcdefgh')],
          ['models (drizzle)', () => store.models.list(org.id)],
          ['customers', () => store.customers.get(org.id, 'prod', 'c')],
          ['spans insert', () => store.spans.insertBatch([span({ org_id: org.id })])],
          ['spans read', () => store.spans.get(org.id, 'x')],
        ];
        for (const [what, run] of calls) {
          const err = await run().then(() => null, (e: unknown) => e);
          expect({ what, unavailable: err instanceof StorageUnavailableError }).toEqual({ what, unavailable: true });
        }
        expect(await store.ping()).toBe(false);
      } finally {
        proxy.restore();
      }
      expect(await store.orgs.getByName('outage')).not.toBeNull();
      const bad = await store.sql.unsafe('SELEC 1').then(() => null, (e: unknown) => e);
      expect(bad).toBeInstanceOf(Error);
      expect(bad).not.toBeInstanceOf(StorageUnavailableError);
    });
  });

  describe('a gateway whose database goes away', () => {
    let g: Served;
    let key = '';
    const ingest = (block: boolean) =>
      call(g, key, '/api/request-logs/create/', { model: 'gpt-4o', prompt_messages: [{ role: 'user', content: 'x' }], block });
    const health = async () => json(await fetch(`${g.base}/health`));

    beforeAll(async () => {
      key = KEY.exec(runCli(['keys', 'create', '--org', 'outage', '--database-url', db.url]).stdout)?.[0] ?? '';
      g = await serve(['--database-url', viaProxy, '--config', config], {
        SWITCHYARD_WRITER_MAX_QUEUE: String(MAX_QUEUE),
        SWITCHYARD_LOG_LEVEL: 'error',
      });
    }, 30_000);
    afterAll(() => stopAll([g]));

    test('proxies on, queues spans up to max_queue, refuses ingest, and writes the queue when the database is back', async () => {
      let queued = 0;
      // Known before the outage: the key and a customer.
      expect((await chat(g, key, 'dollar', { customer_identifier: 'known' })).status).toBe(200);
      expect((await ingest(true)).status).toBe(201);
      expect((await fetch(`${g.base}/ready`)).status).toBe(200);

      proxy.cut();
      try {
        // Still ready: it proxies on for what it has read (every gateway would go not-ready at once).
        expect((await fetch(`${g.base}/ready`)).status).toBe(200);
        // /health reuses a ping's answer for up to 1 s (health-probe.ts): the one made as the gateway started may still be fresh.
        await within(3000, async () => (await health()).dependencies.database === 'down');
        const h = await fetch(`${g.base}/health`);
        expect(h.status).toBe(200);
        expect(await json(h)).toMatchObject({ status: 'degraded', dependencies: { database: 'down' } });

        // More calls than the queue holds: every one is answered; the queue keeps MAX_QUEUE spans.
        const before = upstream.calls;
        for (let i = 0; i < MAX_QUEUE + 3; i++) {
          const r = await chat(g, key, 'dollar', { customer_identifier: i % 2 ? 'known' : undefined });
          expect(r.status).toBe(200);
        }
        expect(upstream.calls - before).toBe(MAX_QUEUE + 3);
        await within(5000, async () => (await health()).span_writer.storage === 'unavailable');
        // Each span is kept or refused; a batch in flight when the database went away is kept beyond max_queue.
        const { span_writer } = await health();
        queued = span_writer.queued;
        expect(span_writer.queued + span_writer.refused).toBe(MAX_QUEUE + 3);
        expect(span_writer.queued).toBeGreaterThanOrEqual(MAX_QUEUE);
        expect(span_writer.refused).toBeGreaterThan(0);

        for (const block of [true, false]) {
          const r = await ingest(block);
          expect(r.status).toBe(503);
          expect((await json(r)).detail).toContain('database is unavailable');
        }
        // A customer this gateway has not read needs the database: a 503, nothing sent upstream.
        const unknown = await chat(g, key, 'dollar', { customer_identifier: 'never-seen' });
        expect([unknown.status, (await json(unknown)).error.code]).toEqual([503, 'storage_unavailable']);
        expect(upstream.calls - before).toBe(MAX_QUEUE + 3);
      } finally {
        proxy.restore();
      }

      // The writer's next try (1 s, then 2 s) writes the queue.
      await within(8000, async () => (await health()).span_writer.storage === 'ok', 100);
      await within(2000, async () => (await health()).span_writer.queued === 0);
      expect((await fetch(`${g.base}/ready`)).status).toBe(200);
      const list = await json(await call(g, key, '/api/request-logs/list/?page_size=100'));
      // The call and the ingest before, and every span queued during the outage: nothing lost, nothing twice.
      expect(list.count).toBe(2 + queued);
      expect((await ingest(true)).status).toBe(201);
    }, 30_000);
  });

  if (await needRedis('postgres outage with Redis')) {
    describe('a gateway with Redis whose database goes away', () => {
      let g: Served;
      let key = '';
      const prefix = testPrefix('pgoutage');
      const limited = (customer: string) => ({ customer_params: { customer_identifier: customer, period_budget: 100, rate_limit: 100 } });

      beforeAll(async () => {
        key = KEY.exec(runCli(['keys', 'create', '--org', 'outage-redis', '--database-url', db.url]).stdout)?.[0] ?? '';
        g = await serve(['--database-url', viaProxy, '--redis-url', TEST_REDIS_URL, '--config', config], {
          SWITCHYARD_REDIS_KEY_PREFIX: prefix,
          SWITCHYARD_LOG_LEVEL: 'error',
        });
      }, 30_000);
      afterAll(async () => {
        await stopAll([g]);
        await deleteKeys(TEST_REDIS_URL, prefix);
      });

      test('a known customer with a rate limit and a budget is still admitted; a budget Redis holds no spend for is a 503', async () => {
        expect((await chat(g, key, 'dollar', limited('regular'))).status).toBe(200);
        proxy.cut();
        try {
          // Redis counts the rate limit and holds the budget's spend (read a moment ago) for a minute.
          expect((await chat(g, key, 'dollar', limited('regular'))).status).toBe(200);
          const fresh = await chat(g, key, 'dollar', limited('new-with-budget'));
          expect([fresh.status, (await json(fresh)).error.code]).toEqual([503, 'storage_unavailable']);
        } finally {
          proxy.restore();
        }
        await within(8000, async () => (await json(await fetch(`${g.base}/health`))).span_writer.queued === 0, 100);
        expect((await chat(g, key, 'dollar', limited('new-with-budget'))).status).toBe(200);
      }, 30_000);
    });
  }
}
