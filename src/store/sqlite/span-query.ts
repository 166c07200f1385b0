/**
 * Translates typed filters (src/query/filters.ts, already checked) into
 * SQLite WHERE fragments with bound parameters. Field names reach SQL only
 * through a column map, so a name can never be an injection.
 */
import type { SortSpec, TypedCondition, TypedValue } from '../../query/filters.ts';
import type { Scope } from '../types.ts';
import { metadataExpression } from './metadata-indexes.ts';
import type { SqlValue } from './span-rows.ts';

export interface Compiled {
  sql: string;
  params: SqlValue[];
}

/** Field name -> trusted SQL expression (a column or an aggregate alias). */
export type ColumnMap = Readonly<Record<string, string>>;

function sqlValue(v: TypedValue): SqlValue {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

function chars(s: string): number {
  return [...s].length;
}

function anyOf(parts: Compiled[]): Compiled {
  return {
    sql: parts.length === 1 ? (parts[0] as Compiled).sql : `(${parts.map((x) => x.sql).join(' OR ')})`,
    params: parts.flatMap((x) => x.params),
  };
}

/** How metadata__KEY reads its key: `json_extract(<column>, path)`, with literal paths for indexed keys. */
export interface MetadataSource {
  column: string;
  /** Keys with an expression index: their path is written as the index's literal text. */
  indexed?: ReadonlySet<string>;
}

function compileOne(columns: ColumnMap, metadata: MetadataSource | null, c: TypedCondition): Compiled {
  let expr: string;
  let p: SqlValue[];
  let asText: string;
  if (c.target === 'field') {
    expr = columns[c.field] ?? c.field;
    p = [];
    asText = c.kind === 'text' ? expr : `CAST(${expr} AS TEXT)`;
  } else {
    if (metadata?.indexed?.has(c.key)) {
      expr = metadataExpression(c.key);
      p = [];
    } else {
      expr = `json_extract(${metadata?.column ?? 'metadata'}, ?)`;
      p = [`$."${c.key}"`];
    }
    asText = expr;
  }
  const values = c.values.map(sqlValue);
  const list = (vs: SqlValue[]) => vs.map(() => '?').join(', ');
  const texts = () => values.map((v) => String(v));
  switch (c.operator) {
    case '':
    case 'in': {
      if (values.includes(null)) {
        const rest = values.filter((v) => v !== null);
        const isNull = { sql: `${expr} IS NULL`, params: p };
        return rest.length ? anyOf([isNull, { sql: `${expr} IN (${list(rest)})`, params: [...p, ...rest] }]) : isNull;
      }
      return { sql: `${expr} IN (${list(values)})`, params: [...p, ...values] };
    }
    case 'not': {
      // Like Django's exclude(): rows where the field is null are kept.
      const vs = values.filter((v) => v !== null);
      if (vs.length === 0) return { sql: `${expr} IS NOT NULL`, params: p };
      return { sql: `(${expr} IS NULL OR ${expr} NOT IN (${list(vs)}))`, params: [...p, ...p, ...vs] };
    }
    case 'iexact':
      return anyOf(texts().map((v) => ({ sql: `lower(${asText}) = lower(?)`, params: [...p, v] })));
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[c.operator];
      return { sql: `${expr} ${op} ?`, params: [...p, values[0] ?? null] };
    }
    case 'contains':
      return anyOf(texts().map((v) => ({ sql: `instr(${asText}, ?) > 0`, params: [...p, v] })));
    case 'icontains':
      return anyOf(texts().map((v) => ({ sql: `instr(lower(${asText}), lower(?)) > 0`, params: [...p, v] })));
    case 'startswith':
      return anyOf(texts().map((v) => ({ sql: `substr(${asText}, 1, ?) = ?`, params: [...p, chars(v), v] })));
    case 'endswith':
      return anyOf(
        texts().map((v) => ({
          sql: v === '' ? `${asText} IS NOT NULL` : `substr(${asText}, ?) = ?`,
          params: v === '' ? p : [...p, -chars(v), v],
        })),
      );
    case 'isnull':
      return { sql: `${expr} IS ${values[0] === 1 ? '' : 'NOT '}NULL`, params: p };
  }
}

/** AND of every condition; an empty list is `1`. */
export function compileFilters(columns: ColumnMap, conds: readonly TypedCondition[], metadata: MetadataSource | null = null): Compiled {
  const parts = conds.map((c) => compileOne(columns, metadata, c));
  if (parts.length === 0) return { sql: '1', params: [] };
  return { sql: parts.map((x) => x.sql).join(' AND '), params: parts.flatMap((x) => x.params) };
}

/** ORDER BY a (checked) sort field, with a tie-breaker. */
export function compileSort(columns: ColumnMap, sort: SortSpec, tieBreak: string): string {
  const expr = columns[sort.field] ?? sort.field;
  const dir = sort.descending ? 'DESC' : 'ASC';
  return expr === tieBreak ? `${expr} ${dir}` : `${expr} ${dir}, ${tieBreak} ${dir}`;
}

/** `org_id = ? AND environment IN (...)`: the isolation boundary of every read. */
export function scopeWhere(scope: Scope, prefix = ''): Compiled {
  const envs = scope.environments.map(() => '?').join(', ');
  return {
    sql: `${prefix}org_id = ? AND ${prefix}environment IN (${envs})`,
    params: [scope.orgId, ...scope.environments],
  };
}
