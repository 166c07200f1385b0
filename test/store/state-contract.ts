/**
 * The contract every shared-state implementation must pass (src/store/state-types.ts):
 * rate limits, budget reservations, the response cache and the invalidation
 * feed. A harness opens a fresh deployment with one or more handles on it,
 * the way separate gateway processes would hold it; decisions spread over the
 * handles must come out as if one process took them all.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import type { Range } from '../../src/lib/periods.ts';
import type {
  BudgetLimit,
  BudgetSubject,
  CommittedSpendSource,
  Invalidation,
  LimitUsage,
  ReserveOutcome,
  SharedState,
} from '../../src/store/state-types.ts';
import { cacheEntry as entry, FakeSpend, until } from '../helpers/shared-state.ts';

export interface OpenOptions {
  source: CommittedSpendSource;
  /** How long an unsettled hold lives. */
  holdTtlMs: number;
  /** The cache's byte budget: an entry larger than it is not stored. */
  cacheMaxBytes: number;
  handles: number;
}

export interface Deployment {
  /** Handles on one shared state; a single-process implementation may hand out the same object. */
  states: SharedState[];
  /** Cuts every feed subscription at the backend, as a network failure would (with `StateHarness.cutsSubscriptions`). */
  dropSubscriptions?(): Promise<void>;
  /** Checks after each test (e.g. that nothing fell back). */
  verify?(): void;
}

export interface StateHarness {
  name: string;
  open(opts: OpenOptions): Promise<Deployment>;
  /** The response cache is per process by design (one host): entries are not shared between handles. */
  cachePerProcess?: boolean;
  /** Whether deployments can have their feed subscriptions cut (a backend with connections). */
  cutsSubscriptions?: boolean;
  /** A state as the gateway would use it whose backend cannot be reached; absent when there is no backend. */
  openDead?(): Promise<SharedState>;
}

const NOW = Date.now();
const MONTH: Range = { start: NOW - 15 * 86_400_000, end: NOW + 15 * 86_400_000 };
const total = (limit: number): BudgetLimit => ({ budget: 'total_budget', limit, window: null });
const period = (limit: number, window: Range = MONTH): BudgetLimit => ({ budget: 'period_budget', limit, window });

let subjects = 0;
function customer(): BudgetSubject {
  return { orgId: 'org_contract', environment: 'prod', identifier: `customer-${++subjects}-\u00e9 ${NOW}` };
}

let reservations = 0;
const rid = () => `res_contract_${++reservations}`;

const admitted = (outcomes: ReserveOutcome[]) => outcomes.filter((o) => o.ok).length;

export function stateContract(h: StateHarness): void {
  describe(`shared state contract: ${h.name}`, () => {
    let deployment: Deployment;
    let source: FakeSpend;
    /** Handle i of the deployment, round robin. */
    const on = (i: number) => deployment.states[i % deployment.states.length] as SharedState;

    async function open(over: Partial<OpenOptions> = {}): Promise<void> {
      source = new FakeSpend();
      deployment = await h.open({ source, holdTtlMs: 60_000, cacheMaxBytes: 1024 * 1024, handles: 2, ...over });
    }

    afterEach(async () => {
      deployment.verify?.();
      await Promise.all([...new Set(deployment.states)].map((s) => s.close()));
    });

    /** A span committed to the database, then reported to the ledger, as the span writer does. */
    async function commit(subject: BudgetSubject, billed: number, reservationId: string | null, timestamp = NOW, via = 0) {
      source.add(subject, timestamp, billed);
      await on(via).ledger.committed([{ subject, timestamp, billed, reservationId }]);
    }

    /** What a zero-amount probe through handle `via` sees for the limits. */
    async function usage(subject: BudgetSubject, limits: BudgetLimit[], via = 0): Promise<LimitUsage[]> {
      const out = await on(via).ledger.tryReserve({ id: rid(), subject, amount: 0, limits: limits.map((l) => ({ ...l, limit: 1e9 })) });
      return out.usage;
    }

    describe('rate limiter', () => {
      test('a limit of 4 per minute admits exactly 4 of 20 parallel hits, over every handle', async () => {
        await open({ handles: 3 });
        const hits = await Promise.all(Array.from({ length: 20 }, (_, i) => on(i).rateLimiter.hit('customer:rate-4', 4)));
        expect(hits.filter((d) => d.allowed)).toHaveLength(4);
        for (const d of hits) {
          if (d.allowed) expect(d.retryAfterSeconds).toBe(0);
          else expect(d.retryAfterSeconds).toBeWithin(1, 61);
        }
      });

      test('each key has its own window; a limit of 0 refuses everything', async () => {
        await open();
        expect((await on(0).rateLimiter.hit('key:a', 1)).allowed).toBe(true);
        expect((await on(1).rateLimiter.hit('key:a', 1)).allowed).toBe(false);
        expect((await on(1).rateLimiter.hit('key:b', 1)).allowed).toBe(true);
        expect((await on(0).rateLimiter.hit('key:c', 0)).allowed).toBe(false);
      });
    });

    describe('reservation ledger', () => {
      test('50 parallel reservations with room for 10 admit exactly 10, over every handle', async () => {
        await open({ handles: 3 });
        const subject = customer();
        const outcomes = await Promise.all(
          Array.from({ length: 50 }, (_, i) => on(i).ledger.tryReserve({ id: rid(), subject, amount: 0.1, limits: [period(1)] })),
        );
        expect(admitted(outcomes)).toBe(10);
        for (const o of outcomes) {
          expect(o.usage).toHaveLength(1);
          expect(o.usage[0]?.committed).toBe(0);
          if (!o.ok) expect(o).toMatchObject({ budget: 'period_budget', limit: 1 });
        }
      });

      test('amounts that do not add up exactly in binary still fill the budget (3 x 0.1 under 0.3)', async () => {
        await open();
        const subject = customer();
        const outcomes = [];
        for (let i = 0; i < 4; i++) outcomes.push(await on(i).ledger.tryReserve({ id: rid(), subject, amount: 0.1, limits: [total(0.3)] }));
        expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, false]);
      });

      test('committed spend comes from the source, per window: a period counts its own, the total all', async () => {
        await open();
        const subject = customer();
        source.add(subject, NOW, 0.75);
        source.add(subject, MONTH.start - 1, 5);
        const outcomes = await Promise.all(
          Array.from({ length: 6 }, (_, i) => on(i).ledger.tryReserve({ id: rid(), subject, amount: 0.1, limits: [period(1), total(100)] })),
        );
        expect(admitted(outcomes)).toBe(2);
        expect(outcomes[0]?.usage.map((u) => u.committed)).toEqual([0.75, 5.75]);
      });

      test('concurrent first reservations of a customer read its spend once per window, correctly', async () => {
        await open({ handles: 3 });
        const subject = customer();
        source.add(subject, NOW, 0.5);
        source.delayMs = 30;
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, (_, i) => on(i).ledger.tryReserve({ id: rid(), subject, amount: 0.1, limits: [total(1)] })),
        );
        expect(admitted(outcomes)).toBe(5);
      });

      test('a refusal names the first limit that refuses; used = committed + what others hold', async () => {
        await open();
        const subject = customer();
        source.add(subject, NOW, 0.1);
        const limits = [total(10), period(0.5)];
        expect((await on(0).ledger.tryReserve({ id: rid(), subject, amount: 0.3, limits })).ok).toBe(true);
        const refused = await on(1).ledger.tryReserve({ id: rid(), subject, amount: 0.2, limits });
        expect(refused).toMatchObject({ ok: false, budget: 'period_budget', limit: 0.5 });
        if (refused.ok) return;
        expect(refused.used).toBeCloseTo(0.4, 12);
        expect(refused.usage).toHaveLength(2);
        expect(refused.usage[0]?.committed).toBeCloseTo(0.1, 12);
        expect(refused.usage[1]?.held).toBeCloseTo(0.3, 12);
      });

      test('a budget used up refuses even a call estimated at nothing', async () => {
        await open();
        const subject = customer();
        source.add(subject, NOW, 1);
        const out = await on(0).ledger.tryReserve({ id: rid(), subject, amount: 0, limits: [total(1)] });
        expect(out).toMatchObject({ ok: false, budget: 'total_budget', used: 1 });
      });

      test('release gives a hold back; releasing again or an unknown id changes nothing', async () => {
        await open();
        const subject = customer();
        const id = rid();
        expect((await on(0).ledger.tryReserve({ id, subject, amount: 1, limits: [total(1)] })).ok).toBe(true);
        expect((await on(1).ledger.tryReserve({ id: rid(), subject, amount: 0.5, limits: [total(1)] })).ok).toBe(false);
        await on(1).ledger.release(subject, id);
        await on(0).ledger.release(subject, id);
        await on(0).ledger.release(subject, 'res_unknown');
        expect((await on(0).ledger.tryReserve({ id: rid(), subject, amount: 0.5, limits: [total(1)] })).ok).toBe(true);
      });

      test('settle replaces the estimate with the real cost; settling an unknown id holds nothing', async () => {
        await open();
        const subject = customer();
        const id = rid();
        await on(0).ledger.tryReserve({ id, subject, amount: 0.8, limits: [total(1)] });
        await on(1).ledger.settle(subject, id, 0.25);
        await on(1).ledger.settle(subject, 'res_unknown', 5);
        const [u] = await usage(subject, [total(1)]);
        expect(u?.held).toBeCloseTo(0.25, 12);
        expect((await on(0).ledger.tryReserve({ id: rid(), subject, amount: 0.75, limits: [total(1)] })).ok).toBe(true);
      });

      test('committed() drops the hold and adds the spend in one step, seen by every handle', async () => {
        await open();
        const subject = customer();
        const id = rid();
        await on(0).ledger.tryReserve({ id, subject, amount: 0.5, limits: [period(1), total(1)] });
        await on(0).ledger.settle(subject, id, 0.3);
        await commit(subject, 0.3, id, NOW, 1);
        for (const via of [0, 1]) {
          const u = await usage(subject, [period(1), total(1)], via);
          expect(u.map((x) => x.held)).toEqual([0, 0]);
          expect(u[0]?.committed).toBeCloseTo(0.3, 12);
          expect(u[1]?.committed).toBeCloseTo(0.3, 12);
        }
      });

      test('spend committed without a reservation counts (ingested logs), and only in windows holding its time', async () => {
        await open();
        const subject = customer();
        await usage(subject, [period(1), total(1)]);
        await commit(subject, 0.2, null);
        await commit(subject, 0.4, null, MONTH.end + 1);
        const u = await usage(subject, [period(1), total(1)], 1);
        expect(u[0]?.committed).toBeCloseTo(0.2, 12);
        expect(u[1]?.committed).toBeCloseTo(0.6, 12);
      });

      test('a hold dropped while committed spend is being read is never lost from the decision', async () => {
        await open();
        const subject = customer();
        const id = rid();
        expect((await on(0).ledger.tryReserve({ id, subject, amount: 0.5, limits: [total(100)] })).ok).toBe(true);
        // The next read (of the period's spend) takes its snapshot, then the span commits and its hold is dropped.
        let committing: Promise<void> = Promise.resolve();
        source.onNextRead = () => {
          committing = commit(subject, 0.5, id, NOW, 1);
        };
        source.delayMs = 100;
        const out = await on(0).ledger.tryReserve({ id: rid(), subject, amount: 0.6, limits: [total(100), period(1)] });
        await committing;
        expect(out).toMatchObject({ ok: false, budget: 'period_budget' });
        if (!out.ok) expect(out.used).toBeGreaterThanOrEqual(0.5);
      });

      test('a hold never settled or committed expires', async () => {
        await open({ holdTtlMs: 300 });
        const subject = customer();
        expect((await on(0).ledger.tryReserve({ id: rid(), subject, amount: 1, limits: [total(1)] })).ok).toBe(true);
        expect((await on(1).ledger.tryReserve({ id: rid(), subject, amount: 0.1, limits: [total(1)] })).ok).toBe(false);
        await Bun.sleep(450);
        expect((await on(1).ledger.tryReserve({ id: rid(), subject, amount: 1, limits: [total(1)] })).ok).toBe(true);
      });

      test('settle restarts a hold expiry; a settled hold whose span never commits expires too', async () => {
        // Margins of 600 ms on each side: a loaded machine oversleeps by hundreds of ms.
        await open({ holdTtlMs: 1200 });
        const subject = customer();
        const id = rid();
        await on(0).ledger.tryReserve({ id, subject, amount: 1, limits: [total(1)] });
        await Bun.sleep(600);
        await on(1).ledger.settle(subject, id, 1);
        await Bun.sleep(600);
        expect((await on(0).ledger.tryReserve({ id: rid(), subject, amount: 0.1, limits: [total(1)] })).ok).toBe(false);
        await Bun.sleep(800);
        expect((await on(0).ledger.tryReserve({ id: rid(), subject, amount: 0.1, limits: [total(1)] })).ok).toBe(true);
      });
    });

    describe('response cache', () => {
      test('a miss is undefined; an entry set is read back, stream chunks included, and a set replaces it', async () => {
        await open();
        expect(await on(0).cache.get('contract-miss')).toBeUndefined();
        const e = entry('hello', 40);
        await on(0).cache.set('contract-hit', e, 60_000);
        expect(await on(0).cache.get('contract-hit')).toEqual(e);
        await on(0).cache.set('contract-hit', entry('replaced'), 60_000);
        expect(await on(0).cache.get('contract-hit')).toEqual(entry('replaced'));
      });

      test.skipIf(h.cachePerProcess === true)('an entry set through one handle is a hit through another', async () => {
        await open();
        await on(0).cache.set('contract-shared', entry('shared', 3), 60_000);
        expect(await on(1).cache.get('contract-shared')).toEqual(entry('shared', 3));
      });

      test('an entry expires after its TTL', async () => {
        await open();
        await on(0).cache.set('contract-ttl', entry('soon gone'), 200);
        expect(await on(0).cache.get('contract-ttl')).toBeDefined();
        await Bun.sleep(350);
        expect(await on(0).cache.get('contract-ttl')).toBeUndefined();
      });

      test('an entry larger than the budget is not stored, and others are kept', async () => {
        await open({ cacheMaxBytes: 64 * 1024 });
        await on(0).cache.set('contract-small', entry('small'), 60_000);
        await on(0).cache.set('contract-huge', entry('x'.repeat(100 * 1024)), 60_000);
        expect(await on(0).cache.get('contract-huge')).toBeUndefined();
        expect(await on(0).cache.get('contract-small')).toBeDefined();
      });

      test.skipIf(!h.openDead)('with the backend unreachable, a get is a quick miss and a set does nothing', async () => {
        deployment = { states: [await (h.openDead as () => Promise<SharedState>)()] };
        const started = performance.now();
        await on(0).cache.set('contract-dead', entry('lost'), 60_000);
        expect(await on(0).cache.get('contract-dead')).toBeUndefined();
        expect(performance.now() - started).toBeLessThan(500);
      });
    });

    describe('invalidation feed', () => {
      const change = (i: number, from: string): Invalidation => ({ topic: 'keys', orgId: 'org_contract', id: `${from}-${i}` });

      test('every listener on every handle gets every invalidation, its own included, in publish order per publisher', async () => {
        await open();
        const seen: Invalidation[][] = [[], [], [], []];
        for (const [i, list] of seen.entries()) on(i).invalidations.subscribe((c) => list.push(c));
        for (let i = 0; i < 5; i++) {
          await on(0).invalidations.publish(change(i, 'a'));
          await on(1).invalidations.publish(change(i, 'b'));
        }
        await until(() => seen.every((l) => l.length >= 10), 2000);
        for (const list of seen) {
          expect(list).toHaveLength(10);
          expect(list.filter((c) => c.id.startsWith('a-')).map((c) => c.id)).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
          expect(list.filter((c) => c.id.startsWith('b-')).map((c) => c.id)).toEqual(['b-0', 'b-1', 'b-2', 'b-3', 'b-4']);
        }
      });

      test('an unsubscribed listener hears nothing more; a listener that throws does not stop the others', async () => {
        await open();
        const heard: string[] = [];
        const off = on(1).invalidations.subscribe((c) => heard.push(`gone ${c.id}`));
        on(1).invalidations.subscribe(() => {
          throw new Error('listener bug');
        });
        on(1).invalidations.subscribe((c) => heard.push(c.id));
        off();
        await on(0).invalidations.publish(change(1, 'x'));
        await until(() => heard.length > 0, 2000);
        await Bun.sleep(50);
        expect(heard).toEqual(['x-1']);
      });

      test.skipIf(!h.cutsSubscriptions)('invalidations published while a subscription is cut are delivered once it is back, in order, once', async () => {
        await open();
        const heard: string[] = [];
        on(1).invalidations.subscribe((c) => heard.push(c.id));
        await on(0).invalidations.publish(change(0, 'd'));
        await until(() => heard.length === 1, 2000);
        await deployment.dropSubscriptions?.();
        for (let i = 1; i <= 3; i++) await on(0).invalidations.publish(change(i, 'd'));
        await until(() => heard.length >= 4, 2000);
        await on(0).invalidations.publish(change(4, 'd'));
        await until(() => heard.length >= 5, 2000);
        await Bun.sleep(100);
        expect(heard).toEqual(['d-0', 'd-1', 'd-2', 'd-3', 'd-4']);
      });
    });
  });
}
