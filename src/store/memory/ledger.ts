/**
 * Budget reservations for a single process. Committed spend per customer and
 * window is read once from the CommittedSpendSource, then followed through
 * committed() (and re-read every `refreshMs`, which also repairs what a lost
 * event would leave wrong). Holds live in memory with an expiry.
 *
 * The gap between reading committed spend and dropping holds: while a read
 * is in flight, committed() may drop a hold whose span the read did not see.
 * Every committed amount that arrives during a read is therefore added to what
 * the read returns. A span both read and added counts twice until the next
 * refresh, which only refuses early; a span dropped as a hold but missing from
 * spend, which would admit past the budget, cannot happen.
 */
import type { Range } from '../../lib/periods.ts';
import { checkAmount, decide, inWindow, subjectKey, windowName } from '../budget-rule.ts';
import type {
  BudgetSubject,
  CommittedSpendSource,
  CommittedUsage,
  ReservationLedger,
  ReserveOutcome,
  ReserveRequest,
} from '../state-types.ts';

export interface LedgerOptions {
  /** How long a hold lives without settle or commit, and after settle (default 10 min). */
  holdTtlMs?: number;
  /** How long committed spend read from the source is trusted (default 60 s). */
  refreshMs?: number;
  now?: () => number;
}

interface Hold {
  nano: number;
  expiresAt: number;
}

interface Spend {
  window: Range | null;
  value: number;
  loadedAt: number;
  loading: Promise<void> | null;
  /** Committed while `loading` was in flight. */
  arrived: number;
}

interface Customer {
  /** In expiry order: every hold lives holdTtlMs from when it was made or settled, and is re-inserted then. */
  holds: Map<string, Hold>;
  /** What the holds sum to, in whole nano-dollars (exact, like the Redis ledger's). */
  heldNano: number;
  spend: Map<string, Spend>;
}

export class MemoryLedger implements ReservationLedger {
  private readonly customers = new Map<string, Customer>();
  private readonly holdTtlMs: number;
  private readonly refreshMs: number;
  private readonly now: () => number;
  private sweptAt = 0;

  constructor(
    private readonly source: CommittedSpendSource,
    opts: LedgerOptions = {},
  ) {
    this.holdTtlMs = opts.holdTtlMs ?? 10 * 60_000;
    this.refreshMs = opts.refreshMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  async tryReserve(req: ReserveRequest): Promise<ReserveOutcome> {
    checkAmount(req.amount);
    const key = subjectKey(req.subject);
    for (;;) {
      const c = this.customer(key);
      await Promise.all(req.limits.map((l) => this.load(c, req.subject, l.window)));
      // No await from here on: check and hold are one step.
      if (this.customers.get(key) !== c) continue; // swept while loading; its holds went with it
      const now = this.now();
      const held = this.held(c, req.id, now);
      const usage = req.limits.map((l) => ({ committed: (c.spend.get(windowName(l.window)) as Spend).value, held }));
      const outcome = decide(req.limits, usage, req.amount);
      if (outcome.ok) this.hold(c, req.id, req.amount, now);
      return outcome;
    }
  }

  async settle(subject: BudgetSubject, id: string, amount: number): Promise<void> {
    checkAmount(amount);
    const c = this.customers.get(subjectKey(subject));
    if (!c) return;
    const now = this.now();
    this.expire(c, now);
    if (c.holds.has(id)) this.hold(c, id, amount, now);
  }

  async release(subject: BudgetSubject, id: string): Promise<void> {
    const c = this.customers.get(subjectKey(subject));
    if (c) this.drop(c, id);
  }

  async committed(usage: CommittedUsage[]): Promise<void> {
    for (const u of usage) {
      const c = this.customers.get(subjectKey(u.subject));
      if (!c) continue;
      // Dropping the hold and adding the spend happen in one step.
      if (u.reservationId !== null) this.drop(c, u.reservationId);
      for (const s of c.spend.values()) {
        if (!inWindow(s.window, u.timestamp)) continue;
        s.value += u.billed;
        if (s.loading) s.arrived += u.billed;
      }
    }
  }

  private customer(key: string): Customer {
    let c = this.customers.get(key);
    if (!c) {
      this.sweep();
      c = { holds: new Map(), heldNano: 0, spend: new Map() };
      this.customers.set(key, c);
    }
    return c;
  }

  /** Makes sure the window's committed spend is loaded and fresh; one read at a time per window. */
  private load(c: Customer, subject: BudgetSubject, window: Range | null): Promise<void> | undefined {
    const name = windowName(window);
    let s = c.spend.get(name);
    if (s?.loading) return s.loading;
    if (s && this.now() - s.loadedAt < this.refreshMs) return undefined;
    if (!s) {
      s = { window, value: 0, loadedAt: -Infinity, loading: null, arrived: 0 };
      c.spend.set(name, s);
    }
    const spend = s;
    spend.arrived = 0;
    // The read starts once `loading` is set, so no commit can slip in before `arrived` counts it.
    spend.loading = Promise.resolve()
      .then(() => this.source.billed(subject, window))
      .then((billed) => {
        spend.value = billed + spend.arrived;
        spend.loadedAt = this.now();
      })
      .finally(() => {
        spend.loading = null;
      });
    return spend.loading;
  }

  /** What the customer's live holds other than `id` sum to (USD). */
  private held(c: Customer, id: string, now: number): number {
    this.expire(c, now);
    return (c.heldNano - (c.holds.get(id)?.nano ?? 0)) / 1e9;
  }

  private hold(c: Customer, id: string, usd: number, now: number): void {
    this.drop(c, id);
    const nano = Math.round(usd * 1e9);
    c.holds.set(id, { nano, expiresAt: now + this.holdTtlMs });
    c.heldNano += nano;
  }

  private drop(c: Customer, id: string): void {
    const h = c.holds.get(id);
    if (!h) return;
    c.holds.delete(id);
    c.heldNano -= h.nano;
  }

  /** Holds are in expiry order: the expired ones are at the front. */
  private expire(c: Customer, now: number): void {
    for (const [id, h] of c.holds) {
      if (h.expiresAt > now) break;
      this.drop(c, id);
    }
  }

  /** At most once per refresh period: forgets customers with no live hold and no fresh or loading spend. */
  private sweep(): void {
    const now = this.now();
    if (now - this.sweptAt < this.refreshMs) return;
    this.sweptAt = now;
    for (const [key, c] of this.customers) {
      this.expire(c, now);
      if (c.holds.size > 0) continue;
      let live = false;
      for (const s of c.spend.values()) if (s.loading || now - s.loadedAt < this.refreshMs) live = true;
      if (!live) this.customers.delete(key);
    }
  }
}
