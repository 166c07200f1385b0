/**
 * The customers part of the storage interface (kept apart from types.ts so
 * feature branches touch that file by one line). Customers are per
 * organization and environment; their usage lives in 15-minute buckets that
 * the span writer maintains in the transaction that stores the spans.
 */
import type { Range } from '../lib/periods.ts';
import type { FilterOperator } from '../query/filters.ts';
import type { BudgetDuration } from '../schemas/customer.ts';
import type { Environment, Scope } from './types.ts';

/** Attributes set from customer_params or PATCH. Absent: unchanged; null: removed. */
export interface CustomerAttributes {
  name?: string;
  email?: string;
  group_identifier?: string | null;
  period_start?: string | null;
  period_end?: string | null;
  budget_duration?: BudgetDuration | null;
  period_budget?: number | null;
  markup_percentage?: number | null;
  total_budget?: number | null;
  rate_limit?: number | null;
  metadata?: Record<string, unknown> | null;
}

export interface CustomerRecord {
  id: number;
  org_id: string;
  environment: Environment;
  customer_identifier: string;
  name: string;
  email: string;
  group_identifier: string | null;
  period_start: string | null;
  period_end: string | null;
  budget_duration: BudgetDuration | null;
  period_budget: number | null;
  markup_percentage: number | null;
  total_budget: number | null;
  rate_limit: number | null;
  metadata: Record<string, unknown> | null;
  created_at: number;
  updated_at: number;
  first_seen: number | null;
  last_active: number | null;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** USD as charged by providers. */
  cost: number;
  /** USD with the customer's markup (at the time each span was written). */
  billed: number;
  cache_hits: number;
  errors: number;
  /** Distinct UTC days with a request. */
  active_days: number;
}

/** Sums over a set of buckets. */
export interface UsageSums {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number;
  billed: number;
  cache_hits: number;
  errors: number;
  latency_sum: number;
  latency_count: number;
  ttft_sum: number;
  ttft_count: number;
}

export interface PeriodUsage extends UsageSums {
  /** Distinct local days (for the offset asked) with a request. */
  active_days: number;
  top_models: Record<string, number>;
}

export type CustomerSortField =
  | 'first_seen'
  | 'last_active'
  | 'customer_identifier'
  | 'name'
  | 'email'
  | 'number_of_requests'
  | 'total_tokens'
  | 'total_cost'
  | 'active_days'
  | 'id';

export type CustomerFilterField =
  | 'customer_identifier'
  | 'name'
  | 'email'
  | 'group_identifier'
  | 'number_of_requests'
  | 'total_tokens'
  | 'total_cost'
  | 'active_days';

export interface CustomerFilter {
  field: CustomerFilterField;
  operator: FilterOperator;
  values: (string | number | boolean | null)[];
}

export interface CustomerQuery {
  filters: CustomerFilter[];
  sort: CustomerSortField;
  desc: boolean;
  offset: number;
  limit: number;
}

/** Organization-wide figures of the users page. */
export interface OrgFigures {
  total_users: number;
  new_users: number;
  monthly_active_users: number;
  daily_active_users: number;
  daily_requests: number;
  monthly_cost: number;
}

export interface CustomerStore {
  get(orgId: string, env: Environment, identifier: string): Promise<CustomerRecord | null>;
  /** Applies the attributes to the stored customer in one atomic step (null: no such customer). */
  update(orgId: string, env: Environment, identifier: string, attrs: CustomerAttributes, now: number): Promise<CustomerRecord | null>;
  /** Deletes the customer and its usage buckets (spans stay). */
  delete(orgId: string, env: Environment, identifier: string): Promise<boolean>;
  count(scope: Scope, filters: CustomerFilter[]): Promise<number>;
  list(scope: Scope, query: CustomerQuery): Promise<CustomerRecord[]>;
  /** Per customer: sums over the buckets in `range` (all time when null); local days use `offsetHours`. */
  usage(customerIds: number[], range: Range | null, offsetHours: number): Promise<Map<number, PeriodUsage>>;
  /** Billed USD of one customer in a range of time (all time when null); 0 for an unknown customer. */
  billed(orgId: string, env: Environment, identifier: string, range: Range | null): Promise<number>;
  orgFigures(scope: Scope, period: Range | null, day: Range, month: Range): Promise<OrgFigures>;
}
