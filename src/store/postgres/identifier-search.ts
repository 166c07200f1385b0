/**
 * Substring and case-insensitive matches on customer and thread identifiers
 * without reading every span of a window: the identifiers active in the
 * window are few (one row per customer, one per thread), so the match runs
 * over them and becomes an IN list, which the identifier's span index
 * answers. Past MAX_IDS matches the list would cost more than it saves, and
 * the span scan stays. (As in SQLite: src/store/sqlite/identifier-search.ts.)
 */
import type { SQL } from 'bun';
import type { TypedCondition } from '../../query/filters.ts';
import type { Scope } from '../types.ts';
import { Params } from './connection.ts';
import { compileFilters, scopeWhere } from './span-query.ts';

const MAX_IDS = 1000;
const TEXT_MATCHES = new Set(['iexact', 'contains', 'icontains', 'startswith', 'endswith']);

/** Where the identifiers of a field live, and when each was active. */
const SOURCES: Partial<Record<string, { table: string; first: string; last: string }>> = {
  customer_identifier: { table: 'customers', first: 'first_seen', last: 'last_active' },
  thread_identifier: { table: 'thread_rollups', first: 'first_seen', last: 'end_time' },
};

interface Window {
  scope: Scope;
  from: number;
  to: number;
  filters: readonly TypedCondition[];
}

export class PgIdentifierSearch {
  constructor(private readonly sql: SQL) {}

  /** The filters with each identifier text match replaced by the identifiers it matches, where that pays. */
  async resolve(q: Window): Promise<TypedCondition[]> {
    const out: TypedCondition[] = [];
    for (const c of q.filters) {
      const source = c.target === 'field' && TEXT_MATCHES.has(c.operator) ? SOURCES[c.field] : undefined;
      if (c.target !== 'field' || !source) {
        out.push(c);
        continue;
      }
      const ps = new Params();
      const rows = await this.sql.unsafe<{ v: string }[]>(
        `SELECT DISTINCT ${c.field} AS v FROM ${source.table}
         WHERE ${scopeWhere(q.scope, ps)} AND ${source.last} >= ${ps.num(q.from)} AND ${source.first} <= ${ps.num(q.to)}
           AND ${compileFilters({}, [c], ps)} LIMIT ${ps.num(MAX_IDS + 1)}`,
        ps.values,
      );
      out.push(rows.length > MAX_IDS ? c : { target: 'field', field: c.field, kind: 'text', operator: 'in', values: rows.map((r) => r.v) });
    }
    return out;
  }
}
