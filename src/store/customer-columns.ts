/**
 * Which `customers` column answers each field of the customers list's
 * `filters` and `sort_by`: the same in every backend's table.
 */
import type { CustomerFilterField, CustomerSortField } from './customer-types.ts';

/** `total_cost` is the billed cost (with markup), as the users page shows it. */
export const CUSTOMER_FILTER_COLUMNS: Readonly<Record<CustomerFilterField, string>> = {
  customer_identifier: 'customer_identifier',
  name: 'name',
  email: 'email',
  group_identifier: 'group_identifier',
  number_of_requests: 'requests',
  total_tokens: 'total_tokens',
  total_cost: 'billed',
  active_days: 'active_days',
};

export const CUSTOMER_SORT_COLUMNS: Readonly<Record<CustomerSortField, string>> = {
  first_seen: 'first_seen',
  last_active: 'last_active',
  customer_identifier: 'customer_identifier',
  name: 'name',
  email: 'email',
  number_of_requests: 'requests',
  total_tokens: 'total_tokens',
  total_cost: 'billed',
  active_days: 'active_days',
  id: 'id',
};
