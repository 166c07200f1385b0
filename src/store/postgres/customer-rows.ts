/** Mapping between `customers` rows (int8 as text, metadata as jsonb) and `CustomerRecord`. */
import type { BudgetDuration } from '../../schemas/customer.ts';
import type { CustomerRecord } from '../customer-types.ts';
import { num, numOrNull } from './connection.ts';

export type PgCustomerRow = Record<string, unknown>;

const DURATIONS = new Set(['daily', 'weekly', 'monthly', 'yearly']);
const COUNTS = ['id', 'created_at', 'updated_at', 'requests', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cache_hits', 'errors', 'active_days'] as const;

export function rowToCustomer(r: PgCustomerRow): CustomerRecord {
  const out = { ...r } as Record<string, unknown>;
  for (const c of COUNTS) out[c] = num(r[c]);
  out.first_seen = numOrNull(r.first_seen);
  out.last_active = numOrNull(r.last_active);
  out.rate_limit = numOrNull(r.rate_limit);
  out.environment = r.environment === 'test' ? 'test' : 'prod';
  out.budget_duration = typeof r.budget_duration === 'string' && DURATIONS.has(r.budget_duration) ? (r.budget_duration as BudgetDuration) : null;
  const m = r.metadata;
  out.metadata = m !== null && typeof m === 'object' && !Array.isArray(m) ? m : null;
  return out as unknown as CustomerRecord;
}

/** The attribute columns and their types, as customer-usage.ts and customers.ts write them. */
export const ATTRIBUTE_COLUMNS = {
  name: 'text', email: 'text', group_identifier: 'text', period_start: 'text', period_end: 'text', budget_duration: 'text',
  period_budget: 'float8', markup_percentage: 'float8', total_budget: 'float8', rate_limit: 'bigint', metadata: 'jsonb',
  updated_at: 'bigint',
} as const;

export function attributeFields(c: CustomerRecord): Record<keyof typeof ATTRIBUTE_COLUMNS, unknown> {
  return {
    name: c.name, email: c.email, group_identifier: c.group_identifier, period_start: c.period_start, period_end: c.period_end,
    budget_duration: c.budget_duration, period_budget: c.period_budget, markup_percentage: c.markup_percentage,
    total_budget: c.total_budget, rate_limit: c.rate_limit, metadata: c.metadata, updated_at: c.updated_at,
  };
}
