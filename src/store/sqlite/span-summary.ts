/**
 * Span summaries over a window: from the rollups where the filters allow,
 * scanning spans only where they do not.
 *
 * A window [from, to] splits into the rollup units (15-minute buckets, or UTC
 * days when a customer is filtered) it covers whole, summed from the rollup
 * table, and at most two partial units at its edges, summed from spans: the
 * sum is exact. Filters on a rollup's dimensions apply to its rows as they
 * would to spans (rollups hold '' for none, read back as NULL). Any other
 * filter (metadata, status, text of the input...) scans the window's spans.
 */
import type { Database } from 'bun:sqlite';
import { BUCKET_MS, DAY_MS } from '../../lib/periods.ts';
import type { TypedCondition } from '../../query/filters.ts';
import type { Scope, SpanSummary } from '../types.ts';
import { type ColumnMap, compileFilters, scopeWhere } from './span-query.ts';
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

/** A rollup table a summary can read, its unit, and the span fields it is keyed by. */
interface RollupTable {
  table: string;
  unit: number;
  unitColumn: string;
  columns: ColumnMap;
}

const DIMENSIONS: ColumnMap = {
  model: "nullif(model, '')",
  provider_id: "nullif(provider_id, '')",
  api_key_id: "nullif(api_key_id, '')",
};

const BUCKETS: RollupTable = { table: 'rollup_buckets', unit: BUCKET_MS, unitColumn: 'bucket', columns: DIMENSIONS };
const DAYS: RollupTable = {
  table: 'rollup_days',
  unit: DAY_MS,
  unitColumn: 'day',
  columns: { ...DIMENSIONS, customer_identifier: "nullif(customer_identifier, '')" },
};

/** The rollup that can answer these filters, or null when only spans can. */
export function rollupFor(filters: readonly TypedCondition[]): RollupTable | null {
  const fields = filters.map((f) => (f.target === 'field' ? f.field : null));
  if (fields.every((f) => f !== null && f in BUCKETS.columns)) return BUCKETS;
  if (fields.every((f) => f !== null && f in DAYS.columns)) return DAYS;
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
    let sums = EMPTY;
    if (rollup) {
      // Whole units inside [from, to]; to is inclusive (a unit u covers [u*U, (u+1)*U - 1]).
      const first = Math.ceil(from / rollup.unit);
      const last = Math.floor((to + 1) / rollup.unit) - 1;
      if (first <= last) {
        sums = add(sums, this.fromRollup(rollup, scope, first, last, filters));
        if (from < first * rollup.unit) sums = add(sums, this.fromSpans(scope, from, first * rollup.unit - 1, filters));
        if ((last + 1) * rollup.unit <= to) sums = add(sums, this.fromSpans(scope, (last + 1) * rollup.unit, to, filters));
        return view(sums);
      }
    }
    return view(add(sums, this.fromSpans(scope, from, to, filters)));
  }

  private fromRollup(r: RollupTable, scope: Scope, first: number, last: number, filters: readonly TypedCondition[]): Sums | null {
    const s = scopeWhere(scope);
    const f = compileFilters(r.columns, filters);
    return this.client
      .query<Sums, SqlValue[]>(
        `SELECT ${ROLLUP_SUMS} FROM ${r.table} WHERE ${s.sql} AND ${r.unitColumn} >= ? AND ${r.unitColumn} <= ? AND ${f.sql}`,
      )
      .get(...s.params, first, last, ...f.params);
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
