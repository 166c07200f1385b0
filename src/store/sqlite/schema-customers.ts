/**
 * Customers and their usage, maintained in the span writer's transaction.
 *
 * `customers` holds the attributes from customer_params plus all-time totals
 * (so lists sort and filter without aggregating). `customer_usage` holds one
 * row per customer and 15-minute bucket; `customer_model_usage` the request
 * count per model in that bucket; `customer_days` one row per UTC day with a
 * request (all-time active_days, and the day's sums for reads over weeks); `org_usage` one row per (org, environment,
 * bucket) for organization-wide figures. Costs are stored twice: `cost` as the
 * provider charged it and `billed` with the customer's markup at write time.
 */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const customers = sqliteTable(
  'customers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    org_id: text('org_id').notNull(),
    environment: text('environment', { enum: ['prod', 'test'] }).notNull(),
    customer_identifier: text('customer_identifier').notNull(),
    name: text('name').notNull().default(''),
    email: text('email').notNull().default(''),
    group_identifier: text('group_identifier'),
    /** The budget anchor and end as given (`YYYY-MM-DD` or ISO), not the current period. */
    period_start: text('period_start'),
    period_end: text('period_end'),
    budget_duration: text('budget_duration', { enum: ['daily', 'weekly', 'monthly', 'yearly'] }),
    period_budget: real('period_budget'),
    markup_percentage: real('markup_percentage'),
    total_budget: real('total_budget'),
    rate_limit: integer('rate_limit'),
    metadata: text('metadata'),
    created_at: integer('created_at').notNull(),
    updated_at: integer('updated_at').notNull(),
    /** Epoch ms of the first and latest span; null until the first span. */
    first_seen: integer('first_seen'),
    last_active: integer('last_active'),
    requests: integer('requests').notNull().default(0),
    prompt_tokens: integer('prompt_tokens').notNull().default(0),
    completion_tokens: integer('completion_tokens').notNull().default(0),
    total_tokens: integer('total_tokens').notNull().default(0),
    cost: real('cost').notNull().default(0),
    billed: real('billed').notNull().default(0),
    cache_hits: integer('cache_hits').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    /** Distinct UTC days with a request. */
    active_days: integer('active_days').notNull().default(0),
  },
  (t) => [
    uniqueIndex('customers_org_env_ident').on(t.org_id, t.environment, t.customer_identifier),
    index('customers_org_env_first_seen').on(t.org_id, t.environment, t.first_seen),
  ],
);

/** The sums a customer's usage rows keep (customer_usage per bucket, customer_days per day). */
function usageSums() {
  return {
    requests: integer('requests').notNull().default(0),
    prompt_tokens: integer('prompt_tokens').notNull().default(0),
    completion_tokens: integer('completion_tokens').notNull().default(0),
    /** The spans' total_request_tokens (usually prompt + completion). */
    total_tokens: integer('total_tokens').notNull().default(0),
    cost: real('cost').notNull().default(0),
    billed: real('billed').notNull().default(0),
    cache_hits: integer('cache_hits').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    latency_sum: real('latency_sum').notNull().default(0),
    latency_count: integer('latency_count').notNull().default(0),
    ttft_sum: real('ttft_sum').notNull().default(0),
    ttft_count: integer('ttft_count').notNull().default(0),
    tps_sum: real('tps_sum').notNull().default(0),
    tps_count: integer('tps_count').notNull().default(0),
  };
}

export const customerUsage = sqliteTable(
  'customer_usage',
  {
    customer_id: integer('customer_id').notNull(),
    /** floor(epoch ms / 900,000). */
    bucket: integer('bucket').notNull(),
    ...usageSums(),
  },
  (t) => [primaryKey({ columns: [t.customer_id, t.bucket] })],
);

export const customerModelUsage = sqliteTable(
  'customer_model_usage',
  {
    customer_id: integer('customer_id').notNull(),
    bucket: integer('bucket').notNull(),
    model: text('model').notNull(),
    requests: integer('requests').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.customer_id, t.bucket, t.model] })],
);

/** One row per customer and UTC day with a request: all-time active_days, and day-wide sums (breakdowns over weeks). */
export const customerDays = sqliteTable(
  'customer_days',
  {
    customer_id: integer('customer_id').notNull(),
    /** floor(epoch ms / 86,400,000): the UTC day. */
    day: integer('day').notNull(),
    ...usageSums(),
  },
  (t) => [primaryKey({ columns: [t.customer_id, t.day] })],
);

export const orgUsage = sqliteTable(
  'org_usage',
  {
    org_id: text('org_id').notNull(),
    environment: text('environment').notNull(),
    bucket: integer('bucket').notNull(),
    requests: integer('requests').notNull().default(0),
    billed: real('billed').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.org_id, t.environment, t.bucket] })],
);
