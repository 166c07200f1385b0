/**
 * The read side of customers, and their management writes (PATCH, DELETE).
 * Summaries read 15-minute buckets of the customers on one page only, never
 * spans; organization-wide figures read `org_usage`, and active users one usage probe per customer.
 */
import type { Database, Statement } from 'bun:sqlite';
import { BUCKETS_PER_DAY, bucketOf, offsetMs, BUCKET_MS, type Range } from '../../lib/periods.ts';
import type {
  CustomerAttributes,
  CustomerFilter,
  CustomerQuery,
  CustomerRecord,
  CustomerStore,
  OrgFigures,
  PeriodUsage,
  UsageSums,
} from '../customer-types.ts';
import type { Environment, Scope } from '../types.ts';
import { rowToCustomer, type CustomerRow } from './customer-rows.ts';
import { mergeAttributes } from '../customer-attrs.ts';
import { CUSTOMER_SORT_COLUMNS } from '../customer-columns.ts';
import type { CustomerUsageWriter } from './customer-usage.ts';
import { filterSql } from './customer-filters.ts';

type Param = string | number | null;

interface SumsRow extends UsageSums {
  customer_id: number;
  active_days: number;
}

const ALL_TIME: [number, number] = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];

function bucketRange(range: Range | null): [number, number] {
  // Ranges are aligned to buckets (offsets are whole 15-minute steps), so this is exact.
  return range ? [bucketOf(range.start), Math.ceil(range.end / BUCKET_MS)] : ALL_TIME;
}

function envMarks(scope: Scope): string {
  return scope.environments.map(() => '?').join(', ');
}

export class SqliteCustomerStore implements CustomerStore {
  private readonly selectOne: Statement<CustomerRow, [string, string, string]>;

  constructor(
    private readonly client: Database,
    private readonly writer: CustomerUsageWriter,
  ) {
    this.selectOne = client.prepare(
      'SELECT * FROM customers WHERE org_id = ? AND environment = ? AND customer_identifier = ?',
    );
  }

  async get(orgId: string, env: Environment, identifier: string): Promise<CustomerRecord | null> {
    const row = this.selectOne.get(orgId, env, identifier);
    return row ? rowToCustomer(row) : null;
  }

  async update(
    orgId: string,
    env: Environment,
    identifier: string,
    attrs: CustomerAttributes,
    now: number,
  ): Promise<CustomerRecord | null> {
    // IMMEDIATE: read, merge and write under the write lock, so a span batch committing
    // the same customer's params (in any process) cannot be lost in between.
    return this.client.transaction((): CustomerRecord | null => {
      const row = this.selectOne.get(orgId, env, identifier);
      if (!row) return null;
      const c = { ...mergeAttributes(rowToCustomer(row), attrs), updated_at: now };
      this.writer.saveAttributes(c);
      return c;
    }).immediate();
  }

  async delete(orgId: string, env: Environment, identifier: string): Promise<boolean> {
    return this.client.transaction((): boolean => {
      const row = this.selectOne.get(orgId, env, identifier);
      if (!row) return false;
      // Take the customer's share out of the organization's figures first.
      this.client
        .prepare(
          `UPDATE org_usage SET
             requests = requests - (SELECT u.requests FROM customer_usage u WHERE u.customer_id = ?1 AND u.bucket = org_usage.bucket),
             billed = billed - (SELECT u.billed FROM customer_usage u WHERE u.customer_id = ?1 AND u.bucket = org_usage.bucket)
           WHERE org_id = ?2 AND environment = ?3
             AND bucket IN (SELECT bucket FROM customer_usage WHERE customer_id = ?1)`,
        )
        .run(row.id, orgId, env);
      for (const table of ['customer_usage', 'customer_model_usage', 'customer_days']) {
        this.client.prepare(`DELETE FROM ${table} WHERE customer_id = ?`).run(row.id);
      }
      this.client.prepare('DELETE FROM customers WHERE id = ?').run(row.id);
      return true;
    }).immediate();
  }

  async count(scope: Scope, filters: CustomerFilter[]): Promise<number> {
    const f = filterSql(filters);
    const sql = `SELECT count(*) AS n FROM customers WHERE org_id = ? AND environment IN (${envMarks(scope)})${f.sql}`;
    const row = this.client.query<{ n: number }, Param[]>(sql).get(scope.orgId, ...scope.environments, ...f.params);
    return row?.n ?? 0;
  }

  async list(scope: Scope, q: CustomerQuery): Promise<CustomerRecord[]> {
    const f = filterSql(q.filters);
    const col = CUSTOMER_SORT_COLUMNS[q.sort];
    const dir = q.desc ? 'DESC' : 'ASC';
    const sql = `SELECT * FROM customers WHERE org_id = ? AND environment IN (${envMarks(scope)})${f.sql}
      ORDER BY ${col} ${dir}, id ${dir} LIMIT ? OFFSET ?`;
    return this.client
      .query<CustomerRow, Param[]>(sql)
      .all(scope.orgId, ...scope.environments, ...f.params, q.limit, q.offset)
      .map(rowToCustomer);
  }

  async usage(ids: number[], range: Range | null, offsetHours: number): Promise<Map<number, PeriodUsage>> {
    const out = new Map<number, PeriodUsage>();
    if (ids.length === 0) return out;
    const [lo, hi] = bucketRange(range);
    const marks = ids.map(() => '?').join(', ');
    const offBuckets = offsetMs(offsetHours) / BUCKET_MS;
    // Local day of a bucket: floor((bucket - offset buckets) / 96); buckets are positive, so / truncates = floors.
    const sums = this.client
      .query<SumsRow, Param[]>(
        `SELECT customer_id, sum(requests) AS requests, sum(prompt_tokens) AS prompt_tokens,
           sum(completion_tokens) AS completion_tokens, sum(cost) AS cost, sum(billed) AS billed,
           sum(cache_hits) AS cache_hits, sum(errors) AS errors, sum(latency_sum) AS latency_sum,
           sum(latency_count) AS latency_count, sum(ttft_sum) AS ttft_sum, sum(ttft_count) AS ttft_count,
           count(DISTINCT (bucket - ?) / ${BUCKETS_PER_DAY}) AS active_days
         FROM customer_usage WHERE customer_id IN (${marks}) AND bucket >= ? AND bucket < ?
         GROUP BY customer_id`,
      )
      .all(offBuckets, ...ids, lo, hi);
    for (const r of sums) {
      const { customer_id, ...rest } = r;
      out.set(customer_id, { ...rest, top_models: {} });
    }
    const models = this.client
      .query<{ customer_id: number; model: string; n: number }, Param[]>(
        `SELECT customer_id, model, sum(requests) AS n FROM customer_model_usage
         WHERE customer_id IN (${marks}) AND bucket >= ? AND bucket < ?
         GROUP BY customer_id, model ORDER BY customer_id, n DESC, model`,
      )
      .all(...ids, lo, hi);
    for (const m of models) {
      const u = out.get(m.customer_id);
      if (u) u.top_models[m.model] = m.n;
    }
    return out;
  }

  async billed(orgId: string, env: Environment, identifier: string, range: Range | null): Promise<number> {
    const row = this.selectOne.get(orgId, env, identifier);
    if (!row) return 0;
    if (range === null) return row.billed;
    const [lo, hi] = bucketRange(range);
    const sum = this.client
      .query<{ b: number | null }, Param[]>(
        'SELECT sum(billed) AS b FROM customer_usage WHERE customer_id = ? AND bucket >= ? AND bucket < ?',
      )
      .get(row.id, lo, hi);
    return sum?.b ?? 0;
  }

  async orgFigures(scope: Scope, period: Range | null, day: Range, month: Range): Promise<OrgFigures> {
    const envs = envMarks(scope);
    const base = [scope.orgId, ...scope.environments];
    const one = (sql: string, params: Param[]): number =>
      this.client.query<{ n: number | null }, Param[]>(sql).get(...params)?.n ?? 0;
    const total = one(`SELECT count(*) AS n FROM customers WHERE org_id = ? AND environment IN (${envs})`, base);
    const [plo, phi] = period ? [period.start, period.end] : ALL_TIME;
    const fresh = one(
      `SELECT count(*) AS n FROM customers WHERE org_id = ? AND environment IN (${envs})
       AND first_seen >= ? AND first_seen < ?`,
      [...base, plo, phi],
    );
    // Customers with a usage bucket in the range: one index probe per customer of the scope.
    const activeIn = (r: Range) =>
      one(
        `SELECT count(*) AS n FROM customers c WHERE c.org_id = ? AND c.environment IN (${envs})
         AND c.last_active >= ? AND c.first_seen < ?
         AND EXISTS (SELECT 1 FROM customer_usage u WHERE u.customer_id = c.id AND u.bucket >= ? AND u.bucket < ?)`,
        [...base, r.start, r.end, ...bucketRange(r)],
      );
    const orgSum = (col: 'requests' | 'billed', r: Range) =>
      one(
        `SELECT sum(${col}) AS n FROM org_usage WHERE org_id = ? AND environment IN (${envs})
         AND bucket >= ? AND bucket < ?`,
        [...base, ...bucketRange(r)],
      );
    return {
      total_users: total,
      new_users: fresh,
      monthly_active_users: activeIn(month),
      daily_active_users: activeIn(day),
      daily_requests: orgSum('requests', day),
      monthly_cost: orgSum('billed', month),
    };
  }
}
