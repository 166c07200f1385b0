/** Mapping between `customers` rows and `CustomerRecord`, and the merge of attributes. */
import type { BudgetDuration } from '../../schemas/customer.ts';
import type { CustomerRecord } from '../customer-types.ts';

export interface CustomerRow {
  id: number;
  org_id: string;
  environment: string;
  customer_identifier: string;
  name: string;
  email: string;
  group_identifier: string | null;
  period_start: string | null;
  period_end: string | null;
  budget_duration: string | null;
  period_budget: number | null;
  markup_percentage: number | null;
  total_budget: number | null;
  rate_limit: number | null;
  metadata: string | null;
  created_at: number;
  updated_at: number;
  first_seen: number | null;
  last_active: number | null;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost: number;
  billed: number;
  cache_hits: number;
  errors: number;
  active_days: number;
}

const DURATIONS = new Set(['daily', 'weekly', 'monthly', 'yearly']);

function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function rowToCustomer(r: CustomerRow): CustomerRecord {
  return {
    ...r,
    environment: r.environment === 'test' ? 'test' : 'prod',
    budget_duration:
      r.budget_duration !== null && DURATIONS.has(r.budget_duration) ? (r.budget_duration as BudgetDuration) : null,
    metadata: parseObject(r.metadata),
  };
}

/** Parameters of the attribute columns, in ATTRIBUTE_COLUMNS order. */
export const ATTRIBUTE_COLUMNS = [
  'name', 'email', 'group_identifier', 'period_start', 'period_end', 'budget_duration', 'period_budget',
  'markup_percentage', 'total_budget', 'rate_limit', 'metadata', 'updated_at',
] as const;

export function attributeParams(c: CustomerRecord): (string | number | null)[] {
  return [
    c.name, c.email, c.group_identifier, c.period_start, c.period_end, c.budget_duration, c.period_budget,
    c.markup_percentage, c.total_budget, c.rate_limit, c.metadata === null ? null : JSON.stringify(c.metadata),
    c.updated_at,
  ];
}
