/**
 * A customer's budget period, as the gate enforces it and the detail reports
 * it. budget_duration defaults to monthly. Without period_start the periods
 * are UTC calendar periods (weeks start on Monday); with it they roll from
 * that date (see budgetPeriod). period_end, when given, is the last day
 * (inclusive; or the exact instant for a timestamp) on which the period
 * budget applies: the current period is cut there, and after it the period
 * budget is no longer enforced.
 */
import { budgetPeriod, DAY_MS, parseUtcDate, type Range } from '../../lib/periods.ts';
import type { BudgetDuration } from '../../schemas/customer.ts';

export interface BudgetSettings {
  budget_duration: BudgetDuration | null;
  period_start: string | null;
  period_end: string | null;
}

export interface BudgetWindow extends Range {
  duration: BudgetDuration;
  /** `active`: the period budget applies now; `not_started`/`ended`: outside period_start..period_end. */
  state: 'active' | 'not_started' | 'ended';
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function periodEndMs(text: string | null): number | null {
  if (text === null) return null;
  const t = parseUtcDate(text);
  if (t === null) return null;
  return DATE_ONLY.test(text.trim()) ? t + DAY_MS : t;
}

export function budgetWindow(c: BudgetSettings, now: number): BudgetWindow {
  const duration = c.budget_duration ?? 'monthly';
  const anchor = c.period_start === null ? null : parseUtcDate(c.period_start);
  const end = periodEndMs(c.period_end);
  let state: BudgetWindow['state'] = 'active';
  let at = now;
  if (end !== null && now >= end) {
    state = 'ended';
    at = end - 1;
  }
  if (anchor !== null && now < anchor) state = 'not_started';
  const r = budgetPeriod(duration, anchor, at);
  return { start: r.start, end: end === null ? r.end : Math.min(r.end, end), duration, state };
}
