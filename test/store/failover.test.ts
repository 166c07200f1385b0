/** The failover wrapper's bookkeeping, against a primary that fails on command (no Redis needed). */
import { describe, expect, test } from 'bun:test';
import { silentLogger } from '../../src/lib/log.ts';
import { FailoverState, type SpendCachingLedger } from '../../src/store/failover.ts';
import { memoryState } from '../../src/store/memory/index.ts';
import { MemoryLedger } from '../../src/store/memory/ledger.ts';
import type { BudgetSubject, CommittedUsage, ReserveRequest, SharedState } from '../../src/store/state-types.ts';
import { FakeSpend } from '../helpers/shared-state.ts';

/** A memory ledger that records what it is asked and fails while `down`. */
class FlakyLedger implements SpendCachingLedger {
  down = false;
  readonly calls: string[] = [];
  private readonly inner = new MemoryLedger(new FakeSpend());

  private ask(call: string): void {
    this.calls.push(call);
    if (this.down) throw new Error('primary unreachable');
  }

  async tryReserve(req: ReserveRequest) {
    this.ask(`tryReserve ${req.id}`);
    return this.inner.tryReserve(req);
  }

  async settle(subject: BudgetSubject, id: string, amount: number) {
    this.ask(`settle ${id}`);
    return this.inner.settle(subject, id, amount);
  }

  async release(subject: BudgetSubject, id: string) {
    this.ask(`release ${id}`);
    return this.inner.release(subject, id);
  }

  async committed(usage: CommittedUsage[]) {
    this.ask(`committed ${usage.map((u) => `${u.reservationId}=${u.billed}`).join(',')}`);
    return this.inner.committed(usage);
  }

  async forgetSpend() {
    this.ask('forgetSpend');
  }
}

const subject: BudgetSubject = { orgId: 'org_f', environment: 'prod', identifier: 'c' };
const limits = [{ budget: 'total_budget' as const, limit: 10, window: null }];
const reserve = (id: string) => ({ id, subject, amount: 1, limits });
const used = (id: string, billed: number): CommittedUsage => ({ subject, timestamp: Date.now(), billed, reservationId: id });

function setup() {
  const ledger = new FlakyLedger();
  const base = memoryState({ source: new FakeSpend(), cacheMaxBytes: 1024 });
  const primary: SharedState & { ledger: FlakyLedger } = { ...base, ledger };
  const fallback = memoryState({ source: new FakeSpend(), cacheMaxBytes: 0 });
  const fallbackCalls: string[] = [];
  const fallbackLedger = {
    tryReserve: (r: ReserveRequest) => (fallbackCalls.push(`tryReserve ${r.id}`), fallback.ledger.tryReserve(r)),
    settle: (s: BudgetSubject, id: string, a: number) => (fallbackCalls.push(`settle ${id}`), fallback.ledger.settle(s, id, a)),
    release: (s: BudgetSubject, id: string) => (fallbackCalls.push(`release ${id}`), fallback.ledger.release(s, id)),
    committed: (u: CommittedUsage[]) => (fallbackCalls.push(`committed ${u.length}`), fallback.ledger.committed(u)),
  };
  const state = new FailoverState({ primary, fallback: { rateLimiter: fallback.rateLimiter, ledger: fallbackLedger }, log: silentLogger });
  return { state, ledger, fallbackCalls };
}

describe('failover state', () => {
  test('settle and release go to the side that made the reservation', async () => {
    const { state, ledger, fallbackCalls } = setup();
    await state.ledger.tryReserve(reserve('on-primary'));
    ledger.down = true;
    await state.ledger.tryReserve(reserve('on-fallback'));
    ledger.down = false;
    await state.ledger.settle(subject, 'on-fallback', 0.5);
    await state.ledger.release(subject, 'on-primary');
    expect(ledger.calls).toEqual(['tryReserve on-primary', 'tryReserve on-fallback', 'release on-primary']);
    expect(fallbackCalls).toEqual(['tryReserve on-fallback', 'settle on-fallback']);
    expect(state.stats()).toMatchObject({ budget_fallbacks: 1, ledger_errors: 0 });
  });

  test('committed spend reaches both sides', async () => {
    const { state, ledger, fallbackCalls } = setup();
    await state.ledger.committed([used('a', 1), used('b', 2)]);
    expect(ledger.calls).toEqual(['committed a=1,b=2']);
    expect(fallbackCalls).toEqual(['committed 2']);
  });

  test('commits the primary missed make it re-read spend and drop their holds before it decides again', async () => {
    const { state, ledger } = setup();
    await state.ledger.tryReserve(reserve('r1'));
    ledger.down = true;
    await state.ledger.committed([used('r1', 0.7)]);
    expect(state.stats().ledger_errors).toBe(1);
    ledger.down = false;
    expect((await state.ledger.tryReserve(reserve('r2'))).ok).toBe(true);
    // Their spend is in the database the fresh reads come from, so only the holds go (billed 0).
    expect(ledger.calls.slice(2)).toEqual(['forgetSpend', 'committed r1=0', 'tryReserve r2']);
    await state.ledger.tryReserve(reserve('r3'));
    expect(ledger.calls.slice(5)).toEqual(['tryReserve r3']);
  });

  test('a primary that fails to recover leaves the decision to the fallback and tries again next time', async () => {
    const { state, ledger, fallbackCalls } = setup();
    ledger.down = true;
    await state.ledger.committed([used('x', 1)]);
    await state.ledger.tryReserve(reserve('r1'));
    expect(fallbackCalls).toContain('tryReserve r1');
    ledger.down = false;
    await state.ledger.tryReserve(reserve('r2'));
    expect(ledger.calls.slice(-3)).toEqual(['forgetSpend', 'committed x=0', 'tryReserve r2']);
  });
});
