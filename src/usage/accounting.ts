/**
 * Usage accounting: what a batch of spans adds to the customers it names,
 * to their 15-minute usage buckets, to the organization's figures and to the
 * API keys' spend. Pure: a backend loads the customers a batch names (in its
 * write transaction), asks `planUsage` what to add, and persists the plan
 * with atomic increments. No backend re-implements billing.
 *
 * Cost is kept both raw and billed: billed = cost with the customer's
 * markup_percentage as it stands once that span's own customer_params are
 * applied. Reports and budgets use billed, so changing a markup affects calls
 * made after the change, never history.
 */
import { Value } from '@sinclair/typebox/value';
import { bucketOf, DAY_MS } from '../lib/periods.ts';
import { applyMarkup } from '../pricing/cost.ts';
import { CUSTOMER_IDENTIFIER_MAX, CustomerParams } from '../schemas/customer.ts';
import { mergeAttributes } from '../store/customer-attrs.ts';
import type { CustomerAttributes, CustomerRecord, UsageSums } from '../store/customer-types.ts';
import type { CommittedUsage } from '../store/state-types.ts';
import type { Environment, SpanRecord } from '../store/types.ts';

/** The identity of a customer: unique per organization and environment. */
export interface CustomerRef {
  orgId: string;
  environment: Environment;
  identifier: string;
}

export function customerRefKey(r: CustomerRef): string {
  return `${r.orgId}\u0000${r.environment}\u0000${r.identifier}`;
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

/** Every customer a batch names, once each: what the backend loads (or creates) before planning. */
export function customersOfBatch(batch: readonly SpanRecord[]): CustomerRef[] {
  const refs = new Map<string, CustomerRef>();
  for (const span of batch) {
    const who = customerOfSpan(span);
    if (!who) continue;
    const ref = { orgId: span.org_id, environment: span.environment, identifier: who.identifier };
    refs.set(customerRefKey(ref), ref);
  }
  return [...refs.values()];
}

/** The sums of a set of spans of one customer, as its usage rows keep them. */
export interface UsageRow extends UsageSums {
  total_tokens: number;
  tps_sum: number;
  tps_count: number;
}

export interface BucketUsage extends UsageRow {
  bucket: number;
}

/** A UTC day of one customer's usage: what day-wide reads (a breakdown over weeks) sum. */
export interface DayUsage extends UsageRow {
  day: number;
}

/** What one batch adds to one stored customer. */
export interface CustomerUsage {
  customer: CustomerRecord;
  /** The attributes after the batch's customer_params, or null when no span carried any. */
  attributes: CustomerRecord | null;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number;
  billed: number;
  cache_hits: number;
  errors: number;
  firstSeen: number;
  lastActive: number;
  /** Per UTC day (epoch ms / day) with a request. */
  days: DayUsage[];
  buckets: BucketUsage[];
  models: { bucket: number; model: string; requests: number }[];
}

export interface OrgBucketUsage {
  orgId: string;
  environment: Environment;
  bucket: number;
  requests: number;
  billed: number;
}

export interface UsagePlan {
  customers: CustomerUsage[];
  orgBuckets: OrgBucketUsage[];
  /** Raw provider cost per API key. */
  keySpend: { keyId: string; cost: number }[];
  /** Handed to the reservation ledger once the batch is committed. */
  committed: CommittedUsage[];
}

function emptyRow(): UsageRow {
  return {
    requests: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0, billed: 0, cache_hits: 0,
    errors: 0, latency_sum: 0, latency_count: 0, ttft_sum: 0, ttft_count: 0, tps_sum: 0, tps_count: 0,
  };
}

function addSpan(b: UsageRow, s: SpanRecord, billed: number): void {
  b.requests++;
  b.prompt_tokens += s.prompt_tokens;
  b.completion_tokens += s.completion_tokens;
  b.total_tokens += s.total_request_tokens;
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
  if (s.tokens_per_second !== null && Number.isFinite(s.tokens_per_second)) {
    b.tps_sum += s.tokens_per_second;
    b.tps_count++;
  }
}

function reservationOf(span: SpanRecord): string | null {
  const info = span.extra.limit_info;
  if (info === null || typeof info !== 'object') return null;
  const id = (info as Record<string, unknown>).reservation_id;
  return typeof id === 'string' ? id : null;
}

/** What a customer's spans of this batch add, given the customer as stored before the batch. */
function planCustomer(
  stored: CustomerRecord,
  spans: SpanRecord[],
  attrs: CustomerAttributes[],
): { usage: CustomerUsage; billed: number[] } {
  let c = stored;
  let touched = false;
  const u: CustomerUsage = {
    customer: stored, attributes: null, requests: 0, prompt_tokens: 0, completion_tokens: 0, cost: 0, billed: 0,
    cache_hits: 0, errors: 0, firstSeen: Number.POSITIVE_INFINITY, lastActive: Number.NEGATIVE_INFINITY,
    days: [], buckets: [], models: [],
  };
  const buckets = new Map<number, BucketUsage>();
  const models = new Map<string, { bucket: number; model: string; requests: number }>();
  const days = new Map<number, DayUsage>();
  const billedOf: number[] = [];
  spans.forEach((s, i) => {
    const a = attrs[i] ?? {};
    if (Object.keys(a).length > 0) {
      c = mergeAttributes(c, a);
      touched = true;
    }
    const billed = applyMarkup(s.cost, c.markup_percentage);
    billedOf.push(billed);
    const bucket = bucketOf(s.timestamp);
    let b = buckets.get(bucket);
    if (!b) buckets.set(bucket, (b = { ...emptyRow(), bucket }));
    addSpan(b, s, billed);
    const day = Math.floor(s.timestamp / DAY_MS);
    let d = days.get(day);
    if (!d) days.set(day, (d = { ...emptyRow(), day }));
    addSpan(d, s, billed);
    if (s.model) {
      const mk = `${bucket}:${s.model}`;
      const m = models.get(mk);
      if (m) m.requests++;
      else models.set(mk, { bucket, model: s.model, requests: 1 });
    }
    u.firstSeen = Math.min(u.firstSeen, s.timestamp);
    u.lastActive = Math.max(u.lastActive, s.timestamp);
    u.requests++;
    u.prompt_tokens += s.prompt_tokens;
    u.completion_tokens += s.completion_tokens;
    u.cost += s.cost;
    u.billed += billed;
    if (s.cached) u.cache_hits++;
    if (s.status === 'error') u.errors++;
  });
  u.attributes = touched ? c : null;
  u.days = [...days.values()];
  u.buckets = [...buckets.values()];
  u.models = [...models.values()];
  return { usage: u, billed: billedOf };
}

/**
 * The usage a batch adds. `stored` gives each customer the batch names (see
 * customersOfBatch) as it is in the store inside the write transaction,
 * created blank if new.
 */
export function planUsage(batch: readonly SpanRecord[], stored: (ref: CustomerRef) => CustomerRecord): UsagePlan {
  const byCustomer = new Map<string, { ref: CustomerRef; spans: SpanRecord[]; attrs: CustomerAttributes[] }>();
  const keySpend = new Map<string, number>();
  for (const span of batch) {
    if (span.api_key_id && span.cost > 0) keySpend.set(span.api_key_id, (keySpend.get(span.api_key_id) ?? 0) + span.cost);
    const who = customerOfSpan(span);
    if (!who) continue;
    const ref = { orgId: span.org_id, environment: span.environment, identifier: who.identifier };
    const k = customerRefKey(ref);
    let entry = byCustomer.get(k);
    if (!entry) byCustomer.set(k, (entry = { ref, spans: [], attrs: [] }));
    entry.spans.push(span);
    entry.attrs.push(who.attrs);
  }
  const customers: CustomerUsage[] = [];
  const orgBuckets = new Map<string, OrgBucketUsage>();
  const committed: CommittedUsage[] = [];
  for (const { ref, spans, attrs } of byCustomer.values()) {
    const { usage, billed } = planCustomer(stored(ref), spans, attrs);
    customers.push(usage);
    for (const b of usage.buckets) {
      const ok = `${ref.orgId}\u0000${ref.environment}\u0000${b.bucket}`;
      const o = orgBuckets.get(ok);
      if (o) {
        o.requests += b.requests;
        o.billed += b.billed;
      } else {
        orgBuckets.set(ok, { orgId: ref.orgId, environment: ref.environment, bucket: b.bucket, requests: b.requests, billed: b.billed });
      }
    }
    spans.forEach((s, i) => {
      committed.push({ subject: ref, timestamp: s.timestamp, billed: billed[i] ?? 0, reservationId: reservationOf(s) });
    });
  }
  return {
    customers,
    orgBuckets: [...orgBuckets.values()],
    keySpend: [...keySpend].map(([keyId, cost]) => ({ keyId, cost })),
    committed,
  };
}
