/**
 * Span summaries over a window: from precomputed 15-minute figures where the
 * filters allow, scanning spans only where they do not.
 *
 * A window [from, to] splits into the 15-minute buckets it covers whole,
 * summed from a rollup, and at most two partial buckets at its edges, summed
 * from spans: the sum is exact. Filters on model, provider and key read
 * rollup_buckets (its rows hold '' for none, read back as NULL); filters that
 * name customers read the customers' own usage buckets. Any other filter
 * (metadata, status, text of the input...) scans the window's spans.
 */
import type { Database } from 'bun:sqlite';
import { BUCKET_MS } from '../../lib/periods.ts';
import type { TypedCondition } from '../../query/filters.ts';
import type { Scope, SpanSummary } from '../types.ts';
import { type ColumnMap, type Compiled, compileFilters, scopeWhere } from './span-query.ts';
import type { SqlValue } from './span-rows.ts';

interface Sums {
  n: number;
  cost: number;
  tokens: number;
  prompt: number;
  completion: number;
  latency_sum: number;
  latency_n: number;
  ttft_sum: number;
  ttft_n: number;
  tps_sum: number;
  tps_n: number;
  errors: number;
}

const EMPTY: Sums = {
  n: 0, cost: 0, tokens: 0, prompt: 0, completion: 0, latency_sum: 0, latency_n: 0, ttft_sum: 0, ttft_n: 0, tps_sum: 0,
  tps_n: 0, errors: 0,
};

const RAW_SUMS = `count(*) AS n, total(cost) AS cost, total(total_request_tokens) AS tokens, total(prompt_tokens) AS prompt,
  total(completion_tokens) AS completion, total(latency) AS latency_sum, count(latency) AS latency_n,
  total(time_to_first_token) AS ttft_sum, count(time_to_first_token) AS ttft_n, total(tokens_per_second) AS tps_sum,
  count(tokens_per_second) AS tps_n, total(status = 'error') AS errors`;

const ROLLUP_SUMS = `total(requests) AS n, total(cost) AS cost, total(total_tokens) AS tokens, total(prompt_tokens) AS prompt,
  total(completion_tokens) AS completion, total(latency_sum) AS latency_sum, total(latency_count) AS latency_n,
  total(ttft_sum) AS ttft_sum, total(ttft_count) AS ttft_n, total(tps_sum) AS tps_sum, total(tps_count) AS tps_n,
  total(errors) AS errors`;

/** Where whole buckets of a summary come from. */
interface Rollup {
  /** FROM and WHERE of the rollup rows of buckets first..last that the filters select. */
  sql(scope: Scope, first: number, last: number, filters: readonly TypedCondition[]): Compiled;
}

const DIMENSIONS: ColumnMap = {
  model: "nullif(model, '')",
  provider_id: "nullif(provider_id, '')",
  api_key_id: "nullif(api_key_id, '')",
};

const BUCKETS: Rollup = {
  sql(scope, first, last, filters) {
    const s = scopeWhere(scope);
    const f = compileFilters(DIMENSIONS, filters);
    return {
      sql: `rollup_buckets WHERE ${s.sql} AND bucket >= ? AND bucket <= ? AND ${f.sql}`,
      params: [...s.params, first, last, ...f.params],
    };
  },
};

/** Customer usage keeps no spans without a customer: filters that keep those (not, isnull) scan spans. */
const CUSTOMER_OPERATORS = new Set(['', 'in', 'iexact', 'contains', 'icontains', 'startswith', 'endswith', 'lt', 'lte', 'gt', 'gte']);

const CUSTOMERS: Rollup = {
  sql(scope, first, last, filters) {
    const s = scopeWhere(scope);
    const f = compileFilters({}, filters);
    return {
      sql: `customer_usage WHERE customer_id IN (SELECT id FROM customers WHERE ${s.sql} AND ${f.sql})
        AND bucket >= ? AND bucket <= ?`,
      params: [...s.params, ...f.params, first, last],
    };
  },
};

/** The rollup that can answer these filters, or null when only spans can. */
export function rollupFor(filters: readonly TypedCondition[]): Rollup | null {
  if (filters.every((f) => f.target === 'field' && f.field in DIMENSIONS)) return BUCKETS;
  const onCustomer = (f: TypedCondition) =>
    f.target === 'field' && f.field === 'customer_identifier' && CUSTOMER_OPERATORS.has(f.operator) && !f.values.includes(null);
  if (filters.length > 0 && filters.every(onCustomer)) return CUSTOMERS;
  return null;
}

function add(a: Sums, b: Partial<Sums> | null): Sums {
  if (!b) return a;
  const out = { ...a };
  for (const k of Object.keys(EMPTY) as (keyof Sums)[]) out[k] += b[k] ?? 0;
  return out;
}

export class SqliteSummaries {
  constructor(private readonly client: Database) {}

  summary(scope: Scope, from: number, to: number, filters: readonly TypedCondition[]): SpanSummary {
    const rollup = rollupFor(filters);
    // Whole buckets inside [from, to]; to is inclusive (bucket b covers [b*U, (b+1)*U - 1]).
    const first = Math.ceil(from / BUCKET_MS);
    const last = Math.floor((to + 1) / BUCKET_MS) - 1;
    if (!rollup || first > last) return view(add(EMPTY, this.fromSpans(scope, from, to, filters)));
    let sums = add(EMPTY, this.fromRollup(rollup, scope, first, last, filters));
    if (from < first * BUCKET_MS) sums = add(sums, this.fromSpans(scope, from, first * BUCKET_MS - 1, filters));
    if ((last + 1) * BUCKET_MS <= to) sums = add(sums, this.fromSpans(scope, (last + 1) * BUCKET_MS, to, filters));
    return view(sums);
  }

  private fromRollup(r: Rollup, scope: Scope, first: number, last: number, filters: readonly TypedCondition[]): Sums | null {
    const q = r.sql(scope, first, last, filters);
    return this.client.query<Sums, SqlValue[]>(`SELECT ${ROLLUP_SUMS} FROM ${q.sql}`).get(...q.params);
  }

  private fromSpans(scope: Scope, from: number, to: number, filters: readonly TypedCondition[]): Sums | null {
    const s = scopeWhere(scope);
    const f = compileFilters({}, filters, 'metadata');
    return this.client
      .query<Sums, SqlValue[]>(`SELECT ${RAW_SUMS} FROM spans WHERE ${s.sql} AND timestamp >= ? AND timestamp <= ? AND ${f.sql}`)
      .get(...s.params, from, to, ...f.params);
  }
}

function view(s: Sums): SpanSummary {
  return {
    number_of_requests: s.n,
    total_cost: s.cost,
    total_tokens: s.tokens,
    total_prompt_tokens: s.prompt,
    total_completion_tokens: s.completion,
    avg_latency: s.latency_n > 0 ? s.latency_sum / s.latency_n : null,
    avg_ttft: s.ttft_n > 0 ? s.ttft_sum / s.ttft_n : null,
    avg_tps: s.tps_n > 0 ? s.tps_sum / s.tps_n : null,
    error_count: s.errors,
  };
}
