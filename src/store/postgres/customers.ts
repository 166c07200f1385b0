/**
 * The read side of customers, and their management writes (PATCH, DELETE),
 * in PostgreSQL. Summaries read 15-minute buckets of the customers on one
 * page only, never spans; organization-wide figures read `org_usage`.
 */
import type { SQL } from 'bun';
import { BUCKET_MS, BUCKETS_PER_DAY, bucketOf, offsetMs, type Range } from '../../lib/periods.ts';
import { mergeAttributes } from '../customer-attrs.ts';
import { CUSTOMER_SORT_COLUMNS } from '../customer-columns.ts';
import type { CustomerAttributes, CustomerFilter, CustomerQuery, CustomerRecord, CustomerStore, OrgFigures, PeriodUsage } from '../customer-types.ts';
import type { Environment, Scope } from '../types.ts';
import { num, Params, transaction } from './connection.ts';
import { filterSql, NULLABLE_SORTS } from './customer-filters.ts';
import { type PgCustomerRow, rowToCustomer } from './customer-rows.ts';
import { saveAttributes } from './customer-usage.ts';
import { scopeWhere } from './span-query.ts';

const ALL_TIME: [number, number] = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];

function bucketRange(range: Range | null): [number, number] {
  // Ranges are aligned to buckets (offsets are whole 15-minute steps), so this is exact.
  return range ? [bucketOf(range.start), Math.ceil(range.end / BUCKET_MS)] : ALL_TIME;
}

const SELECT_ONE = 'SELECT * FROM customers WHERE org_id = $1 AND environment = $2 AND customer_identifier = $3';

const SUMS = ['requests', 'prompt_tokens', 'completion_tokens', 'cost', 'billed', 'cache_hits', 'errors', 'latency_sum', 'latency_count', 'ttft_sum', 'ttft_count'] as const;

export class PgCustomerStore implements CustomerStore {
  constructor(private readonly sql: SQL) {}

  async get(orgId: string, env: Environment, identifier: string): Promise<CustomerRecord | null> {
    const [row] = await this.sql.unsafe<PgCustomerRow[]>(SELECT_ONE, [orgId, env, identifier]);
    return row ? rowToCustomer(row) : null;
  }

  async update(orgId: string, env: Environment, identifier: string, attrs: CustomerAttributes, now: number): Promise<CustomerRecord | null> {
    // Read, merge and write under the row's lock, so a span batch committing the
    // same customer's params (in any gateway) cannot be lost in between.
    return transaction(this.sql, async (tx) => {
      const [row] = await tx.unsafe<PgCustomerRow[]>(`${SELECT_ONE} FOR UPDATE`, [orgId, env, identifier]);
      if (!row) return null;
      const c = { ...mergeAttributes(rowToCustomer(row), attrs), updated_at: now };
      await saveAttributes(tx, [c]);
      return c;
    });
  }

  async delete(orgId: string, env: Environment, identifier: string): Promise<boolean> {
    return transaction(this.sql, async (tx) => {
      const [row] = await tx.unsafe<PgCustomerRow[]>(`${SELECT_ONE} FOR UPDATE`, [orgId, env, identifier]);
      if (!row) return false;
      const id = num(row.id);
      // Take the customer's share out of the organization's figures first.
      await tx.unsafe(
        `UPDATE org_usage o SET requests = o.requests - u.requests, billed = o.billed - u.billed
         FROM customer_usage u WHERE u.customer_id = $1 AND o.org_id = $2 AND o.environment = $3 AND o.bucket = u.bucket`,
        [id, orgId, env],
      );
      for (const table of ['customer_usage', 'customer_model_usage', 'customer_days']) {
        await tx.unsafe(`DELETE FROM ${table} WHERE customer_id = $1`, [id]);
      }
      await tx.unsafe('DELETE FROM customers WHERE id = $1', [id]);
      return true;
    });
  }

  async count(scope: Scope, filters: CustomerFilter[]): Promise<number> {
    const ps = new Params();
    const where = `${scopeWhere(scope, ps)}${filterSql(filters, ps)}`;
    const [row] = await this.sql.unsafe<{ n: string }[]>(`SELECT count(*) AS n FROM customers WHERE ${where}`, ps.values);
    return num(row?.n ?? 0);
  }

  async list(scope: Scope, q: CustomerQuery): Promise<CustomerRecord[]> {
    const ps = new Params();
    const where = `${scopeWhere(scope, ps)}${filterSql(q.filters, ps)}`;
    const dir = q.desc ? 'DESC' : 'ASC';
    const nulls = NULLABLE_SORTS.has(q.sort) ? (q.desc ? ' NULLS LAST' : ' NULLS FIRST') : '';
    const rows = await this.sql.unsafe<PgCustomerRow[]>(
      `SELECT * FROM customers WHERE ${where} ORDER BY ${CUSTOMER_SORT_COLUMNS[q.sort]} ${dir}${nulls}, id ${dir}
       LIMIT ${ps.num(q.limit)} OFFSET ${ps.num(q.offset)}`,
      ps.values,
    );
    return rows.map(rowToCustomer);
  }

  async usage(ids: number[], range: Range | null, offsetHours: number): Promise<Map<number, PeriodUsage>> {
    const out = new Map<number, PeriodUsage>();
    if (ids.length === 0) return out;
    const [lo, hi] = bucketRange(range);
    const offBuckets = offsetMs(offsetHours) / BUCKET_MS;
    // Local day of a bucket: floor((bucket - offset buckets) / 96).
    const sums = await this.sql.unsafe<Record<string, unknown>[]>(
      `SELECT customer_id, ${SUMS.map((c) => `sum(${c})::float8 AS ${c}`).join(', ')},
         count(DISTINCT floor((bucket - $1::int8) / ${BUCKETS_PER_DAY}.0)) AS active_days
       FROM customer_usage WHERE customer_id = ANY($2::int8[]) AND bucket >= $3::int8 AND bucket < $4::int8
       GROUP BY customer_id`,
      [offBuckets, ids, lo, hi],
    );
    for (const r of sums) {
      const u = { active_days: num(r.active_days), top_models: {} } as PeriodUsage;
      for (const c of SUMS) u[c] = num(r[c]);
      out.set(num(r.customer_id), u);
    }
    const models = await this.sql.unsafe<{ customer_id: string; model: string; n: string }[]>(
      `SELECT customer_id, model, sum(requests) AS n FROM customer_model_usage
       WHERE customer_id = ANY($1::int8[]) AND bucket >= $2::int8 AND bucket < $3::int8
       GROUP BY customer_id, model ORDER BY customer_id, n DESC, model`,
      [ids, lo, hi],
    );
    for (const m of models) {
      const u = out.get(num(m.customer_id));
      if (u) u.top_models[m.model] = num(m.n);
    }
    return out;
  }

  async billed(orgId: string, env: Environment, identifier: string, range: Range | null): Promise<number> {
    if (range === null) {
      const [row] = await this.sql.unsafe<{ billed: number }[]>(
        'SELECT billed FROM customers WHERE org_id = $1 AND environment = $2 AND customer_identifier = $3',
        [orgId, env, identifier],
      );
      return row?.billed ?? 0;
    }
    const [lo, hi] = bucketRange(range);
    const [row] = await this.sql.unsafe<{ b: number | null }[]>(
      `SELECT sum(u.billed) AS b FROM customers c JOIN customer_usage u ON u.customer_id = c.id
       WHERE c.org_id = $1 AND c.environment = $2 AND c.customer_identifier = $3 AND u.bucket >= $4::int8 AND u.bucket < $5::int8`,
      [orgId, env, identifier, lo, hi],
    );
    return row?.b ?? 0;
  }

  async orgFigures(scope: Scope, period: Range | null, day: Range, month: Range): Promise<OrgFigures> {
    const one = async (build: (ps: Params) => string): Promise<number> => {
      const ps = new Params();
      const [row] = await this.sql.unsafe<{ n: string | number | null }[]>(build(ps), ps.values);
      return num(row?.n ?? 0);
    };
    const [plo, phi] = period ? [period.start, period.end] : ALL_TIME;
    // Customers with a usage bucket in the range: one index probe per customer of the scope.
    const activeIn = (r: Range) =>
      one((ps) => {
        const [lo, hi] = bucketRange(r);
        return `SELECT count(*) AS n FROM customers c WHERE ${scopeWhere(scope, ps, 'c.')}
          AND c.last_active >= ${ps.num(r.start)} AND c.first_seen < ${ps.num(r.end)}
          AND EXISTS (SELECT 1 FROM customer_usage u WHERE u.customer_id = c.id AND u.bucket >= ${ps.num(lo)} AND u.bucket < ${ps.num(hi)})`;
      });
    const orgSum = (col: 'requests' | 'billed', r: Range) =>
      one((ps) => {
        const [lo, hi] = bucketRange(r);
        return `SELECT sum(${col})::float8 AS n FROM org_usage WHERE ${scopeWhere(scope, ps)}
          AND bucket >= ${ps.num(lo)} AND bucket < ${ps.num(hi)}`;
      });
    // One after the other: a read holds one connection of the pool, however many statements it runs.
    return {
      total_users: await one((ps) => `SELECT count(*) AS n FROM customers WHERE ${scopeWhere(scope, ps)}`),
      new_users: await one(
        (ps) => `SELECT count(*) AS n FROM customers WHERE ${scopeWhere(scope, ps)} AND first_seen >= ${ps.num(plo)} AND first_seen < ${ps.num(phi)}`,
      ),
      monthly_active_users: await activeIn(month),
      daily_active_users: await activeIn(day),
      daily_requests: await orgSum('requests', day),
      monthly_cost: await orgSum('billed', month),
    };
  }
}
