/**
 * Substring and case-insensitive matches on customer and thread identifiers
 * without reading every span of a window: the identifiers active in the
 * window are few (one row per customer, one per thread), so the match runs
 * over them and becomes an IN list, which the identifier's span index
 * answers. Past MAX_IDS matches the list would cost more than it saves, and
 * the span scan stays. (A customer deleted through the API keeps its spans
 * but leaves this list: its spans are found by its exact identifier.)
 */
import type { Database } from 'bun:sqlite';
import type { TypedCondition } from '../../query/filters.ts';
import type { Scope } from '../types.ts';
import { compileFilters, scopeWhere } from './span-query.ts';
import type { SqlValue } from './span-rows.ts';

const MAX_IDS = 1000;
const TEXT_MATCHES = new Set(['iexact', 'contains', 'icontains', 'startswith', 'endswith']);

interface Window {
  scope: Scope;
  from: number;
  to: number;
  filters: readonly TypedCondition[];
}

export class IdentifierSearch {
  constructor(private readonly client: Database) {}

  /** The filters with each identifier text match replaced by the identifiers it matches, where that pays. */
  resolve(q: Window): TypedCondition[] {
    return q.filters.map((c) => {
      if (c.target !== 'field' || !TEXT_MATCHES.has(c.operator)) return c;
      const ids =
        c.field === 'customer_identifier'
          ? this.distinct('customers', 'customer_identifier', 'last_active >= ? AND first_seen <= ?', [q.from, q.to], q.scope, c)
          : c.field === 'thread_identifier'
            ? this.distinct('thread_rollups', 'thread_identifier', 'end_time >= ? AND first_seen <= ?', [q.from, q.to], q.scope, c)
            : null;
      return ids === null ? c : { target: 'field', field: c.field, kind: 'text', operator: 'in', values: ids };
    });
  }

  private distinct(
    table: string,
    column: string,
    window: string,
    windowParams: SqlValue[],
    scope: Scope,
    c: TypedCondition,
  ): string[] | null {
    const s = scopeWhere(scope);
    const f = compileFilters({}, [c]);
    const rows = this.client
      .query<{ v: string }, SqlValue[]>(
        `SELECT DISTINCT ${column} AS v FROM ${table} WHERE ${s.sql} AND ${window} AND ${f.sql} LIMIT ?`,
      )
      .all(...s.params, ...windowParams, ...f.params, MAX_IDS + 1);
    return rows.length > MAX_IDS ? null : rows.map((r) => r.v);
  }
}
