/**
 * The customer gate the proxy calls before any upstream call: the customer's
 * rate limit (429), then its period and total budgets (402), against billed
 * cost (with markup_percentage).
 *
 * used = committed usage (from the 15-minute buckets, followed live through
 * the store's usage events) + reservations of calls in flight. A call is
 * admitted when used < limit and used + its estimated cost <= limit; it then
 * reserves its estimate, and settle() replaces that with the real cost until
 * the call's span is committed. Check and reservation happen in one
 * synchronous step, so 50 parallel calls with room for 10 admit 10.
 */
import { LRUCache } from 'lru-cache';
import { BudgetExceededError, RateLimitError } from '../../errors.ts';
import { randomToken } from '../../lib/ids.ts';
import type { Logger } from '../../lib/log.ts';
import type { RateLimiter } from '../../lib/rate-limit.ts';
import { applyMarkup, roundCost } from '../../pricing/cost.ts';
import type { CustomerRecord, UsageEvent } from '../../store/customer-types.ts';
import { blankCustomer, mergeAttributes } from '../../store/customer-attrs.ts';
import type { Environment, Store } from '../../store/types.ts';
import { budgetWindow, type BudgetWindow } from './budget.ts';
import type { Admission, AdmitRequest, CustomerGate } from './gate.ts';
import type { ReservationLedger } from './reservations.ts';

interface Committed {
  /** The period the `period` figure covers. */
  start: number;
  end: number;
  period: number;
  total: number;
  loadedAt: number;
}

/** Committed figures are re-read after this long, to pick up writes from other processes. */
const REFRESH_MS = 60_000;

export function customerKey(orgId: string, env: Environment, identifier: string): string {
  return `${orgId}\u0000${env}\u0000${identifier}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class BudgetGate implements CustomerGate {
  private readonly committed = new LRUCache<string, Committed>({ max: 100_000 });

  constructor(
    private readonly store: Store,
    private readonly limiter: RateLimiter,
    private readonly ledger: ReservationLedger,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    store.customers.onUsage((events) => this.follow(events));
  }

  /** Forgets cached figures of a customer (after PATCH or DELETE). */
  forget(orgId: string, env: Environment, identifier: string): void {
    this.committed.delete(customerKey(orgId, env, identifier));
  }

  async admit(req: AdmitRequest): Promise<Admission> {
    const { orgId, environment, now } = req;
    const { customer_identifier: identifier, ...attrs } = req.customer;
    const key = customerKey(orgId, environment, identifier);
    const stored = await this.store.customers.get(orgId, environment, identifier);
    // The request's own customer_params define or refresh its budgets before the check.
    const c = mergeAttributes(stored ?? blankCustomer(orgId, environment, identifier, now), attrs);
    const info: Record<string, unknown> = { customer_identifier: identifier };

    if (c.rate_limit !== null) {
      info.rate_limit = c.rate_limit;
      const d = this.limiter.hit(`customer:${key}`, c.rate_limit, now);
      if (!d.allowed) {
        const refused = { ...info, allowed: false, reason: 'rate_limit', retry_after: d.retryAfterSeconds };
        this.log.warn('customer rate limit exceeded', { org_id: orgId, ...refused });
        throw new RateLimitError(d.retryAfterSeconds, refused);
      }
    }
    if (c.period_budget === null && c.total_budget === null) {
      return { limitInfo: { ...info, allowed: true }, settle() {}, release() {} };
    }

    const window = budgetWindow(c, now);
    await this.load(key, c, window, now);
    const estimated = await req.estimateCost();
    // From here on nothing awaits: check and reserve are one atomic step.
    const committed = this.committed.get(key) as Committed;
    const held = this.ledger.held(key, now);
    const estimate = applyMarkup(Math.max(0, estimated), c.markup_percentage);
    Object.assign(info, {
      estimated_cost: estimate,
      markup_percentage: c.markup_percentage,
      reserved_by_others: roundCost(held),
    });
    if (c.period_budget !== null) {
      Object.assign(info, {
        period_budget: c.period_budget,
        budget_duration: window.duration,
        period_start: iso(window.start),
        period_end: iso(window.end),
        period_usage: roundCost(committed.period),
        period_state: window.state,
      });
      if (window.state === 'active') this.check('period_budget', c, c.period_budget, committed.period + held, estimate, info, window);
    }
    if (c.total_budget !== null) {
      Object.assign(info, { total_budget: c.total_budget, total_usage: roundCost(committed.total) });
      this.check('total_budget', c, c.total_budget, committed.total + held, estimate, info, null);
    }
    const id = `res_${randomToken(16)}`;
    this.ledger.hold(key, id, estimate, now);
    const markup = c.markup_percentage;
    let open = true;
    return {
      limitInfo: { ...info, allowed: true, reservation_id: id },
      settle: (actualCost: number) => {
        if (!open) return;
        open = false;
        const billed = applyMarkup(Math.max(0, actualCost), markup);
        if (billed > 0) this.ledger.settle(key, id, billed, this.now());
        else this.ledger.drop(key, id);
      },
      release: () => {
        if (!open) return;
        open = false;
        this.ledger.drop(key, id);
      },
    };
  }

  private check(
    budget: 'period_budget' | 'total_budget',
    c: CustomerRecord,
    limit: number,
    used: number,
    estimate: number,
    info: Record<string, unknown>,
    window: BudgetWindow | null,
  ): void {
    if (used < limit && used + estimate <= limit) return;
    const details: Record<string, unknown> = { customer_identifier: c.customer_identifier };
    if (window) Object.assign(details, { budget_duration: window.duration, period_start: iso(window.start), period_end: iso(window.end) });
    const refused = { ...info, allowed: false, reason: budget, limit, used: roundCost(used) };
    this.log.warn('customer budget exhausted; call refused', { org_id: c.org_id, environment: c.environment, ...refused });
    throw new BudgetExceededError(budget, limit, roundCost(used), details, refused);
  }

  /** Makes sure the committed figures for this period are cached. */
  private async load(key: string, c: CustomerRecord, w: BudgetWindow, now: number): Promise<void> {
    const have = this.committed.get(key);
    if (have && have.start === w.start && have.end === w.end && now - have.loadedAt < REFRESH_MS) return;
    if (c.id === 0) {
      this.committed.set(key, { start: w.start, end: w.end, period: 0, total: 0, loadedAt: now });
      return;
    }
    const fresh = await this.store.customers.get(c.org_id, c.environment, c.customer_identifier);
    const period = await this.store.customers.billedIn(c.id, w);
    this.committed.set(key, { start: w.start, end: w.end, period, total: fresh?.billed ?? 0, loadedAt: now });
  }

  /** Committed spans: add them to cached figures and drop the reservations they settle. */
  private follow(events: UsageEvent[]): void {
    for (const e of events) {
      const key = customerKey(e.org_id, e.environment, e.customer_identifier);
      if (e.reservation_id) this.ledger.drop(key, e.reservation_id);
      const c = this.committed.get(key);
      if (!c) continue;
      c.total += e.billed;
      if (e.timestamp >= c.start && e.timestamp < c.end) c.period += e.billed;
    }
  }
}
