/** The customers list's `filters` and `sort_by`, as SQL over the `customers` table. */
import { CUSTOMER_FILTER_COLUMNS } from '../customer-columns.ts';
import type { CustomerFilter } from '../customer-types.ts';

type Param = string | number | null;


function sqlValue(v: string | number | boolean | null): Param {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `AND ...` clauses and their parameters; values are already checked by the service. */
export function filterSql(filters: CustomerFilter[]): { sql: string; params: Param[] } {
  let sql = '';
  const params: Param[] = [];
  for (const f of filters) {
    const col = CUSTOMER_FILTER_COLUMNS[f.field];
    const vals = f.values.map(sqlValue);
    const first = vals[0] ?? null;
    const text = String(first ?? '');
    const marks = vals.map(() => '?').join(', ');
    switch (f.operator) {
      case '':
        sql += vals.length > 1 ? ` AND ${col} IN (${marks})` : ` AND ${col} = ?`;
        params.push(...(vals.length > 1 ? vals : [first]));
        break;
      case 'in':
        sql += vals.length ? ` AND ${col} IN (${marks})` : ' AND 0';
        params.push(...vals);
        break;
      case 'not':
        sql += vals.length > 1 ? ` AND ${col} NOT IN (${marks})` : ` AND ${col} IS NOT ?`;
        params.push(...(vals.length > 1 ? vals : [first]));
        break;
      case 'iexact':
        sql += ` AND lower(${col}) = lower(?)`;
        params.push(first);
        break;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte': {
        const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[f.operator];
        sql += ` AND ${col} ${op} ?`;
        params.push(first);
        break;
      }
      case 'contains':
        sql += ` AND instr(${col}, ?) > 0`;
        params.push(text);
        break;
      case 'icontains':
        sql += ` AND ${col} LIKE ? ESCAPE '\\'`;
        params.push(`%${escapeLike(text)}%`);
        break;
      case 'startswith':
        sql += ` AND substr(${col}, 1, length(?)) = ?`;
        params.push(text, text);
        break;
      case 'endswith':
        sql += ` AND length(${col}) >= length(?) AND substr(${col}, -length(?)) = ?`;
        params.push(text, text, text);
        break;
      case 'isnull': {
        // Name and email are stored as '' when unknown: '' counts as null.
        const isNull = first === 1 || first === 'true';
        sql += isNull ? ` AND (${col} IS NULL OR ${col} = '')` : ` AND (${col} IS NOT NULL AND ${col} <> '')`;
        break;
      }
    }
  }
  return { sql, params };
}
