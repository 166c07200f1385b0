/**
 * Redis going away and coming back, on a redis-server of this file's own
 * (the shared one cannot be stopped under other people's runs): limits fall
 * back or refuse, the cache is skipped, invalidations wait, and everything
 * returns to Redis by itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { SharedStateUnavailableError } from '../../src/errors.ts';
import { createLogger } from '../../src/lib/log.ts';
import { FailoverState } from '../../src/store/failover.ts';
import { memoryState } from '../../src/store/memory/index.ts';
import { openRedisState, type RedisState } from '../../src/store/redis/index.ts';
import type { BudgetSubject, Invalidation, SharedState } from '../../src/store/state-types.ts';
import { needRedisServer, reachable, startOwnRedis, testPrefix, withClient, type OwnRedis } from '../helpers/redis.ts';
import { cacheEntry, FakeSpend, until } from '../helpers/shared-state.ts';

const SUITE = 'redis outage';

if (needRedisServer(SUITE)) {
  let server: OwnRedis;
  let logs: string[];
  const open: SharedState[] = [];
  const log = createLogger('debug', (line) => logs.push(line));
  const subject: BudgetSubject = { orgId: 'org_outage', environment: 'prod', identifier: 'c1' };
  const total = (limit: number) => [{ budget: 'total_budget' as const, limit, window: null }];

  beforeAll(async () => {
    server = await startOwnRedis();
  });
  afterAll(() => server.kill());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    // Whatever a test did to it, the next one finds the server running.
    server.resume();
    if (!(await reachable(server.url))) await server.start();
  });

  function redis(prefix: string, commandTimeoutMs = 500): RedisState {
    const s = openRedisState({
      url: server.url,
      prefix,
      source: new FakeSpend(),
      log,
      cache: { maxBytes: 1024 * 1024 },
      commandTimeoutMs,
      connectTimeoutMs: 300,
      feedPollMs: 50,
    });
    open.push(s);
    return s;
  }

  function failover(primary: RedisState, withFallback: boolean) {
    const fallback = memoryState({ source: new FakeSpend(), cacheMaxBytes: 0 });
    const state = new FailoverState({ primary, fallback: withFallback ? fallback : null, log });
    return { state, fallback };
  }

  async function down(r: RedisState): Promise<void> {
    await server.kill();
    await until(() => !r.up, 2000);
    expect(r.up).toBe(false);
  }

  describe(SUITE, () => {
    test('while Redis is down limits go to the fallback and the cache is a quick miss; its return is picked up by itself', async () => {
      logs = [];
      const primary = redis(testPrefix('fallback'));
      const { state, fallback } = failover(primary, true);
      expect(await primary.ready(5000)).toBe(true);
      await state.cache.set('k', cacheEntry('cached'), 60_000);
      expect(await state.cache.get('k')).toBeDefined();
      expect((await state.rateLimiter.hit('key', 2)).allowed).toBe(true);
      expect((await state.ledger.tryReserve({ id: 'r1', subject, amount: 0.4, limits: total(1) })).ok).toBe(true);

      await down(primary);
      const started = performance.now();
      expect(await state.cache.get('k')).toBeUndefined();
      await state.cache.set('k2', cacheEntry('lost'), 60_000);
      expect(performance.now() - started).toBeLessThan(100);
      // The fallback counts on its own: it never saw the hit Redis took.
      const hits = await Promise.all([1, 2, 3].map(() => state.rateLimiter.hit('key', 2)));
      expect(hits.map((h) => h.allowed)).toEqual([true, true, false]);
      expect((await state.ledger.tryReserve({ id: 'r2', subject, amount: 0.4, limits: total(1) })).ok).toBe(true);
      // Settled where it was made: the fallback now holds the real cost.
      await state.ledger.settle(subject, 'r2', 0.1);
      const probe = await fallback.ledger.tryReserve({ id: 'probe', subject, amount: 0, limits: total(1) });
      expect(probe.usage[0]?.held).toBeCloseTo(0.1, 12);
      // r1 lives in Redis, which cannot be told now: its hold expires there.
      await state.ledger.settle(subject, 'r1', 0.2);
      expect(state.stats()).toEqual({ rate_limit_fallbacks: 3, budget_fallbacks: 1, refusals: 0, cache_errors: 2, ledger_errors: 1 });
      // One warning per part that went away, not one per call.
      expect(logs.filter((l) => l.includes('unavailable;'))).toHaveLength(3);

      await server.start();
      expect(await primary.ready(5000)).toBe(true);
      expect((await state.rateLimiter.hit('key', 2)).allowed).toBe(true);
      await state.cache.set('k3', cacheEntry('back'), 60_000);
      expect(await state.cache.get('k3')).toEqual(cacheEntry('back'));
      expect(state.stats().rate_limit_fallbacks).toBe(3);
      expect(logs.filter((l) => l.includes('available again'))).toHaveLength(2);
    });

    test('with fail_closed, limits are refused with a 503 while Redis is down', async () => {
      const primary = redis(testPrefix('closed'));
      const { state } = failover(primary, false);
      expect(await primary.ready(5000)).toBe(true);
      await down(primary);
      const refusal = await state.rateLimiter.hit('key', 5).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(SharedStateUnavailableError);
      expect(refusal).toMatchObject({ status: 503, code: 'shared_state_unavailable' });
      expect(await state.ledger.tryReserve({ id: 'r', subject, amount: 0, limits: total(1) }).catch((e: unknown) => e)).toBeInstanceOf(
        SharedStateUnavailableError,
      );
      expect(state.stats().refusals).toBe(2);
      await server.start();
      expect(await primary.ready(5000)).toBe(true);
      expect((await state.rateLimiter.hit('key', 5)).allowed).toBe(true);
    });

    test('a server that stops answering is given up within the command timeout, and used again when it answers', async () => {
      const primary = redis(testPrefix('paused'), 200);
      const { state } = failover(primary, true);
      expect(await primary.ready(5000)).toBe(true);
      server.pause();
      try {
        const started = performance.now();
        expect((await state.rateLimiter.hit('key', 5)).allowed).toBe(true);
        const first = performance.now() - started;
        expect(first).toBeGreaterThanOrEqual(150);
        expect(first).toBeLessThan(1000);
        const again = performance.now();
        await state.rateLimiter.hit('key', 5);
        expect(performance.now() - again).toBeLessThan(50);
        expect(state.stats().rate_limit_fallbacks).toBe(2);
      } finally {
        server.resume();
      }
      expect(await primary.ready(5000)).toBe(true);
      await state.rateLimiter.hit('key', 5);
      expect(state.stats().rate_limit_fallbacks).toBe(2);
    });

    test('a primary turned replica (a failover) is left for a new connection, and used again once it is a primary', async () => {
      const primary = redis(testPrefix('replica'));
      const { state } = failover(primary, true);
      expect(await primary.ready(5000)).toBe(true);
      const role = (...args: string[]) => withClient(server.url, (c) => c.send('REPLICAOF', args));
      await role('127.0.0.1', '1');
      try {
        expect((await state.rateLimiter.hit('key', 5)).allowed).toBe(true);
        expect(state.stats().rate_limit_fallbacks).toBe(1);
      } finally {
        await role('NO', 'ONE');
      }
      expect(await primary.ready(5000)).toBe(true);
      await state.rateLimiter.hit('key', 5);
      expect(state.stats().rate_limit_fallbacks).toBe(1);
    });

    test('a server whose eviction policy could evict limits is reported at connect', async () => {
      logs = [];
      const policy = (value: string) => withClient(server.url, (c) => c.send('CONFIG', ['SET', 'maxmemory-policy', value]));
      await policy('volatile-lru');
      try {
        expect(await redis(testPrefix('policy')).ready(5000)).toBe(true);
        expect(logs.filter((l) => l.includes('maxmemory-policy is not noeviction') && l.includes('volatile-lru'))).toHaveLength(1);
      } finally {
        await policy('noeviction');
      }
    });

    test('invalidations published while Redis is down reach the other gateways once it is back, in order', async () => {
      const prefix = testPrefix('feed');
      const a = redis(prefix);
      const b = redis(prefix);
      expect((await a.ready(5000)) && (await b.ready(5000))).toBe(true);
      const heardA: string[] = [];
      const heardB: string[] = [];
      a.invalidations.subscribe((c) => heardA.push(c.id));
      b.invalidations.subscribe((c) => heardB.push(c.id));
      const change = (id: string): Invalidation => ({ topic: 'models', orgId: 'org_outage', id });
      await a.invalidations.publish(change('before'));
      await until(() => heardB.length === 1, 2000);

      await down(a);
      await a.invalidations.publish(change('during-1'));
      await a.invalidations.publish(change('during-2'));
      // Its own listeners know at once; the others cannot yet.
      expect(heardA).toEqual(['before', 'during-1', 'during-2']);
      expect(heardB).toEqual(['before']);

      await server.start();
      await until(() => heardB.length === 3, 5000);
      await b.invalidations.publish(change('after'));
      await until(() => heardA.length === 4, 2000);
      expect(heardB).toEqual(['before', 'during-1', 'during-2', 'after']);
      expect(heardA).toEqual(['before', 'during-1', 'during-2', 'after']);
    });
  });
}
