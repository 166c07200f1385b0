/** What the Redis implementations do beyond the shared-state contract: key layout, expiry, spend re-reads, the cache budget. */
import { afterAll, afterEach, describe, expect, test } from 'bun:test';
import { silentLogger } from '../../src/lib/log.ts';
import { openRedisState, type RedisState } from '../../src/store/redis/index.ts';
import type { BudgetSubject } from '../../src/store/state-types.ts';
import { deleteKeys, needRedis, testPrefix, TEST_REDIS_URL, withClient } from '../helpers/redis.ts';
import { cacheEntry, FakeSpend } from '../helpers/shared-state.ts';

const SUITE = 'redis shared state';

if (await needRedis(SUITE)) {
  const prefix = testPrefix('redis');
  let n = 0;
  let state: RedisState;
  let source: FakeSpend;
  const subject: BudgetSubject = { orgId: 'org_r', environment: 'test', identifier: 'customer' };
  const total = [{ budget: 'total_budget' as const, limit: 100, window: null }];
  afterEach(() => state.close());
  afterAll(() => deleteKeys(TEST_REDIS_URL, prefix));

  async function open(opts: { spendTtlMs?: number; cacheMaxBytes?: number } = {}): Promise<string> {
    const p = `${prefix}${++n}:`;
    source = new FakeSpend();
    state = openRedisState({
      url: TEST_REDIS_URL,
      prefix: p,
      source,
      log: silentLogger,
      holdTtlMs: 30_000,
      spendTtlMs: opts.spendTtlMs,
      cache: { maxBytes: opts.cacheMaxBytes ?? 1024 * 1024 },
    });
    expect(await state.ready(5000)).toBe(true);
    return p;
  }

  /** Every key under the prefix with its remaining TTL in ms (-1: none). */
  const ttls = (p: string) =>
    withClient(TEST_REDIS_URL, async (c) => {
      const [, keys] = (await c.send('SCAN', ['0', 'MATCH', `${p}*`, 'COUNT', '10000'])) as [string, string[]];
      const out: Record<string, number> = {};
      for (const k of keys) out[k.slice(p.length).replace(/[A-Za-z0-9_-]{22}/, 'H')] = Number(await c.send('PTTL', [k]));
      return out;
    });

  describe(SUITE, () => {
    test('every key is under the prefix; limit and budget keys expire by themselves, only bounded bookkeeping does not', async () => {
      const p = await open({ spendTtlMs: 20_000 });
      await state.rateLimiter.hit('key:one', 10);
      await state.ledger.tryReserve({ id: 'r', subject, amount: 1, limits: total });
      await state.cache.set('abc', cacheEntry('x'), 50_000);
      await state.invalidations.publish({ topic: 'prompts', orgId: 'org_r', id: 'p1' });
      const keys = await ttls(p);
      expect(Object.keys(keys).sort()).toEqual(['b:H:e', 'b:H:h', 'b:H:s:0:all', 'b:H:w', 'c:abc', 'cx:exp', 'cx:size', 'cx:total', 'inv', 'rl:H']);
      expect(keys['rl:H']).toBeWithin(1, 120_001);
      expect(keys['b:H:h']).toBeWithin(1, 30_001);
      expect(keys['b:H:e']).toBeWithin(1, 30_001);
      expect(keys['b:H:s:0:all']).toBeWithin(1, 20_001);
      expect(keys['b:H:w']).toBeWithin(1, 30_001);
      expect(keys['c:abc']).toBeWithin(1, 50_001);
      // The cache's own index, the invalidation log (trimmed) carry no TTL: noeviction keeps them, and they are bounded.
      for (const k of ['cx:exp', 'cx:size', 'cx:total', 'inv']) expect(keys[k]).toBe(-1);
    });

    test('committed spend is read again once it expires, and at once for everyone after forgetSpend', async () => {
      await open({ spendTtlMs: 150 });
      await state.ledger.tryReserve({ id: 'a', subject, amount: 0, limits: total });
      await state.ledger.tryReserve({ id: 'b', subject, amount: 0, limits: total });
      expect(source.reads).toBe(1);
      await Bun.sleep(200);
      source.add(subject, Date.now(), 2);
      expect((await state.ledger.tryReserve({ id: 'c', subject, amount: 0, limits: total })).usage[0]?.committed).toBe(2);
      expect(source.reads).toBe(2);
      source.add(subject, Date.now(), 3);
      await state.ledger.forgetSpend();
      expect((await state.ledger.tryReserve({ id: 'd', subject, amount: 0, limits: total })).usage[0]?.committed).toBe(5);
      expect(source.reads).toBe(3);
    });

    test('the cache stays within its byte budget, dropping the entries closest to expiry first', async () => {
      const p = await open({ cacheMaxBytes: 4000 });
      const big = (s: string) => cacheEntry(s.repeat(700));
      await state.cache.set('soon', big('a'), 10_000);
      await state.cache.set('late', big('b'), 60_000);
      await state.cache.set('middle', big('c'), 30_000);
      await state.cache.set('new', big('d'), 40_000);
      expect(await state.cache.get('soon')).toBeUndefined();
      for (const k of ['late', 'middle', 'new']) expect(await state.cache.get(k)).toBeDefined();
      const used = await withClient(TEST_REDIS_URL, (c) => c.send('GET', [`${p}cx:total`]));
      expect(Number(used)).toBeLessThanOrEqual(4000);
      expect(state.cache.stats().too_large).toBe(0);
    });
  });
}
