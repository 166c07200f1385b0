/**
 * The customer gate the proxy calls before any upstream call: the customer's
 * rate limit (429), then its period and total budgets (402), against billed
 * cost (with markup_percentage).
 *
 * Both decisions belong to the shared state (src/store/state-types.ts), so
 * every gateway process sharing a backend enforces one limit: the rate
 * limiter counts hits across processes, and the reservation ledger admits a
 * call only when committed spend + what other calls in flight hold + this
 * call's estimate fits every budget, holding the estimate in the same atomic
 * step. settle() replaces the hold with the real cost until the call's span is
 * committed; 50 parallel calls with room for 10 admit 10, however they are
 * spread over gateways.
 *
 * While the database cannot be reached, a customer this gateway read in the
 * last `OUTAGE_GRACE_MS` is taken as it last read it, so calls for it go on
 * when its limits can still be decided (a rate limit or budget in Redis); one
 * it has not seen, or a budget that needs spend from the database, is a 503.
 */
import { LRUCache } from 'lru-cache';
import { BudgetExceededError, RateLimitError, StorageUnavailableError } from '../../errors.ts';
import { randomToken } from '../../lib/ids.ts';
import type { Logger } from '../../lib/log.ts';
import { applyMarkup, roundCost } from '../../pricing/cost.ts';
import { blankCustomer, mergeAttributes } from '../../store/customer-attrs.ts';
import type { BudgetLimit, BudgetSubject, RateLimiter, ReservationLedger } from '../../store/state-types.ts';
import type { CustomerRecord } from '../../store/customer-types.ts';
import type { Environment, Store } from '../../store/types.ts';
import { budgetWindow } from './budget.ts';
import type { Admission, AdmitRequest, CustomerGate } from './gate.ts';

export function customerKey(orgId: string, env: Environment, identifier: string): string {
  return `${orgId}\u0000${env}\u0000${identifier}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

const OUTAGE_GRACE_MS = 10 * 60_000;

export class BudgetGate implements CustomerGate {
  /** The last record read per customer (null: none stored), for a database outage only. */
  private readonly lastRead = new LRUCache<string, { record: CustomerRecord | null }>({ max: 10_000, ttl: OUTAGE_GRACE_MS });

  constructor(
    private readonly store: Store,
    private readonly limiter: RateLimiter,
    private readonly ledger: ReservationLedger,
    private readonly log: Logger,
  ) {}

  private async read(orgId: string, environment: Environment, identifier: string): Promise<CustomerRecord | null> {
    const key = customerKey(orgId, environment, identifier);
    try {
      const record = await this.store.customers.get(orgId, environment, identifier);
      this.lastRead.set(key, { record });
      return record;
    } catch (err) {
      const known = err instanceof StorageUnavailableError ? this.lastRead.get(key) : undefined;
      if (!known) throw err;
      return known.record;
    }
  }

  async admit(req: AdmitRequest): Promise<Admission> {
    const { orgId, environment, now } = req;
    const { customer_identifier: identifier, ...attrs } = req.customer;
    const stored = await this.read(orgId, environment, identifier);
    // The request's own customer_params define or refresh its budgets before the check.
    const c = mergeAttributes(stored ?? blankCustomer(orgId, environment, identifier, now), attrs);
    const info: Record<string, unknown> = { customer_identifier: identifier };

    if (c.rate_limit !== null) {
      info.rate_limit = c.rate_limit;
      const d = await this.limiter.hit(`customer:${customerKey(orgId, environment, identifier)}`, c.rate_limit);
      if (!d.allowed) {
        const refused = { ...info, allowed: false, reason: 'rate_limit', retry_after: d.retryAfterSeconds };
        this.log.warn('customer rate limit exceeded', { org_id: orgId, ...refused });
        throw new RateLimitError(d.retryAfterSeconds, refused);
      }
    }
    if (c.period_budget === null && c.total_budget === null) {
      return { limitInfo: { ...info, allowed: true }, settle: async () => {}, release: async () => {} };
    }

    const subject: BudgetSubject = { orgId, environment, identifier };
    const window = budgetWindow(c, now);
    const estimate = applyMarkup(Math.max(0, await req.estimateCost()), c.markup_percentage);
    Object.assign(info, { estimated_cost: estimate, markup_percentage: c.markup_percentage });
    const limits: BudgetLimit[] = [];
    if (c.period_budget !== null) {
      Object.assign(info, {
        period_budget: c.period_budget,
        budget_duration: window.duration,
        period_start: iso(window.start),
        period_end: iso(window.end),
        period_state: window.state,
      });
      if (window.state === 'active') limits.push({ budget: 'period_budget', limit: c.period_budget, window });
      else info.period_usage = roundCost(await this.store.customers.billed(orgId, environment, identifier, window));
    }
    if (c.total_budget !== null) {
      info.total_budget = c.total_budget;
      limits.push({ budget: 'total_budget', limit: c.total_budget, window: null });
    }
    const id = `res_${randomToken(16)}`;
    const outcome = await this.ledger.tryReserve({ id, subject, amount: estimate, limits });
    limits.forEach((l, i) => {
      const u = outcome.usage[i];
      if (!u) return;
      info[l.budget === 'period_budget' ? 'period_usage' : 'total_usage'] = roundCost(u.committed);
      info.reserved_by_others = roundCost(u.held);
    });
    if (!outcome.ok) {
      const details: Record<string, unknown> = { customer_identifier: identifier };
      if (outcome.budget === 'period_budget') {
        Object.assign(details, { budget_duration: window.duration, period_start: iso(window.start), period_end: iso(window.end) });
      }
      const refused = { ...info, allowed: false, reason: outcome.budget, limit: outcome.limit, used: roundCost(outcome.used) };
      this.log.warn('customer budget exhausted; call refused', { org_id: orgId, environment, ...refused });
      throw new BudgetExceededError(outcome.budget, outcome.limit, roundCost(outcome.used), details, refused);
    }
    if (!('reserved_by_others' in info)) info.reserved_by_others = 0;
    const markup = c.markup_percentage;
    let open = true;
    const failed = (err: unknown) => this.log.warn('budget hold not updated; it expires by itself', { error: String(err) });
    return {
      limitInfo: { ...info, allowed: true, reservation_id: id },
      settle: async (actualCost: number) => {
        if (!open) return;
        open = false;
        const billed = applyMarkup(Math.max(0, actualCost), markup);
        await (billed > 0 ? this.ledger.settle(subject, id, billed) : this.ledger.release(subject, id)).catch(failed);
      },
      release: async () => {
        if (!open) return;
        open = false;
        await this.ledger.release(subject, id).catch(failed);
      },
    };
  }
}
