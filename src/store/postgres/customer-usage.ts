/**
 * Persists what a batch of spans adds to customers and API keys (the plan of
 * src/usage/accounting.ts), inside the span transaction: the batch's
 * customers created if new and locked (`FOR UPDATE`), so two gateways
 * committing the same customer take turns; then every figure added with one
 * atomic upsert or update per table.
 */
import type { SQL } from 'bun';
import type { CustomerRecord } from '../customer-types.ts';
import { type CustomerRef, customerRefKey, type UsagePlan } from '../../usage/accounting.ts';
import { num } from './connection.ts';
import { ATTRIBUTE_COLUMNS, attributeFields, type PgCustomerRow, rowToCustomer } from './customer-rows.ts';
import { toJson } from './span-rows.ts';
import { adds, byKey, recordset, upsertRows } from './upsert.ts';

const REF_COLUMNS = { org_id: 'text', environment: 'text', customer_identifier: 'text' };

const USAGE = {
  table: 'customer_usage',
  columns: {
    customer_id: 'bigint', bucket: 'bigint', requests: 'bigint', prompt_tokens: 'bigint', completion_tokens: 'bigint',
    total_tokens: 'bigint', cost: 'float8', billed: 'float8', cache_hits: 'bigint', errors: 'bigint', latency_sum: 'float8',
    latency_count: 'bigint', ttft_sum: 'float8', ttft_count: 'bigint', tps_sum: 'float8', tps_count: 'bigint',
  },
  key: ['customer_id', 'bucket'],
  set: adds([
    'requests', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost', 'billed', 'cache_hits', 'errors',
    'latency_sum', 'latency_count', 'ttft_sum', 'ttft_count', 'tps_sum', 'tps_count',
  ]),
};

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

const DAYS = {
  table: 'customer_days',
  columns: { customer_id: 'bigint', day: 'bigint' },
  key: ['customer_id', 'day'],
  returning: 'customer_id',
};

const TOTALS = {
  id: 'bigint', first_seen: 'bigint', last_active: 'bigint', requests: 'bigint', prompt_tokens: 'bigint',
  completion_tokens: 'bigint', cost: 'float8', billed: 'float8', cache_hits: 'bigint', errors: 'bigint', new_days: 'bigint',
};

const k = (...parts: (string | number)[]) => parts.join('\u0000');

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
  const fresh = await upsertRows<{ customer_id: string }>(
    tx,
    DAYS,
    byKey(
      customers.flatMap((u) => u.days.map((day) => ({ customer_id: u.customer.id, day }))),
      (r) => k(r.customer_id, r.day),
    ),
  );
  const newDays = new Map<number, number>();
  for (const r of fresh) newDays.set(num(r.customer_id), (newDays.get(num(r.customer_id)) ?? 0) + 1);
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
        u.buckets.map((b) => ({
          customer_id: u.customer.id, bucket: b.bucket, requests: b.requests, prompt_tokens: b.prompt_tokens,
          completion_tokens: b.completion_tokens, total_tokens: b.total_tokens, cost: b.cost, billed: b.billed,
          cache_hits: b.cache_hits, errors: b.errors, latency_sum: b.latency_sum, latency_count: b.latency_count,
          ttft_sum: b.ttft_sum, ttft_count: b.ttft_count, tps_sum: b.tps_sum, tps_count: b.tps_count,
        })),
      ),
      (r) => k(String(r.customer_id).padStart(20, '0'), String(r.bucket).padStart(20, '0')),
    ),
  );
  await upsertRows(
    tx,
    MODELS,
    byKey(
      customers.flatMap((u) => u.models.map((m) => ({ customer_id: u.customer.id, bucket: m.bucket, model: m.model, requests: m.requests }))),
      (r) => k(String(r.customer_id).padStart(20, '0'), String(r.bucket).padStart(20, '0'), r.model),
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
