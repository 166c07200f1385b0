/**
 * Persists what a batch of spans adds to customers and API keys (the plan of
 * src/usage/accounting.ts), inside the span transaction: customers loaded or
 * created first, then every figure added with an atomic increment. A batch is
 * folded in memory by the plan, so N spans of one customer in one bucket cost
 * one upsert, not N.
 */
import type { Database, Statement } from 'bun:sqlite';
import { blankCustomer } from '../customer-attrs.ts';
import type { CustomerRecord } from '../customer-types.ts';
import { type CustomerRef, customerRefKey, type UsagePlan, type UsageRow } from '../../usage/accounting.ts';
import { ATTRIBUTE_COLUMNS, attributeParams, type CustomerRow, rowToCustomer } from './customer-rows.ts';

/** The sum columns of customer_usage and customer_days, in insert order. */
const SUM_COLUMNS = [
  'requests', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost', 'billed', 'cache_hits', 'errors',
  'latency_sum', 'latency_count', 'ttft_sum', 'ttft_count', 'tps_sum', 'tps_count',
] as const;

function rowParams(r: UsageRow): number[] {
  return SUM_COLUMNS.map((c) => r[c]);
}

export class CustomerUsageWriter {
  private readonly select: Statement<CustomerRow, [string, string, string]>;
  private readonly insert: Statement<{ id: number }, [string, string, string, number, number]>;
  private readonly addTotals: Statement;
  private readonly updateAttrs: Statement;
  private readonly addDay: Statement<{ requests: number }>;
  private readonly addBucket: Statement;
  private readonly addModel: Statement;
  private readonly addOrg: Statement;
  private readonly addKeySpend: Statement;

  constructor(client: Database) {
    this.select = client.prepare(
      'SELECT * FROM customers WHERE org_id = ? AND environment = ? AND customer_identifier = ?',
    );
    this.insert = client.prepare(
      `INSERT INTO customers (org_id, environment, customer_identifier, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?) RETURNING id`,
    );
    this.addTotals = client.prepare(
      `UPDATE customers SET updated_at = ?,
         first_seen = min(coalesce(first_seen, ?), ?), last_active = max(coalesce(last_active, ?), ?),
         requests = requests + ?, prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,
         total_tokens = total_tokens + ?, cost = cost + ?, billed = billed + ?, cache_hits = cache_hits + ?,
         errors = errors + ?, active_days = active_days + ?
       WHERE id = ?`,
    );
    const sets = ATTRIBUTE_COLUMNS.map((c) => `${c} = ?`).join(', ');
    this.updateAttrs = client.prepare(`UPDATE customers SET ${sets} WHERE id = ?`);
    // RETURNING tells a new day (its requests are this batch's) from one seen before.
    this.addDay = client.prepare(
      `INSERT INTO customer_days (customer_id, day, requests, prompt_tokens, completion_tokens, total_tokens, cost,
         billed, cache_hits, errors, latency_sum, latency_count, ttft_sum, ttft_count, tps_sum, tps_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (customer_id, day) DO UPDATE SET ${SUM_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}
       RETURNING requests`,
    );
    this.addBucket = client.prepare(
      `INSERT INTO customer_usage (customer_id, bucket, requests, prompt_tokens, completion_tokens, total_tokens, cost,
         billed, cache_hits, errors, latency_sum, latency_count, ttft_sum, ttft_count, tps_sum, tps_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (customer_id, bucket) DO UPDATE SET ${SUM_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
    );
    this.addModel = client.prepare(
      `INSERT INTO customer_model_usage (customer_id, bucket, model, requests) VALUES (?, ?, ?, ?)
       ON CONFLICT (customer_id, bucket, model) DO UPDATE SET requests = requests + excluded.requests`,
    );
    this.addOrg = client.prepare(
      `INSERT INTO org_usage (org_id, environment, bucket, requests, billed) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (org_id, environment, bucket) DO UPDATE SET
         requests = requests + excluded.requests, billed = billed + excluded.billed`,
    );
    this.addKeySpend = client.prepare('UPDATE api_keys SET spent = spent + ? WHERE id = ?');
  }

  /** A customer as stored, created (blank) when new. Runs inside the caller's write transaction. */
  load(ref: CustomerRef, now: number): CustomerRecord {
    const row = this.select.get(ref.orgId, ref.environment, ref.identifier);
    if (row) return rowToCustomer(row);
    const created = this.insert.get(ref.orgId, ref.environment, ref.identifier, now, now);
    return { ...blankCustomer(ref.orgId, ref.environment, ref.identifier, now), id: created?.id ?? 0 };
  }

  /** Every customer of `refs`, keyed by customerRefKey. Runs inside the caller's write transaction. */
  loadAll(refs: readonly CustomerRef[], now: number): Map<string, CustomerRecord> {
    const out = new Map<string, CustomerRecord>();
    for (const ref of refs) out.set(customerRefKey(ref), this.load(ref, now));
    return out;
  }

  saveAttributes(c: CustomerRecord): void {
    this.updateAttrs.run(...attributeParams(c), c.id);
  }

  /** Adds a plan's figures. Must run inside the transaction that stored its spans. */
  apply(plan: UsagePlan, now: number): void {
    for (const { keyId, cost } of plan.keySpend) this.addKeySpend.run(cost, keyId);
    for (const u of plan.customers) {
      const id = u.customer.id;
      if (u.attributes) this.saveAttributes({ ...u.attributes, updated_at: now });
      let newDays = 0;
      for (const d of u.days) {
        if (this.addDay.get(id, d.day, ...rowParams(d))?.requests === d.requests) newDays++;
      }
      this.addTotals.run(
        now, u.firstSeen, u.firstSeen, u.lastActive, u.lastActive, u.requests, u.prompt_tokens, u.completion_tokens,
        u.prompt_tokens + u.completion_tokens, u.cost, u.billed, u.cache_hits, u.errors, newDays, id,
      );
      for (const b of u.buckets) {
        this.addBucket.run(id, b.bucket, ...rowParams(b));
      }
      for (const m of u.models) this.addModel.run(id, m.bucket, m.model, m.requests);
    }
    for (const o of plan.orgBuckets) this.addOrg.run(o.orgId, o.environment, o.bucket, o.requests, o.billed);
  }
}
