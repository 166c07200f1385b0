/**
 * Customers and their 15-minute usage buckets, maintained inside the span
 * writer's transaction (`SqliteSpanStore.insertBatch` calls `apply`). A batch
 * is first folded in memory, so N spans of one customer in one bucket cost one
 * upsert, not N.
 *
 * Cost is stored both raw and billed: billed = cost with the customer's
 * markup_percentage as it stands once that span's own customer_params are
 * applied. Reports and budgets use billed, so changing a markup affects
 * calls made after the change, never history.
 */
import type { Database, Statement } from 'bun:sqlite';
import { Value } from '@sinclair/typebox/value';
import { bucketOf, DAY_MS } from '../../lib/periods.ts';
import { applyMarkup } from '../../pricing/cost.ts';
import { CUSTOMER_IDENTIFIER_MAX, CustomerParams } from '../../schemas/customer.ts';
import type { CustomerAttributes, CustomerRecord, UsageEvent, UsageSums } from '../customer-types.ts';
import type { SpanRecord } from '../types.ts';
import {
  ATTRIBUTE_COLUMNS,
  attributeParams,
  type CustomerRow,
  rowToCustomer,
} from './customer-rows.ts';
import { blankCustomer, mergeAttributes } from '../customer-attrs.ts';

interface BucketSums extends UsageSums {
  customer_id: number;
  bucket: number;
}

/** The customer a span belongs to and the attributes it carries, or null. */
export function customerOfSpan(span: SpanRecord): { identifier: string; attrs: CustomerAttributes } | null {
  const raw = span.extra.customer_params;
  let attrs: CustomerAttributes = {};
  let fromParams: string | null = null;
  if (raw !== undefined && raw !== null && Value.Check(CustomerParams, raw)) {
    const { customer_identifier, ...rest } = raw;
    attrs = rest;
    fromParams = customer_identifier;
  }
  const identifier = span.customer_identifier ?? fromParams;
  if (!identifier || identifier.length > CUSTOMER_IDENTIFIER_MAX) return null;
  // Params naming another customer than the span's do not describe it.
  if (fromParams !== null && fromParams !== identifier) attrs = {};
  return { identifier, attrs };
}

function reservationOf(span: SpanRecord): string | null {
  const info = span.extra.limit_info;
  if (info === null || typeof info !== 'object') return null;
  const id = (info as Record<string, unknown>).reservation_id;
  return typeof id === 'string' ? id : null;
}

export class CustomerUsageWriter {
  private readonly listeners: ((events: UsageEvent[]) => void)[] = [];
  private readonly select: Statement<CustomerRow, [string, string, string]>;
  private readonly insert: Statement<{ id: number }, [string, string, string, number, number]>;
  private readonly updateRow: Statement;
  private readonly updateAttrs: Statement;
  private readonly addDay: Statement;
  private readonly addBucket: Statement;
  private readonly addModel: Statement;
  private readonly addActivity: Statement;
  private readonly addOrg: Statement;
  private readonly addMonth: Statement;

  constructor(client: Database) {
    this.select = client.prepare(
      'SELECT * FROM customers WHERE org_id = ? AND environment = ? AND customer_identifier = ?',
    );
    this.insert = client.prepare(
      `INSERT INTO customers (org_id, environment, customer_identifier, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?) RETURNING id`,
    );
    const sets = ATTRIBUTE_COLUMNS.map((c) => `${c} = ?`).join(', ');
    this.updateRow = client.prepare(
      `UPDATE customers SET ${sets},
         first_seen = min(coalesce(first_seen, ?), ?), last_active = max(coalesce(last_active, ?), ?),
         requests = requests + ?, prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,
         total_tokens = total_tokens + ?, cost = cost + ?, billed = billed + ?, cache_hits = cache_hits + ?,
         errors = errors + ?, active_days = active_days + ?
       WHERE id = ?`,
    );
    this.updateAttrs = client.prepare(`UPDATE customers SET ${sets} WHERE id = ?`);
    this.addDay = client.prepare('INSERT OR IGNORE INTO customer_days (customer_id, day) VALUES (?, ?)');
    this.addBucket = client.prepare(
      `INSERT INTO customer_usage (customer_id, bucket, requests, prompt_tokens, completion_tokens, cost, billed,
         cache_hits, errors, latency_sum, latency_count, ttft_sum, ttft_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (customer_id, bucket) DO UPDATE SET
         requests = requests + excluded.requests, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
         completion_tokens = completion_tokens + excluded.completion_tokens, cost = cost + excluded.cost,
         billed = billed + excluded.billed, cache_hits = cache_hits + excluded.cache_hits,
         errors = errors + excluded.errors, latency_sum = latency_sum + excluded.latency_sum,
         latency_count = latency_count + excluded.latency_count, ttft_sum = ttft_sum + excluded.ttft_sum,
         ttft_count = ttft_count + excluded.ttft_count`,
    );
    this.addModel = client.prepare(
      `INSERT INTO customer_model_usage (customer_id, bucket, model, requests) VALUES (?, ?, ?, ?)
       ON CONFLICT (customer_id, bucket, model) DO UPDATE SET requests = requests + excluded.requests`,
    );
    this.addActivity = client.prepare(
      'INSERT OR IGNORE INTO customer_activity (org_id, environment, bucket, customer_id) VALUES (?, ?, ?, ?)',
    );
    this.addMonth = client.prepare(
      `INSERT INTO customer_months (org_id, environment, month, customer_id, first_bucket, last_bucket)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (org_id, environment, month, customer_id) DO UPDATE SET
         first_bucket = min(first_bucket, excluded.first_bucket), last_bucket = max(last_bucket, excluded.last_bucket)`,
    );
    this.addOrg = client.prepare(
      `INSERT INTO org_usage (org_id, environment, bucket, requests, billed) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (org_id, environment, bucket) DO UPDATE SET
         requests = requests + excluded.requests, billed = billed + excluded.billed`,
    );
  }

  /** UTC year * 12 + month of an instant. */
  static monthOf(ms: number): number {
    const d = new Date(ms);
    return d.getUTCFullYear() * 12 + d.getUTCMonth();
  }

  onUsage(listener: (events: UsageEvent[]) => void): void {
    this.listeners.push(listener);
  }

  /** Loads a customer for writing, creating it when new. Runs inside the caller's transaction. */
  load(orgId: string, env: 'prod' | 'test', identifier: string, now: number): CustomerRecord {
    const row = this.select.get(orgId, env, identifier);
    if (row) return rowToCustomer(row);
    const created = this.insert.get(orgId, env, identifier, now, now);
    return { ...blankCustomer(orgId, env, identifier, now), id: created?.id ?? 0 };
  }

  /** Writes attributes only (PATCH, or params seen without usage). */
  saveAttributes(c: CustomerRecord): void {
    this.updateAttrs.run(...attributeParams(c), c.id);
  }

  /** Folds a batch of spans into customers and buckets. Must run inside the span transaction. */
  apply(batch: SpanRecord[]): void {
    const bySpan = new Map<string, { identifier: string; spans: SpanRecord[]; attrs: CustomerAttributes[] }>();
    for (const span of batch) {
      const who = customerOfSpan(span);
      if (!who) continue;
      const key = `${span.org_id}\u0000${span.environment}\u0000${who.identifier}`;
      let entry = bySpan.get(key);
      if (!entry) bySpan.set(key, (entry = { identifier: who.identifier, spans: [], attrs: [] }));
      entry.spans.push(span);
      entry.attrs.push(who.attrs);
    }
    if (bySpan.size === 0) return;
    const buckets = new Map<string, BucketSums>();
    const models = new Map<string, { customer_id: number; bucket: number; model: string; n: number }>();
    const orgs = new Map<string, { org: string; env: string; bucket: number; requests: number; billed: number }>();
    const events: UsageEvent[] = [];
    const now = Date.now();
    for (const { identifier, spans, attrs } of bySpan.values()) {
      const first = spans[0] as SpanRecord;
      let c = this.load(first.org_id, first.environment, identifier, now);
      const id = c.id;
      let firstSeen = Number.POSITIVE_INFINITY;
      let lastActive = Number.NEGATIVE_INFINITY;
      const t = { requests: 0, prompt: 0, completion: 0, cost: 0, billed: 0, cache: 0, errors: 0, days: 0 };
      spans.forEach((s, i) => {
        c = mergeAttributes(c, attrs[i] ?? {});
        const billed = applyMarkup(s.cost, c.markup_percentage);
        const bucket = bucketOf(s.timestamp);
        const bk = `${id}:${bucket}`;
        let b = buckets.get(bk);
        if (!b) {
          b = { customer_id: id, bucket, requests: 0, prompt_tokens: 0, completion_tokens: 0, cost: 0, billed: 0,
            cache_hits: 0, errors: 0, latency_sum: 0, latency_count: 0, ttft_sum: 0, ttft_count: 0 };
          buckets.set(bk, b);
        }
        b.requests++;
        b.prompt_tokens += s.prompt_tokens;
        b.completion_tokens += s.completion_tokens;
        b.cost += s.cost;
        b.billed += billed;
        if (s.cached) b.cache_hits++;
        if (s.status === 'error') b.errors++;
        if (s.latency !== null && Number.isFinite(s.latency)) {
          b.latency_sum += s.latency;
          b.latency_count++;
        }
        if (s.time_to_first_token !== null && Number.isFinite(s.time_to_first_token)) {
          b.ttft_sum += s.time_to_first_token;
          b.ttft_count++;
        }
        if (s.model) {
          const mk = `${bk}:${s.model}`;
          const m = models.get(mk);
          if (m) m.n++;
          else models.set(mk, { customer_id: id, bucket, model: s.model, n: 1 });
        }
        const ok = `${s.org_id}\u0000${s.environment}\u0000${bucket}`;
        const o = orgs.get(ok);
        if (o) {
          o.requests++;
          o.billed += billed;
        } else orgs.set(ok, { org: s.org_id, env: s.environment, bucket, requests: 1, billed });
        this.addActivity.run(s.org_id, s.environment, bucket, id);
        this.addMonth.run(s.org_id, s.environment, CustomerUsageWriter.monthOf(s.timestamp), id, bucket, bucket);
        if (this.addDay.run(id, Math.floor(s.timestamp / DAY_MS)).changes > 0) t.days++;
        firstSeen = Math.min(firstSeen, s.timestamp);
        lastActive = Math.max(lastActive, s.timestamp);
        t.requests++;
        t.prompt += s.prompt_tokens;
        t.completion += s.completion_tokens;
        t.cost += s.cost;
        t.billed += billed;
        if (s.cached) t.cache++;
        if (s.status === 'error') t.errors++;
        events.push({
          org_id: s.org_id, environment: s.environment, customer_identifier: c.customer_identifier,
          timestamp: s.timestamp, billed, reservation_id: reservationOf(s),
        });
      });
      c.updated_at = now;
      this.updateRow.run(
        ...attributeParams(c), firstSeen, firstSeen, lastActive, lastActive, t.requests, t.prompt, t.completion,
        t.prompt + t.completion, t.cost, t.billed, t.cache, t.errors, t.days, id,
      );
    }
    for (const b of buckets.values()) {
      this.addBucket.run(b.customer_id, b.bucket, b.requests, b.prompt_tokens, b.completion_tokens, b.cost, b.billed,
        b.cache_hits, b.errors, b.latency_sum, b.latency_count, b.ttft_sum, b.ttft_count);
    }
    for (const m of models.values()) this.addModel.run(m.customer_id, m.bucket, m.model, m.n);
    for (const o of orgs.values()) this.addOrg.run(o.org, o.env, o.bucket, o.requests, o.billed);
    this.notify(events);
  }

  /** Hands usage to the listeners: from `apply`, or relayed from the span write thread. */
  notify(events: UsageEvent[]): void {
    for (const listener of this.listeners) {
      // A listener's failure must not roll back stored spans.
      try {
        listener(events);
      } catch {}
    }
  }
}
