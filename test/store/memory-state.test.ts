/** What the memory implementations do beyond the shared-state contract: they run on an injected clock. */
import { describe, expect, test } from 'bun:test';
import { MemoryLedger } from '../../src/store/memory/ledger.ts';
import { MemoryRateLimiter } from '../../src/store/memory/rate-limiter.ts';
import type { BudgetSubject } from '../../src/store/state-types.ts';
import { FakeSpend } from '../helpers/shared-state.ts';

const subject: BudgetSubject = { orgId: 'org_m', environment: 'prod', identifier: 'c' };
const limits = [{ budget: 'total_budget' as const, limit: 1, window: null }];

describe('memory rate limiter', () => {
  test('a minute later the previous minute still counts by how much of it the window overlaps', async () => {
    const clock = { now: 10 * 60_000 };
    const limiter = new MemoryRateLimiter(() => clock.now);
    for (let i = 0; i < 4; i++) expect((await limiter.hit('k', 4)).allowed).toBe(true);
    clock.now += 60_000;
    expect(await limiter.hit('k', 4)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    clock.now += 15_000; // 3/4 of the previous minute overlaps: 3 + 1 fits
    expect((await limiter.hit('k', 4)).allowed).toBe(true);
    expect((await limiter.hit('k', 4)).allowed).toBe(false);
  });
});

describe('memory ledger', () => {
  test('committed spend is read again after refreshMs, picking up what it was not told', async () => {
    const clock = { now: 1_000_000 };
    const source = new FakeSpend();
    const ledger = new MemoryLedger(source, { refreshMs: 1000, now: () => clock.now });
    expect((await ledger.tryReserve({ id: 'a', subject, amount: 0, limits })).usage[0]?.committed).toBe(0);
    source.add(subject, clock.now, 0.5);
    expect((await ledger.tryReserve({ id: 'b', subject, amount: 0, limits })).usage[0]?.committed).toBe(0);
    clock.now += 1000;
    expect((await ledger.tryReserve({ id: 'c', subject, amount: 0, limits })).usage[0]?.committed).toBe(0.5);
    expect(source.reads).toBe(2);
  });

  test('a failed read fails the reservation, and the next one reads again', async () => {
    let fail = true;
    const source = { billed: async () => (fail ? Promise.reject(new Error('database down')) : 0.25) };
    const ledger = new MemoryLedger(source);
    await expect(ledger.tryReserve({ id: 'a', subject, amount: 0.1, limits })).rejects.toThrow('database down');
    fail = false;
    expect((await ledger.tryReserve({ id: 'b', subject, amount: 0.1, limits })).usage[0]?.committed).toBe(0.25);
  });

  test('holds expire on the injected clock', async () => {
    const clock = { now: 0 };
    const ledger = new MemoryLedger(new FakeSpend(), { holdTtlMs: 100, now: () => clock.now });
    expect((await ledger.tryReserve({ id: 'a', subject, amount: 1, limits })).ok).toBe(true);
    expect((await ledger.tryReserve({ id: 'b', subject, amount: 1, limits })).ok).toBe(false);
    clock.now = 100;
    expect((await ledger.tryReserve({ id: 'c', subject, amount: 1, limits })).ok).toBe(true);
  });
});
