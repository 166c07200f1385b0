/**
 * Three real gateway processes on one PostgreSQL database (a fresh one per
 * run) behave as one gateway: with Redis (the shared test server, under a
 * key prefix of this run) and without it. Then Redis, a redis-server of this
 * test's own, is killed and started again under three gateways: no 5xx from
 * the proxy, limits held by the PostgreSQL fallback, and the cache back.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json } from './helpers/app.ts';
import { call, chat, type CountingUpstream, countingUpstream, stopAll, upstreamConfig, within } from './helpers/gateways.ts';
import { freshDatabase, needPostgres, type TestDatabase } from './helpers/postgres.ts';
import { runCli, type Served, serve } from './helpers/proc.ts';
import { deleteKeys, needRedis, needRedisServer, type OwnRedis, startOwnRedis, TEST_REDIS_URL, testPrefix } from './helpers/redis.ts';

const KEY = /[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}/;
const BOOTSTRAP_KEY = 'scale001.abcdefghijklmnopqrstuvwxyz012345';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-scaleout-'));
const upstream = countingUpstream();
const config = join(dir, 'switchyard.json');
writeFileSync(config, upstreamConfig(upstream));
afterAll(() => {
  upstream.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Cluster {
  gateways: Served[];
  key: string;
  db: TestDatabase;
}

/** A fresh database, an admin key in it, and three gateways on it (and on Redis when given). */
async function cluster(tag: string, redis?: { url: string; prefix: string }): Promise<Cluster> {
  const db = await freshDatabase(tag);
  const key = KEY.exec(runCli(['keys', 'create', '--org', 'scale', '--database-url', db.url]).stdout)?.[0] ?? '';
  const args = ['--database-url', db.url, '--config', config, ...(redis ? ['--redis-url', redis.url] : [])];
  // All three start at once with one bootstrap key: one creates it, none fails.
  const env: Record<string, string> = { SWITCHYARD_BOOTSTRAP_KEY: BOOTSTRAP_KEY, ...(redis ? { SWITCHYARD_REDIS_KEY_PREFIX: redis.prefix } : {}) };
  const gateways = await Promise.all([0, 1, 2].map(() => serve(args, env)));
  return { gateways, key, db };
}

async function dispose(c: Cluster | undefined): Promise<void> {
  if (!c) return;
  await stopAll(c.gateways);
  await c.db.drop();
}

const statuses = (rs: Response[]) => rs.map((r) => r.status);
const count = (xs: number[], s: number) => xs.filter((x) => x === s).length;

/**
 * 50 parallel calls over the gateways for a customer whose $10 budget fits 10
 * one-dollar calls. The upstream holds the calls it gets until 10 are there
 * (5 s at most), so none settles before all ten have reserved.
 */
async function budgetBurst(c: Cluster, up: CountingUpstream, customer: string): Promise<{ codes: number[]; upstream: number }> {
  up.hold = { count: 10, maxMs: 5000 };
  const before = up.calls;
  try {
    const params = { customer_identifier: customer, period_budget: 10 };
    const rs = await Promise.all(
      Array.from({ length: 50 }, (_, i) => chat(c.gateways[i % 3] as Served, c.key, 'dollar', { customer_params: params })),
    );
    return { codes: statuses(rs), upstream: up.calls - before };
  } finally {
    up.hold = null;
  }
}

/** 20 parallel calls over the gateways for a customer limited to 4 a minute. */
async function rateBurst(c: Cluster, up: CountingUpstream, customer: string): Promise<{ codes: number[]; upstream: number }> {
  const before = up.calls;
  const params = { customer_identifier: customer, rate_limit: 4 };
  const rs = await Promise.all(
    Array.from({ length: 20 }, (_, i) => chat(c.gateways[i % 3] as Served, c.key, 'dollar', { customer_params: params })),
  );
  return { codes: statuses(rs), upstream: up.calls - before };
}

/** A cached call through `a`, then the same through `b`: their cache headers and the upstream calls they made. */
async function cachedTwice(c: Cluster, a: Served, b: Served, content: string) {
  const body = { cache_enabled: true, messages: [{ role: 'user', content }] };
  const before = upstream.calls;
  const first = (await chat(a, c.key, 'dollar', body)).headers.get('x-switchyard-cache');
  // The entry is stored as the answer goes out, not before it.
  await Bun.sleep(250);
  const second = (await chat(b, c.key, 'dollar', body)).headers.get('x-switchyard-cache');
  return { first, second, upstream: upstream.calls - before };
}

const modes = [
  { name: 'one PostgreSQL and one Redis', redis: true },
  { name: 'one PostgreSQL, no Redis', redis: false },
] as const;

const pg = await needPostgres('scale-out');
const redisUp = pg && (await needRedis('scale-out over Redis'));

for (const mode of modes) {
  if (!pg || (mode.redis && !redisUp)) continue;
  describe(`three gateways on ${mode.name}`, () => {
    let c: Cluster;
    const prefix = testPrefix('scaleout');
    beforeAll(async () => {
      c = await cluster(mode.redis ? 'scaleredis' : 'scalepg', mode.redis ? { url: TEST_REDIS_URL, prefix } : undefined);
    }, 30_000);
    afterAll(async () => {
      await dispose(c);
      if (mode.redis) await deleteKeys(TEST_REDIS_URL, prefix);
    }, 30_000);

    test('started at once with one bootstrap key, all three came up and take it', async () => {
      const rs = await Promise.all(c.gateways.map((g) => call(g, BOOTSTRAP_KEY, '/api/temporary-keys/me/')));
      expect(statuses(rs)).toEqual([200, 200, 200]);
    });

    test('a log written through one is listed by another at once', async () => {
      const [a, b] = c.gateways as [Served, Served];
      const r = await call(a, c.key, '/api/request-logs/create/', {
        model: 'gpt-4o', custom_identifier: 'listed', prompt_messages: [{ role: 'user', content: 'x' }], completion_message: { role: 'assistant', content: 'y' },
      });
      expect(r.status).toBe(201);
      const { unique_id } = await json(r);
      const list = await json(await call(b, c.key, '/api/request-logs/list/?custom_identifier=listed'));
      expect(list.results.map((s: { unique_id: string }) => s.unique_id)).toEqual([unique_id]);
    });

    test('50 parallel calls over the three for a customer whose budget allows 10 admit exactly 10; the upstream sees 10', async () => {
      const { codes, upstream: seen } = await budgetBurst(c, upstream, 'budgeted');
      expect({ admitted: count(codes, 200), refused: count(codes, 402), upstream: seen, codes: [...new Set(codes)].sort() }).toEqual({
        admitted: 10, refused: 40, upstream: 10, codes: [200, 402],
      });
    }, 30_000);

    test('a customer rate limit of 4 per minute admits exactly 4 across the three', async () => {
      const { codes, upstream: seen } = await rateBurst(c, upstream, 'limited');
      expect([count(codes, 200), count(codes, 429)]).toEqual([4, 16]);
      expect(seen).toBe(4);
    });

    if (mode.redis) {
      test('a cache entry stored through one is a HIT through another; the upstream sees one call', async () => {
        const [a, , b] = c.gateways as [Served, Served, Served];
        expect(await cachedTwice(c, a, b, 'cache me')).toEqual({ first: 'MISS', second: 'HIT', upstream: 1 });
      });
    } else {
      test('without Redis the cache stays per gateway: a HIT only on the gateway that stored it', async () => {
        const [a, , b] = c.gateways as [Served, Served, Served];
        expect(await cachedTwice(c, a, a, 'mine')).toEqual({ first: 'MISS', second: 'HIT', upstream: 1 });
        expect((await cachedTwice(c, b, b, 'mine')).first).toBe('MISS');
      });
    }

    test('a key revoked through one is refused by the others within 1 s', async () => {
      const [a, b, d] = c.gateways as [Served, Served, Served];
      const made = await json(await call(a, c.key, '/api/temporary-keys/', { name: 'short-lived' }));
      const temp = made.api_key as string;
      const own = `/api/temporary-keys/${made.id}/`;
      expect(statuses(await Promise.all([call(b, temp, own), call(d, temp, own)]))).toEqual([200, 200]);
      expect((await call(a, c.key, own, undefined, 'DELETE')).status).toBe(204);
      const took = await within(1000, async () => {
        const rs = await Promise.all([call(b, temp, own), call(d, temp, own)]);
        return rs.every((r) => r.status === 401);
      });
      expect(took).toBeLessThan(1000);
    });

    test('a custom model created or repriced through one is used by the others within 1 s', async () => {
      const [a, b] = c.gateways as [Served, Served];
      expect((await chat(b, c.key, 'house')).status).toBe(404);
      expect((await call(a, c.key, '/api/models/', { model_name: 'house', provider_id: 'up', input_cost: 0, output_cost: 1_000_000 })).status).toBeLessThan(300);
      await within(1000, async () => (await chat(b, c.key, 'house')).status === 200);
      expect((await call(a, c.key, '/api/models/house/', { output_cost: 2_000_000 }, 'PATCH')).status).toBe(200);
      await within(1000, async () => (await json(await chat(b, c.key, 'house', { request_breakdown: true }))).request_breakdown?.cost === 2);
    });

    test('kill -9 of one gateway during block: true ingest loses no acknowledged span', async () => {
      const [a, , victim] = c.gateways as [Served, Served, Served];
      const acknowledged: string[] = [];
      let failed = 0;
      const one = async (i: number) => {
        try {
          const r = await call(victim, c.key, '/api/request-logs/create/', {
            model: 'gpt-4o', custom_identifier: 'killed', block: true, prompt_messages: [{ role: 'user', content: `span ${i}` }],
          });
          if (r.status === 201) acknowledged.push((await json(r)).unique_id);
          else failed++;
        } catch {
          failed++; // the connection died with the process: never acknowledged
        }
      };
      // 20 callers in parallel, 400 spans in all; the gateway dies once 30 are acknowledged.
      let next = 0;
      const callers = Array.from({ length: 20 }, async () => {
        while (next < 400) await one(next++);
      });
      await within(10_000, async () => acknowledged.length >= 30, 5);
      victim.proc.kill('SIGKILL');
      await Promise.all(callers);
      expect(failed).toBeGreaterThan(0);
      const stored = await json(await call(a, c.key, '/api/request-logs/list/?custom_identifier=killed&page_size=1000'));
      const ids = new Set(stored.results.map((s: { unique_id: string }) => s.unique_id));
      expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
      // Three gateways again for what follows.
      c.gateways[2] = await serve(['--database-url', c.db.url, '--config', config, ...(mode.redis ? ['--redis-url', TEST_REDIS_URL] : [])], mode.redis ? { SWITCHYARD_REDIS_KEY_PREFIX: prefix } : {});
    }, 30_000);
  });
}

if (redisUp && needRedisServer('scale-out Redis outage')) {
  describe('three gateways on one PostgreSQL while their Redis is stopped and started again', () => {
    let c: Cluster;
    let redis: OwnRedis;
    beforeAll(async () => {
      redis = await startOwnRedis();
      c = await cluster('scaleoutage', { url: redis.url, prefix: testPrefix('scaleoutage') });
    }, 30_000);
    afterAll(async () => {
      await dispose(c);
      await redis.kill();
    }, 30_000);

    test('no 5xx from the proxy, limits held by the PostgreSQL fallback, the cache comes back', async () => {
      const [a, b, d] = c.gateways as [Served, Served, Served];
      const health = async (g: Served) => (await json(await fetch(`${g.base}/health`))).dependencies.redis;
      await within(5000, async () => (await Promise.all(c.gateways.map(health))).every((h) => h === 'up'));
      expect(await cachedTwice(c, a, b, 'before')).toEqual({ first: 'MISS', second: 'HIT', upstream: 1 });

      // Steady traffic over the three from now until Redis is back, every answer recorded: the mock
      // provider (not the counted upstream), through the cache and a customer's rate limit and budget.
      const seen: number[] = [];
      let traffic = true;
      const steady = (async () => {
        const customer_params = { customer_identifier: 'steady', rate_limit: 100_000, period_budget: 1000 };
        for (let i = 0; traffic; i++) {
          const r = await chat(c.gateways[i % 3] as Served, c.key, 'mock/echo', { cache_enabled: i % 2 === 0, customer_params });
          seen.push(r.status);
          await Bun.sleep(10);
        }
      })();
      try {
        await redis.kill();
        await within(2000, async () => (await Promise.all(c.gateways.map(health))).every((h) => h === 'fallback'));
        const budget = await budgetBurst(c, upstream, 'budgeted-during-outage');
        expect([count(budget.codes, 200), count(budget.codes, 402), budget.upstream]).toEqual([10, 40, 10]);
        const rate = await rateBurst(c, upstream, 'limited-during-outage');
        expect([count(rate.codes, 200), count(rate.codes, 429), rate.upstream]).toEqual([4, 16, 4]);
        // The cache is skipped, not an error.
        expect(await cachedTwice(c, a, b, 'during')).toEqual({ first: 'MISS', second: 'MISS', upstream: 2 });

        await redis.start();
        await within(5000, async () => (await Promise.all(c.gateways.map(health))).every((h) => h === 'up'), 50);
      } finally {
        traffic = false;
        await steady;
      }
      expect(await cachedTwice(c, d, a, 'after')).toEqual({ first: 'MISS', second: 'HIT', upstream: 1 });
      expect(seen.length).toBeGreaterThan(10);
      expect(seen.filter((s) => s >= 500)).toEqual([]);
    }, 60_000);
  });
}
