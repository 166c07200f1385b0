/**
 * Compiles the store-agnostic filter AST (src/store/types.ts) into SQLite
 * WHERE fragments with bound parameters. Routes never build SQL; this file is
 * the only place where a filter name becomes a column or expression, so an
 * unknown name can only be a 422, never an injection.
 */
import { ValidationError } from '../../errors.ts';
import type { FilterCondition, FilterValue, Scope, SortSpec, SpanFilterField } from '../types.ts';
import type { SqlValue } from './span-rows.ts';

export type FieldKind = 'text' | 'number' | 'bool' | 'time';

export interface FieldDef {
  /** A trusted SQL expression (a column name or an aggregate alias). */
  expr: string;
  kind: FieldKind;
}

export interface FieldCatalog {
  fields: Readonly<Record<string, FieldDef>>;
  /** The JSON column `metadata__KEY` reads from; absent: no metadata filters. */
  metadataColumn?: string;
}

export interface Compiled {
  sql: string;
  params: SqlValue[];
}

const text = (expr: string): FieldDef => ({ expr, kind: 'text' });
const num = (expr: string): FieldDef => ({ expr, kind: 'number' });

/** Every stored scalar field of a span that filters may name. */
const SPAN_FIELD_DEFS: Record<SpanFilterField, FieldDef> = {
    id: num('id'),
    unique_id: text('unique_id'),
    environment: text('environment'),
    api_key_id: text('api_key_id'),
    log_type: text('log_type'),
    model: text('model'),
    provider_id: text('provider_id'),
    status: text('status'),
    status_code: num('status_code'),
    error_message: text('error_message'),
    start_time: { expr: 'start_time', kind: 'time' },
    timestamp: { expr: 'timestamp', kind: 'time' },
    latency: num('latency'),
    time_to_first_token: num('time_to_first_token'),
    tokens_per_second: num('tokens_per_second'),
    prompt_tokens: num('prompt_tokens'),
    completion_tokens: num('completion_tokens'),
    total_request_tokens: num('total_request_tokens'),
    cached_tokens: num('cached_tokens'),
    cache_creation_tokens: num('cache_creation_tokens'),
    reasoning_tokens: num('reasoning_tokens'),
    cost: num('cost'),
    customer_identifier: text('customer_identifier'),
    custom_identifier: text('custom_identifier'),
    thread_identifier: text('thread_identifier'),
    trace_unique_id: text('trace_unique_id'),
    span_unique_id: text('span_unique_id'),
    span_parent_id: text('span_parent_id'),
    span_name: text('span_name'),
    span_workflow_name: text('span_workflow_name'),
    prompt_id: text('prompt_id'),
    prompt_version: num('prompt_version'),
    stream: { expr: 'stream', kind: 'bool' },
    cached: { expr: 'cached', kind: 'bool' },
    positive_feedback: { expr: 'positive_feedback', kind: 'bool' },
    input: text('input'),
    output: text('output'),
};
export const SPAN_FIELDS: FieldCatalog = { metadataColumn: 'metadata', fields: SPAN_FIELD_DEFS };

const METADATA_PREFIX = 'metadata__';

function fail(field: string, message: string): never {
  throw ValidationError.field(`filters.${field}`, message);
}

function coerce(field: string, kind: FieldKind | 'json', v: FilterValue): SqlValue {
  if (v === null) return null;
  switch (kind) {
    case 'text':
      return typeof v === 'string' ? v : String(v);
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
      if (!Number.isFinite(n)) fail(field, `expected a number, got ${JSON.stringify(v)}`);
      return n;
    }
    case 'bool':
      if (v === true || v === 'true' || v === 1 || v === '1') return 1;
      if (v === false || v === 'false' || v === 0 || v === '0') return 0;
      return fail(field, `expected true or false, got ${JSON.stringify(v)}`);
    case 'time': {
      const ms = typeof v === 'number' ? v : Date.parse(v === true || v === false ? '' : v);
      if (!Number.isFinite(ms)) fail(field, `expected an ISO 8601 time, got ${JSON.stringify(v)}`);
      return ms;
    }
    case 'json':
      return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
}

/**
 * Metadata values keep their JSON type in SQLite (json_extract gives numbers
 * as numbers), while query strings only carry text: a numeric-looking string
 * also matches the number, so `?tier=3` finds `{"tier": 3}`.
 */
function metadataVariants(v: SqlValue): SqlValue[] {
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return [v, Number(v)];
  return [v];
}

function chars(s: string): number {
  return [...s].length;
}

function resolveField(cat: FieldCatalog, field: string): { expr: string; kind: FieldKind | 'json'; params: SqlValue[] } {
  const def = cat.fields[field];
  if (def) return { expr: def.expr, kind: def.kind, params: [] };
  if (cat.metadataColumn && field.startsWith(METADATA_PREFIX)) {
    const key = field.slice(METADATA_PREFIX.length);
    if (!key || key.includes('"')) fail(field, 'metadata key must be non-empty and contain no double quote');
    return { expr: `json_extract(${cat.metadataColumn}, ?)`, kind: 'json', params: [`$."${key}"`] };
  }
  const hint = cat.metadataColumn ? `; custom properties are filtered as metadata__KEY` : '';
  return fail(field, `unknown filter field '${field}'${hint}`);
}

function compileOne(cat: FieldCatalog, c: FilterCondition): Compiled {
  const f = resolveField(cat, c.field);
  const asText = f.kind === 'text' || f.kind === 'json' ? f.expr : `CAST(${f.expr} AS TEXT)`;
  const p = f.params;
  // isnull takes a boolean whatever the field's kind.
  const values = c.operator === 'isnull' ? [] : c.values.map((v) => coerce(c.field, f.kind, v));
  const one = (): SqlValue => {
    if (values.length !== 1) fail(c.field, `operator '${c.operator}' takes exactly one value`);
    return values[0] as SqlValue;
  };
  const some = (): SqlValue[] => {
    if (values.length === 0) fail(c.field, `operator '${c.operator || '(equal)'}' needs at least one value`);
    return f.kind === 'json' ? values.flatMap(metadataVariants) : values;
  };
  const strings = (): string[] =>
    some().map((v) => (v === null ? fail(c.field, `operator '${c.operator}' needs text values`) : String(v)));
  const anyOf = (parts: Compiled[]): Compiled => ({
    sql: parts.length === 1 ? (parts[0] as Compiled).sql : `(${parts.map((x) => x.sql).join(' OR ')})`,
    params: parts.flatMap((x) => x.params),
  });
  const list = (vs: SqlValue[]) => vs.map(() => '?').join(', ');
  switch (c.operator) {
    case '':
    case 'in': {
      const vs = some();
      if (vs.includes(null)) {
        const rest = vs.filter((v) => v !== null);
        const isNull = { sql: `${f.expr} IS NULL`, params: p };
        return rest.length ? anyOf([isNull, { sql: `${f.expr} IN (${list(rest)})`, params: [...p, ...rest] }]) : isNull;
      }
      return { sql: `${f.expr} IN (${list(vs)})`, params: [...p, ...vs] };
    }
    case 'not': {
      // Like Django's exclude(): rows where the field is null are kept.
      const vs = some().filter((v) => v !== null);
      if (vs.length === 0) return { sql: `${f.expr} IS NOT NULL`, params: p };
      return { sql: `(${f.expr} IS NULL OR ${f.expr} NOT IN (${list(vs)}))`, params: [...p, ...p, ...vs] };
    }
    case 'iexact':
      return anyOf(strings().map((v) => ({ sql: `lower(${asText}) = lower(?)`, params: [...p, v] })));
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const v = one();
      if (v === null) fail(c.field, `operator '${c.operator}' cannot compare with null`);
      const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[c.operator];
      return { sql: `${f.expr} ${op} ?`, params: [...p, v] };
    }
    case 'contains':
      return anyOf(strings().map((v) => ({ sql: `instr(${asText}, ?) > 0`, params: [...p, v] })));
    case 'icontains':
      return anyOf(strings().map((v) => ({ sql: `instr(lower(${asText}), lower(?)) > 0`, params: [...p, v] })));
    case 'startswith':
      return anyOf(strings().map((v) => ({ sql: `substr(${asText}, 1, ?) = ?`, params: [...p, chars(v), v] })));
    case 'endswith':
      return anyOf(
        strings().map((v) => ({
          sql: v === '' ? `${asText} IS NOT NULL` : `substr(${asText}, ?) = ?`,
          params: v === '' ? p : [...p, -chars(v), v],
        })),
      );
    case 'isnull': {
      if (c.values.length > 1) fail(c.field, `operator 'isnull' takes one value, true or false`);
      const v = coerce(c.field, 'bool', c.values[0] ?? true);
      return { sql: `${f.expr} IS ${v === 1 ? '' : 'NOT '}NULL`, params: p };
    }
  }
}

/** AND of every condition; an empty list is `1`. */
export function compileFilters(cat: FieldCatalog, conds: FilterCondition[]): Compiled {
  const parts = conds.map((c) => compileOne(cat, c));
  if (parts.length === 0) return { sql: '1', params: [] };
  return { sql: parts.map((x) => x.sql).join(' AND '), params: parts.flatMap((x) => x.params) };
}

/** ORDER BY for a sort field of the catalog, with the row id as tie-breaker. */
export function compileSort(cat: FieldCatalog, sort: SortSpec, tieBreak: string): string {
  const def = cat.fields[sort.field];
  if (!def) throw ValidationError.field('sort_by', `cannot sort by '${sort.field}'`);
  const dir = sort.descending ? 'DESC' : 'ASC';
  return def.expr === tieBreak ? `${def.expr} ${dir}` : `${def.expr} ${dir}, ${tieBreak} ${dir}`;
}

/** `org_id = ? AND environment IN (...)`: the isolation boundary of every read. */
export function scopeWhere(scope: Scope, prefix = ''): Compiled {
  const envs = scope.environments.map(() => '?').join(', ');
  return {
    sql: `${prefix}org_id = ? AND ${prefix}environment IN (${envs})`,
    params: [scope.orgId, ...scope.environments],
  };
}

