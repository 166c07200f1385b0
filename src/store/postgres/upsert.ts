/**
 * Many rows in one statement: the rows go to the server as one JSON text
 * (json_to_recordset), so a batch costs one round trip per table whatever its
 * size, and an upsert adds its figures atomically (`x = t.x + excluded.x`).
 * Callers pass rows sorted by their key: every writer then locks rows in the
 * same order, and two gateways upserting the same rows wait instead of
 * deadlocking.
 */
import type { SQL } from 'bun';
import { toJson } from './span-rows.ts';

/** Column name -> PostgreSQL type. */
export type Columns = Readonly<Record<string, string>>;

/** `json_to_recordset($n::text::json) AS x(...)` for these columns; $n is the JSON text of the rows. */
export function recordset(columns: Columns, placeholder: string): string {
  const def = Object.entries(columns)
    .map(([name, type]) => `"${name}" ${type}`)
    .join(', ');
  return `json_to_recordset(${placeholder}::text::json) AS x(${def})`;
}

export interface UpsertSpec {
  table: string;
  columns: Columns;
  /** The conflict target (the primary key). */
  key: string[];
  /** SET clause of DO UPDATE (the table is `t`); absent: DO NOTHING. */
  set?: string;
  /** RETURNING clause. */
  returning?: string;
}

export async function upsertRows<R = unknown>(tx: SQL, spec: UpsertSpec, rows: readonly object[]): Promise<R[]> {
  if (rows.length === 0) return [];
  const names = Object.keys(spec.columns).map((c) => `"${c}"`).join(', ');
  const action = spec.set ? `DO UPDATE SET ${spec.set}` : 'DO NOTHING';
  const returning = spec.returning ? ` RETURNING ${spec.returning}` : '';
  return tx.unsafe<R[]>(
    `INSERT INTO ${spec.table} AS t (${names}) SELECT ${names} FROM ${recordset(spec.columns, '$1')}
     ON CONFLICT (${spec.key.join(', ')}) ${action}${returning}`,
    [toJson(rows)],
  );
}

/** `a = t.a + excluded.a, ...` */
export function adds(columns: readonly string[]): string {
  return columns.map((c) => `${c} = t.${c} + excluded.${c}`).join(', ');
}

/** Sorts rows by their key fields (in place) so that every writer locks them in one order. */
export function byKey<T>(rows: T[], key: (r: T) => string): T[] {
  return rows.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
