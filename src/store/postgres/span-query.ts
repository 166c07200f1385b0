/**
 * Translates typed filters (src/query/filters.ts, already checked) into
 * PostgreSQL WHERE fragments with positional parameters. Field names reach
 * SQL only through a column map or the span field list, so a name can never
 * be an injection; metadata keys are parameters, except keys with an
 * expression index (metadata-indexes.ts), written as quoted literals.
 *
 * Semantics follow SQLite's store: equality on metadata compares the value's
 * text (`->>`), so `?tier=3` finds {"tier": 3} and {"tier": "3"}; order
 * comparisons on metadata compare numbers with numbers and strings with
 * strings; NULLs sort first ascending and last descending.
 */
import type { SortSpec, TypedCondition, TypedValue } from '../../query/filters.ts';
import type { Scope } from '../types.ts';
import type { Params } from './connection.ts';
import { keyLiteral } from './metadata-indexes.ts';

/** Field name -> trusted SQL expression (a column or an aggregate). */
export type ColumnMap = Readonly<Record<string, string>>;

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function anyOf(parts: string[]): string {
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`;
}

/** A parameter typed as the value is. */
function param(ps: Params, v: TypedValue): string {
  if (typeof v === 'number') return ps.num(v);
  if (typeof v === 'boolean') return `${ps.add(v)}::boolean`;
  return ps.text(String(v));
}

function compileOne(columns: ColumnMap, metadataColumn: string, c: TypedCondition, ps: Params, indexed: ReadonlySet<string>): string {
  let expr: string;
  let asText: string;
  /** The metadata value as JSON, to tell numbers from strings. */
  let json = '';
  if (c.target === 'field') {
    expr = columns[c.field] ?? `"${c.field}"`;
    asText = c.kind === 'text' ? expr : `(${expr})::text`;
  } else {
    // A key with an expression index is written as the index's literal text, so the planner can use it.
    const key = indexed.has(c.key) ? keyLiteral(c.key) : ps.text(c.key);
    json = `(${metadataColumn} -> ${key})`;
    expr = `(${metadataColumn} ->> ${key})`;
    asText = expr;
  }
  // Metadata is compared as text (its JSON type is not known ahead).
  const value = (v: TypedValue) => (c.target === 'metadata' ? ps.text(String(v)) : param(ps, v));
  const texts = c.values.map((v) => String(v));
  switch (c.operator) {
    case '':
    case 'in': {
      const vs = c.values.filter((v) => v !== null);
      const isNull = `${expr} IS NULL`;
      if (vs.length === 0) return c.values.length > 0 ? isNull : 'false';
      const within = `${expr} IN (${vs.map(value).join(', ')})`;
      return vs.length < c.values.length ? `(${isNull} OR ${within})` : within;
    }
    case 'not': {
      // Like Django's exclude(): rows where the field is null are kept.
      const vs = c.values.filter((v) => v !== null);
      if (vs.length === 0) return `${expr} IS NOT NULL`;
      return `(${expr} IS NULL OR ${expr} NOT IN (${vs.map(value).join(', ')}))`;
    }
    case 'iexact':
      return anyOf(texts.map((v) => `lower(${asText}) = lower(${ps.text(v)})`));
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[c.operator];
      const v = c.values[0] ?? null;
      if (c.target === 'field') return `${expr} ${op} ${param(ps, v)}`;
      const numeric = typeof v === 'number' || (typeof v === 'string' && NUMERIC.test(v));
      return numeric
        ? `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN ${expr}::float8 END) ${op} ${ps.add(Number(v))}::float8`
        : `(CASE WHEN jsonb_typeof(${json}) = 'string' THEN ${expr} END) ${op} ${ps.text(String(v))}`;
    }
    case 'contains':
      return anyOf(texts.map((v) => `strpos(${asText}, ${ps.text(v)}) > 0`));
    case 'icontains':
      return anyOf(texts.map((v) => `strpos(lower(${asText}), lower(${ps.text(v)})) > 0`));
    case 'startswith':
      return anyOf(texts.map((v) => `starts_with(${asText}, ${ps.text(v)})`));
    case 'endswith':
      return anyOf(texts.map((v) => `right(${asText}, ${ps.num([...v].length)}::int) = ${ps.text(v)}`));
    case 'isnull':
      return `${expr} IS ${c.values[0] === true ? '' : 'NOT '}NULL`;
  }
}

/** AND of every condition; an empty list is `true`. */
export function compileFilters(
  columns: ColumnMap,
  conds: readonly TypedCondition[],
  ps: Params,
  metadataColumn = 'metadata',
  indexedKeys: ReadonlySet<string> = new Set(),
): string {
  if (conds.length === 0) return 'true';
  return conds.map((c) => compileOne(columns, metadataColumn, c, ps, indexedKeys)).join(' AND ');
}

/**
 * ORDER BY a (checked) sort field with a tie-breaker. SQLite puts NULLs first
 * ascending; PostgreSQL last: say so for columns that may hold NULL (naming it
 * for a NOT NULL column would keep the planner from walking its index).
 */
export function compileSort(columns: ColumnMap, sort: SortSpec, tieBreak: string, notNull: ReadonlySet<string>): string {
  const expr = columns[sort.field] ?? `"${sort.field}"`;
  const dir = sort.descending ? 'DESC' : 'ASC';
  const nulls = notNull.has(sort.field) ? '' : sort.descending ? ' NULLS LAST' : ' NULLS FIRST';
  return expr === tieBreak ? `${expr} ${dir}` : `${expr} ${dir}${nulls}, ${tieBreak} ${dir}`;
}

/** `org_id = $ AND environment IN (...)`: the isolation boundary of every read. */
export function scopeWhere(scope: Scope, ps: Params, prefix = ''): string {
  return `${prefix}org_id = ${ps.text(scope.orgId)} AND ${prefix}environment IN (${scope.environments.map((e) => ps.text(e)).join(', ')})`;
}
