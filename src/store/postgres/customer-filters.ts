/** The customers list's `filters` and `sort_by`, as PostgreSQL over the `customers` table. */
import { CUSTOMER_FILTER_COLUMNS } from '../customer-columns.ts';
import type { CustomerFilter, CustomerSortField } from '../customer-types.ts';
import type { Params } from './connection.ts';


/** Sort columns that may hold NULL: SQLite sorts NULLs first ascending, PostgreSQL last. */
export const NULLABLE_SORTS: ReadonlySet<CustomerSortField> = new Set(['first_seen', 'last_active']);

const TEXT_COLUMNS = new Set(['customer_identifier', 'name', 'email', 'group_identifier']);

/** `AND ...` clauses; values are already checked by the service. */
export function filterSql(filters: CustomerFilter[], ps: Params): string {
  let sql = '';
  for (const f of filters) {
    const col = CUSTOMER_FILTER_COLUMNS[f.field];
    const text = TEXT_COLUMNS.has(col);
    const value = (v: string | number | boolean | null) => (text ? ps.text(String(v)) : ps.num(Number(v)));
    const vals = f.values.filter((v) => v !== null);
    const first = f.values[0] ?? null;
    switch (f.operator) {
      case '':
      case 'in':
        sql += vals.length ? ` AND ${col} IN (${vals.map(value).join(', ')})` : ' AND false';
        break;
      case 'not':
        // As SQLite's store: one value keeps NULLs (IS NOT), several do not (NOT IN).
        if (f.values.length > 1) sql += ` AND ${col} NOT IN (${vals.map(value).join(', ')})`;
        else sql += first === null ? ` AND ${col} IS NOT NULL` : ` AND ${col} IS DISTINCT FROM ${value(first)}`;
        break;
      case 'iexact':
        sql += ` AND lower(${col}) = lower(${ps.text(String(first ?? ''))})`;
        break;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte': {
        const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[f.operator];
        sql += ` AND ${col} ${op} ${value(first)}`;
        break;
      }
      case 'contains':
        sql += ` AND strpos(${col}::text, ${ps.text(String(first ?? ''))}) > 0`;
        break;
      case 'icontains':
        sql += ` AND strpos(lower(${col}::text), lower(${ps.text(String(first ?? ''))})) > 0`;
        break;
      case 'startswith':
        sql += ` AND starts_with(${col}::text, ${ps.text(String(first ?? ''))})`;
        break;
      case 'endswith': {
        const t = String(first ?? '');
        sql += ` AND right(${col}::text, ${ps.num([...t].length)}::int) = ${ps.text(t)}`;
        break;
      }
      case 'isnull': {
        // Name and email are stored as '' when unknown: '' counts as null.
        const isNull = first === true || first === 1 || first === 'true';
        sql += isNull ? ` AND (${col} IS NULL OR ${col}::text = '')` : ` AND (${col} IS NOT NULL AND ${col}::text <> '')`;
        break;
      }
    }
  }
  return sql;
}
