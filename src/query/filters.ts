/**
 * Filters and sorts as the store receives them: every field name checked
 * against a catalog, every value coerced to the field's type, every
 * operator's arity checked. A backend only translates a TypedCondition into
 * its query language; it never validates, so every backend answers the same
 * 422s for the same input.
 */
import { ValidationError } from '../errors.ts';
import { MAX_FIELD_NAME, MAX_FILTER_TEXT, MAX_FILTER_VALUES, MAX_FILTERS } from '../lib/input-caps.ts';

/** Filter operators of the reference's list endpoints; `""` is equality. */
export const FILTER_OPERATORS = [
  '', 'iexact', 'lt', 'lte', 'gt', 'gte', 'contains', 'icontains', 'startswith', 'endswith', 'in', 'not', 'isnull',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type FilterValue = string | number | boolean | null;

/**
 * One condition of a filter as it comes off the wire: `field` is a field name
 * or `metadata__KEY`. `typeFilters` below checks and types it before any
 * store sees it. Several values mean "any of them", except for `not` (none
 * of them).
 */
export interface FilterCondition {
  field: string;
  operator: FilterOperator;
  values: FilterValue[];
}

export interface SortSpec {
  field: string;
  descending: boolean;
}

export type FieldKind = 'text' | 'number' | 'bool' | 'time';

/** The fields of one kind of record that filters and sorts may name. */
export interface FieldCatalog {
  fields: Readonly<Record<string, FieldKind>>;
  /** Whether `metadata__KEY` names a key of the record's metadata. */
  metadata: boolean;
}

/** A value after coercion: numbers for number and time (epoch ms), booleans for bool, text for text. */
export type TypedValue = string | number | boolean | null;

export type TypedCondition =
  | { target: 'field'; field: string; kind: FieldKind; operator: FilterOperator; values: TypedValue[] }
  /**
   * Metadata values keep their JSON type while query strings carry only text:
   * a numeric-looking string also matches the number (`?tier=3` finds `{"tier": 3}`),
   * so `values` already holds both spellings where that applies.
   */
  | { target: 'metadata'; key: string; operator: FilterOperator; values: TypedValue[] };

export const METADATA_PREFIX = 'metadata__';

function fail(field: string, message: string): never {
  throw ValidationError.field(`filters.${field}`, message);
}

function coerce(field: string, kind: FieldKind, v: FilterValue): TypedValue {
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
      if (v === true || v === 'true' || v === 1 || v === '1') return true;
      if (v === false || v === 'false' || v === 0 || v === '0') return false;
      return fail(field, `expected true or false, got ${JSON.stringify(v)}`);
    case 'time': {
      const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN;
      if (!Number.isFinite(ms)) fail(field, `expected an ISO 8601 time, got ${JSON.stringify(v)}`);
      return ms;
    }
  }
}

function metadataVariants(v: FilterValue): TypedValue[] {
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return [v, Number(v)];
  return [v];
}

const COMPARISONS: ReadonlySet<FilterOperator> = new Set(['lt', 'lte', 'gt', 'gte']);
const TEXT_MATCHES: ReadonlySet<FilterOperator> = new Set(['iexact', 'contains', 'icontains', 'startswith', 'endswith']);

/** Checks the operator's arity and value types once coerced. */
function checkValues(field: string, operator: FilterOperator, values: TypedValue[]): void {
  if (operator === 'isnull') return;
  const name = operator || '(equal)';
  if (COMPARISONS.has(operator)) {
    if (values.length !== 1) fail(field, `operator '${name}' takes exactly one value`);
    if (values[0] === null) fail(field, `operator '${name}' cannot compare with null`);
    return;
  }
  if (values.length === 0) fail(field, `operator '${name}' needs at least one value`);
  if (TEXT_MATCHES.has(operator) && values.includes(null)) fail(field, `operator '${name}' needs text values`);
}

function typeOne(cat: FieldCatalog, c: FilterCondition): TypedCondition {
  const kind = cat.fields[c.field];
  if (kind) {
    // isnull takes one boolean whatever the field's kind.
    if (c.operator === 'isnull') {
      if (c.values.length > 1) fail(c.field, `operator 'isnull' takes one value, true or false`);
      return { target: 'field', field: c.field, kind, operator: 'isnull', values: [coerce(c.field, 'bool', c.values[0] ?? true)] };
    }
    const values = c.values.map((v) => coerce(c.field, kind, v));
    checkValues(c.field, c.operator, values);
    return { target: 'field', field: c.field, kind, operator: c.operator, values };
  }
  if (cat.metadata && c.field.startsWith(METADATA_PREFIX)) {
    const key = c.field.slice(METADATA_PREFIX.length);
    // A JSON path quotes the key; a quote, a backslash or a control character would end or break it.
    if (!key || /["\\\u0000-\u001f]/.test(key)) fail(c.field, 'metadata key must be non-empty and contain no double quote, backslash or control character');
    if (c.operator === 'isnull') {
      if (c.values.length > 1) fail(c.field, `operator 'isnull' takes one value, true or false`);
      return { target: 'metadata', key, operator: 'isnull', values: [coerce(c.field, 'bool', c.values[0] ?? true)] };
    }
    const values = c.operator === '' || c.operator === 'in' || c.operator === 'not' ? c.values.flatMap(metadataVariants) : c.values;
    checkValues(c.field, c.operator, values);
    if (TEXT_MATCHES.has(c.operator)) return { target: 'metadata', key, operator: c.operator, values: values.map(String) };
    return { target: 'metadata', key, operator: c.operator, values };
  }
  const hint = cat.metadata ? '; custom properties are filtered as metadata__KEY' : '';
  return fail(c.field, `unknown filter field '${c.field}'${hint}`);
}

/**
 * The input caps (src/lib/input-caps.ts) every filter list meets before it
 * reaches a store, whatever the record: how many conditions, how many values
 * each, how long a field name or a text value may be.
 */
export function checkFilterCaps(conds: readonly { field: string; values: readonly unknown[] }[]): void {
  if (conds.length > MAX_FILTERS) {
    throw ValidationError.field('filters', `at most ${MAX_FILTERS} filter conditions per request (query-string filters included); got ${conds.length}`);
  }
  for (const c of conds) {
    if (c.field.length > MAX_FIELD_NAME) {
      throw ValidationError.field('filters', `a filter field name has at most ${MAX_FIELD_NAME} characters; got one of ${c.field.length}`);
    }
    if (c.values.length > MAX_FILTER_VALUES) fail(c.field, `at most ${MAX_FILTER_VALUES} values per condition; got ${c.values.length}`);
    for (const v of c.values) {
      if (typeof v === 'string' && v.length > MAX_FILTER_TEXT) {
        fail(c.field, `a filter value has at most ${MAX_FILTER_TEXT} characters; got one of ${v.length}`);
      }
    }
  }
}

/** The conditions, typed; throws a 422 naming the first bad field. */
export function typeFilters(cat: FieldCatalog, conds: readonly FilterCondition[]): TypedCondition[] {
  checkFilterCaps(conds);
  return conds.map((c) => typeOne(cat, c));
}

/** A sort on a catalog field; throws a 422 for any other. */
export function typeSort(cat: FieldCatalog, sort: SortSpec): SortSpec {
  if (!cat.fields[sort.field]) throw ValidationError.field('sort_by', `cannot sort by '${sort.field}'`);
  return sort;
}
