/**
 * The admission rule every ReservationLedger applies, in one place: the memory
 * ledger calls it, the Redis script receives BUDGET_EPSILON from here, and the
 * database ledgers use the same comparison.
 *
 * Amounts are USD doubles. Sums of holds drift in the last bits (0.1 + 0.2 is
 * 0.30000000000000004), which without a tolerance would refuse the third of
 * three 0.1 calls under a 0.3 budget; a nano-dollar tolerance absorbs the
 * drift and is far below any price.
 */
import type { Range } from '../lib/periods.ts';
import type { BudgetLimit, BudgetSubject, LimitUsage, ReserveOutcome } from './state-types.ts';

export const BUDGET_EPSILON = 1e-9;

/** used < limit and used + amount <= limit, up to the drift of summed doubles. */
export function admits(used: number, amount: number, limit: number): boolean {
  return used + BUDGET_EPSILON < limit && used + amount <= limit + BUDGET_EPSILON;
}

/** The name of a limit's window in a ledger's bookkeeping: `start-end`, or `all` for the total budget. */
export function windowName(window: Range | null): string {
  return window === null ? 'all' : `${window.start}-${window.end}`;
}

/** Whether committed spend at `timestamp` counts in the window (all time when null). */
export function inWindow(window: Range | null, timestamp: number): boolean {
  return window === null || (timestamp >= window.start && timestamp < window.end);
}

/** The outcome for usage per limit: a refusal names the first limit that refuses. */
export function decide(limits: BudgetLimit[], usage: LimitUsage[], amount: number): ReserveOutcome {
  const i = limits.findIndex((l, i) => !admits(used(usage[i] as LimitUsage), amount, l.limit));
  return i < 0 ? { ok: true, usage } : refusal(limits, usage, i);
}

/** The refusal by limit `i`. */
export function refusal(limits: BudgetLimit[], usage: LimitUsage[], i: number): ReserveOutcome {
  const l = limits[i] as BudgetLimit;
  return { ok: false, budget: l.budget, limit: l.limit, used: used(usage[i] as LimitUsage), usage };
}

function used(u: LimitUsage): number {
  return u.committed + u.held;
}

/** Holds are money: a negative or non-finite amount is a caller's bug, not a budget question. */
export function checkAmount(amount: number): void {
  if (!Number.isFinite(amount) || amount < 0) throw new RangeError(`reservation amount must be a finite USD amount >= 0, got ${amount}`);
}

/** One string per customer, for maps and key names: unambiguous, as neither org id nor environment holds a NUL. */
export function subjectKey(s: BudgetSubject): string {
  return `${s.orgId}\u0000${s.environment}\u0000${s.identifier}`;
}
