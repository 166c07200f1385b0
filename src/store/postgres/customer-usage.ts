/**
 * Persists what a batch of spans adds to customers and API keys (the plan of
 * src/usage/accounting.ts), inside the span transaction: the batch's
 * customers created if new and locked (`FOR UPDATE`), so two gateways
 * committing the same customer take turns; then every figure added with one
 * atomic upsert or update per table.
 */
import type { SQL } from 'bun';
import type { CustomerRecord } from '../customer-types.ts';
import { type CustomerRef, customerRefKey, type UsagePlan, type UsageRow } from '../../usage/accounting.ts';
import { num } from './connection.ts';
import { ATTRIBUTE_COLUMNS, attributeFields, type PgCustomerRow, rowToCustomer } from './customer-rows.ts';
import { toJson } from './span-rows.ts';
import { adds, byKey, recordset, upsertRows } from './upsert.ts';

const REF_COLUMNS = { org_id: 'text', environment: 'text', customer_identifier: 'text' };

/** The sum columns of customer_usage and customer_days. */
const SUM_COLUMNS = {
  requests: 'bigint', prompt_tokens: 'bigint', completion_tokens: 'bigint', total_tokens: 'bigint', cost: 'float8',
  billed: 'float8', cache_hits: 'bigint', errors: 'bigint', latency_sum: 'float8', latency_count: 'bigint', ttft_sum: 'float8',
  ttft_count: 'bigint', tps_sum: 'float8', tps_count: 'bigint',
} as const;
const SUMS = Object.keys(SUM_COLUMNS) as (keyof typeof SUM_COLUMNS)[];

const USAGE = {
  table: 'customer_usage',
  columns: { customer_id: 'bigint', bucket: 'bigint', ...SUM_COLUMNS },
  key: ['customer_id', 'bucket'],
  set: adds(SUMS),
};

/** RETURNING tells a new day (its requests are this batch's) from one seen before. */
const DAYS = {
  table: 'customer_days',
  columns: { customer_id: 'bigint', day: 'bigint', ...SUM_COLUMNS },
  key: ['customer_id', 'day'],
  set: adds(SUMS),
  returning: 'customer_id, day, requests',
};

function sums(r: UsageRow): Record<(typeof SUMS)[number], number> {
  return Object.fromEntries(SUMS.map((c) => [c, r[c]])) as Record<(typeof SUMS)[number], number>;
}

const MODELS = {
  table: 'customer_model_usage',
  columns: { customer_id: 'bigint', bucket: 'bigint', model: 'text', requests: 'bigint' },
  key: ['customer_id', 'bucket', 'model'],
  set: adds(['requests']),
};

const ORGS = {
  table: 'org_usage',
  columns: { org_id: 'text', environment: 'text', bucket: 'bigint', requests: 'bigint', billed: 'float8' },
  key: ['org_id', 'environment', 'bucket'],
  set: adds(['requests', 'billed']),
};

const TOTALS = {
  id: 'bigint', first_seen: 'bigint', last_active: 'bigint', requests: 'bigint', prompt_tokens: 'bigint',
  completion_tokens: 'bigint', cost: 'float8', billed: 'float8', cache_hits: 'bigint', errors: 'bigint', new_days: 'bigint',
};

const k = (...parts: (string | number)[]) => parts.join('\u0000');
/** A number as text that sorts as the number does (ids, buckets and days are positive). */
const pad = (n: number) => String(n).padStart(20, '0');

/** Writes every attribute column of these customers (already locked by the caller). */
export async function saveAttributes(tx: SQL, customers: readonly CustomerRecord[]): Promise<void> {
  if (customers.length === 0) return;
  const sets = Object.keys(ATTRIBUTE_COLUMNS).map((c) => `${c} = x.${c}`).join(', ');
  await tx.unsafe(
    `UPDATE customers c SET ${sets} FROM ${recordset({ id: 'bigint', ...ATTRIBUTE_COLUMNS }, '$1')} WHERE c.id = x.id`,
    [toJson(customers.map((c) => ({ id: c.id, ...attributeFields(c) })))],
  );
}

/**
 * Every customer of `refs` as stored (created blank when new), locked until
 * the transaction ends; keyed by customerRefKey. Locked in key order, the
 * order every writer uses.
 */
export async function lockCustomers(tx: SQL, refs: readonly CustomerRef[], now: number): Promise<Map<string, CustomerRecord>> {
  const out = new Map<string, CustomerRecord>();
  if (refs.length === 0) return out;
  const rows = byKey(
    refs.map((r) => ({ org_id: r.orgId, environment: r.environment, customer_identifier: r.identifier })),
    (r) => k(r.org_id, r.environment, r.customer_identifier),
  );
  const json = toJson(rows);
  await tx.unsafe(
    `INSERT INTO customers (org_id, environment, customer_identifier, created_at, updated_at)
     SELECT org_id, environment, customer_identifier, $2, $2 FROM ${recordset(REF_COLUMNS, '$1')}
     ON CONFLICT (org_id, environment, customer_identifier) DO NOTHING`,
    [json, now],
  );
  const locked = await tx.unsafe<PgCustomerRow[]>(
    `SELECT c.* FROM customers c JOIN ${recordset(REF_COLUMNS, '$1')}
       ON c.org_id = x.org_id AND c.environment = x.environment AND c.customer_identifier = x.customer_identifier
     ORDER BY c.org_id, c.environment, c.customer_identifier FOR UPDATE OF c`,
    [json],
  );
  for (const row of locked) {
    const c = rowToCustomer(row);
    out.set(customerRefKey({ orgId: c.org_id, environment: c.environment, identifier: c.customer_identifier }), c);
  }
  return out;
}

/** Adds a plan's figures. Must run inside the transaction that stored its spans and locked its customers. */
export async function applyUsage(tx: SQL, plan: UsagePlan, now: number): Promise<void> {
  const spend = byKey([...plan.keySpend], (s) => s.keyId);
  if (spend.length > 0) {
    const json = toJson(spend.map((s) => ({ id: s.keyId, cost: s.cost })));
    const keys = recordset({ id: 'text', cost: 'float8' }, '$1');
    // Locked in key order first: an UPDATE ... FROM may visit them in any order.
    await tx.unsafe(`SELECT 1 FROM api_keys WHERE id IN (SELECT id FROM ${keys}) ORDER BY id FOR UPDATE`, [json]);
    await tx.unsafe(`UPDATE api_keys k SET spent = k.spent + x.cost FROM ${keys} WHERE k.id = x.id`, [json]);
  }
  const customers = plan.customers;
  await saveAttributes(
    tx,
    customers.flatMap((u) => (u.attributes ? [{ ...u.attributes, updated_at: now }] : [])),
  );
  const days = byKey(
    customers.flatMap((u) => u.days.map((d) => ({ customer_id: u.customer.id, day: d.day, ...sums(d) }))),
    (r) => k(pad(r.customer_id), pad(r.day)),
  );
  const after = await upsertRows<{ customer_id: string; day: string; requests: string }>(tx, DAYS, days);
  const added = new Map(days.map((d) => [k(d.customer_id, d.day), d.requests]));
  const newDays = new Map<number, number>();
  for (const r of after) {
    const id = num(r.customer_id);
    if (added.get(k(id, num(r.day))) === num(r.requests)) newDays.set(id, (newDays.get(id) ?? 0) + 1);
  }
  if (customers.length > 0) {
    await tx.unsafe(
      `UPDATE customers c SET updated_at = $2,
         first_seen = least(c.first_seen, x.first_seen), last_active = greatest(c.last_active, x.last_active),
         requests = c.requests + x.requests, prompt_tokens = c.prompt_tokens + x.prompt_tokens,
         completion_tokens = c.completion_tokens + x.completion_tokens,
         total_tokens = c.total_tokens + x.prompt_tokens + x.completion_tokens, cost = c.cost + x.cost,
         billed = c.billed + x.billed, cache_hits = c.cache_hits + x.cache_hits, errors = c.errors + x.errors,
         active_days = c.active_days + x.new_days
       FROM ${recordset(TOTALS, '$1')} WHERE c.id = x.id`,
      [
        toJson(
          customers.map((u) => ({
            id: u.customer.id, first_seen: u.firstSeen, last_active: u.lastActive, requests: u.requests,
            prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, cost: u.cost, billed: u.billed,
            cache_hits: u.cache_hits, errors: u.errors, new_days: newDays.get(u.customer.id) ?? 0,
          })),
        ),
        now,
      ],
    );
  }
  await upsertRows(
    tx,
    USAGE,
    byKey(
      customers.flatMap((u) =>
        u.buckets.map((b) => ({ customer_id: u.customer.id, bucket: b.bucket, ...sums(b) })),
      ),
      (r) => k(pad(r.customer_id), pad(r.bucket)),
    ),
  );
  await upsertRows(
    tx,
    MODELS,
    byKey(
      customers.flatMap((u) => u.models.map((m) => ({ customer_id: u.customer.id, bucket: m.bucket, model: m.model, requests: m.requests }))),
      (r) => k(pad(r.customer_id), pad(r.bucket), r.model),
    ),
  );
  await upsertRows(
    tx,
    ORGS,
    byKey(
      plan.orgBuckets.map((o) => ({ org_id: o.orgId, environment: o.environment, bucket: o.bucket, requests: o.requests, billed: o.billed })),
      (r) => k(r.org_id, r.environment, r.bucket),
    ),
  );
}
