/**
 * The JSON shapes of /users: a users-page row (seed 000), a list row and the
 * detail with budget usage. Pure functions of stored records and bucket sums.
 *
 * Definitions (docs/customers.md): period fields cover the summarized local
 * period, total_* fields all time; cost is billed cost (markup applied);
 * average_latency/average_ttft are means over the period's calls that report
 * them (0.0 when none); average_monthly_cost = total_cost / max(all-time
 * active days, 1) x 30, all-time active days being distinct UTC days.
 */
import { formatDuration, formatIsoMicros, formatSpaced } from '../../lib/periods.ts';
import { roundCost } from '../../pricing/cost.ts';
import type { CustomerRecord, PeriodUsage } from '../../store/customer-types.ts';

export const EMPTY_USAGE: PeriodUsage = {
  requests: 0, prompt_tokens: 0, completion_tokens: 0, cost: 0, billed: 0, cache_hits: 0, errors: 0,
  latency_sum: 0, latency_count: 0, ttft_sum: 0, ttft_count: 0, active_days: 0, top_models: {},
};

const mean = (sum: number, n: number) => (n > 0 ? sum / n : 0);

export function averageMonthlyCost(c: CustomerRecord): number {
  return roundCost((c.billed / Math.max(c.active_days, 1)) * 30);
}

export function summaryRow(c: CustomerRecord, orgName: string, u: PeriodUsage) {
  return {
    id: c.id,
    organization_name: orgName,
    email: c.email,
    name: c.name,
    customer_identifier: c.customer_identifier,
    environment: c.environment,
    group_identifier: c.group_identifier,
    active_days: u.active_days,
    last_active_timeframe: c.last_active === null ? null : formatSpaced(c.last_active),
    requests: u.requests,
    total_requests: c.requests,
    tokens: u.prompt_tokens + u.completion_tokens,
    total_tokens: c.total_tokens,
    cost: roundCost(u.billed),
    total_cost: roundCost(c.billed),
    average_sentiment: null,
    active_duration: formatDuration(c.first_seen === null || c.last_active === null ? 0 : c.last_active - c.first_seen),
    first_seen: c.first_seen === null ? null : formatIsoMicros(c.first_seen),
    top_models: u.top_models,
    cache_hits: u.cache_hits,
    average_latency: mean(u.latency_sum, u.latency_count),
    average_ttft: mean(u.ttft_sum, u.ttft_count),
    total_prompt_tokens: c.prompt_tokens,
    total_completion_tokens: c.completion_tokens,
    average_monthly_cost: averageMonthlyCost(c),
    total_budget: c.total_budget,
    period_budget: c.period_budget,
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function listRow(c: CustomerRecord) {
  return {
    id: c.id,
    customer_identifier: c.customer_identifier,
    name: c.name,
    email: c.email,
    group_identifier: c.group_identifier,
    environment: c.environment,
    first_seen: iso(c.first_seen),
    last_active: iso(c.last_active),
    number_of_requests: c.requests,
    total_tokens: c.total_tokens,
    total_prompt_tokens: c.prompt_tokens,
    total_completion_tokens: c.completion_tokens,
    total_cost: roundCost(c.billed),
    active_days: c.active_days,
    cache_hits: c.cache_hits,
    average_monthly_cost: averageMonthlyCost(c),
    budget_duration: c.budget_duration,
    period_budget: c.period_budget,
    total_budget: c.total_budget,
    markup_percentage: c.markup_percentage,
    rate_limit: c.rate_limit,
    metadata: c.metadata,
  };
}

export interface BudgetUsage {
  budget_duration: string;
  period_start: number;
  period_end: number;
  period_state: string;
  total_period_usage: number;
}

export function detailView(c: CustomerRecord, all: PeriodUsage, b: BudgetUsage) {
  return {
    ...listRow(c),
    budget_duration: b.budget_duration,
    period_start: iso(b.period_start),
    period_end: iso(b.period_end),
    period_state: b.period_state,
    total_period_usage: roundCost(b.total_period_usage),
    total_usage: roundCost(c.billed),
    configured_period_start: c.period_start,
    configured_period_end: c.period_end,
    total_requests: c.requests,
    total_cost_before_markup: roundCost(c.cost),
    errors: c.errors,
    top_models: all.top_models,
    average_latency: mean(all.latency_sum, all.latency_count),
    average_ttft: mean(all.ttft_sum, all.ttft_count),
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
  };
}
