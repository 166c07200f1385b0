/** Mapping between `customers` rows and `CustomerRecord`, and the merge of attributes. */
import type { BudgetDuration } from '../../schemas/customer.ts';
import type { CustomerRecord } from '../customer-types.ts';

/** A `customers` row: the record with the columns SQLite stores as plain text. */
export type CustomerRow = Omit<CustomerRecord, 'environment' | 'budget_duration' | 'metadata'> & {
  environment: string;
  budget_duration: string | null;
  metadata: string | null;
};

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
