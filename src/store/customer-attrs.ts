/** Customer attributes: how customer_params and PATCH change a customer (store-independent). */
import type { CustomerAttributes, CustomerRecord } from './customer-types.ts';
import type { Environment } from './types.ts';

/** The attributes a customer has after `attrs` is applied: absent keys keep, null clears. */
export function mergeAttributes(c: CustomerRecord, attrs: CustomerAttributes): CustomerRecord {
  const next = { ...c };
  if (attrs.name !== undefined) next.name = attrs.name;
  if (attrs.email !== undefined) next.email = attrs.email;
  if (attrs.group_identifier !== undefined) next.group_identifier = attrs.group_identifier;
  if (attrs.period_start !== undefined) next.period_start = attrs.period_start;
  if (attrs.period_end !== undefined) next.period_end = attrs.period_end;
  if (attrs.budget_duration !== undefined) next.budget_duration = attrs.budget_duration;
  if (attrs.period_budget !== undefined) next.period_budget = attrs.period_budget;
  if (attrs.markup_percentage !== undefined) next.markup_percentage = attrs.markup_percentage;
  if (attrs.total_budget !== undefined) next.total_budget = attrs.total_budget;
  if (attrs.rate_limit !== undefined) next.rate_limit = attrs.rate_limit;
  // metadata from customer_params is merged key by key; null clears it.
  if (attrs.metadata !== undefined) {
    next.metadata = attrs.metadata === null ? null : { ...(c.metadata ?? {}), ...attrs.metadata };
  }
  return next;
}

/** A customer that has never been stored. */
export function blankCustomer(orgId: string, env: Environment, identifier: string, now: number): CustomerRecord {
  return {
    id: 0, org_id: orgId, environment: env, customer_identifier: identifier, name: '', email: '',
    group_identifier: null, period_start: null, period_end: null, budget_duration: null, period_budget: null,
    markup_percentage: null, total_budget: null, rate_limit: null, metadata: null, created_at: now, updated_at: now,
    first_seen: null, last_active: null, requests: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0,
    cost: 0, billed: 0, cache_hits: 0, errors: 0, active_days: 0,
  };
}
