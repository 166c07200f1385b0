/**
 * The list parameters shared by logs, traces and threads: the time window,
 * pagination, `sort_by`, body `filters` and query-string shortcuts. Turns
 * wire input into the store's filter AST; never builds SQL.
 */
import { ValidationError } from '../../errors.ts';
import {
  FILTER_OPERATORS,
  type FilterCondition,
  type FilterOperator,
  type FilterValue,
  type SortSpec,
} from '../../query/filters.ts';
import { isObj, parseIsoTime, typeName } from './fields.ts';

export const MAX_PAGE_SIZE = 1000;
const HOUR_MS = 3_600_000;

/** Query keys that are parameters, not filters. */
const RESERVED = new Set(['start_time', 'end_time', 'page', 'page_size', 'sort_by', 'is_test', 'all_envs', 'environment']);
const BODY_KEYS = new Set(['filters', 'start_time', 'end_time', 'page', 'page_size', 'sort_by']);
const OPERATORS: ReadonlySet<string> = new Set(FILTER_OPERATORS);

export interface ListParams {
  from: number;
  to: number;
  page: number;
  pageSize: number;
  sort: SortSpec;
  filters: FilterCondition[];
}

export interface ListOptions {
  now: number;
  defaultSort: string;
  sortFields: readonly string[];
  defaultPageSize?: number;
  /** Query keys (not reserved) that are fields; others become `metadata__KEY` when allowed. */
  shortcutFields: ReadonlySet<string>;
  metadataShortcuts: boolean;
}

function scalar(field: string, v: unknown): FilterValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw ValidationError.field(`filters.${field}.value`, `Expected strings, numbers, booleans or null, got ${typeName(v)}`);
}

export function parseFilters(raw: unknown): FilterCondition[] {
  if (raw === undefined || raw === null) return [];
  if (!isObj(raw)) throw ValidationError.field('filters', `Expected an object, got ${typeName(raw)}`);
  const out: FilterCondition[] = [];
  for (const [field, specs] of Object.entries(raw)) {
    // A list of conditions on one field is their AND (a range: gte and lte).
    for (const spec of Array.isArray(specs) ? specs : [specs]) out.push(parseCondition(field, spec));
  }
  return out;
}

function parseCondition(field: string, spec: unknown): FilterCondition {
  if (!isObj(spec)) {
    throw ValidationError.field(`filters.${field}`, 'Expected {"operator": ..., "value": [...]} or a list of them');
  }
  const op = spec.operator ?? '';
  if (typeof op !== 'string' || !OPERATORS.has(op)) {
    throw ValidationError.field(
      `filters.${field}.operator`,
      `Unknown operator ${JSON.stringify(op)}; one of: "", ${FILTER_OPERATORS.filter(Boolean).join(', ')}`,
    );
  }
  const value = spec.value;
  const values = Array.isArray(value) ? value.map((v) => scalar(field, v)) : value === undefined ? [] : [scalar(field, value)];
  return { field, operator: op as FilterOperator, values };
}

function int(field: string, v: string | number | undefined, def: number, min: number, max?: number): number {
  if (v === undefined || v === '') return def;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw ValidationError.field(field, `A valid integer is required, got ${JSON.stringify(v)}`);
  if (n < min) throw ValidationError.field(field, `Ensure this value is greater than or equal to ${min}.`);
  if (max !== undefined && n > max) throw ValidationError.field(field, `Ensure this value is less than or equal to ${max}.`);
  return n;
}

function time(field: string, v: unknown, def: number): number {
  if (v === undefined || v === '' || v === null) return def;
  const t = typeof v === 'string' ? parseIsoTime(v) : null;
  if (t === null) throw ValidationError.field(field, 'Datetime has wrong format. Use ISO 8601, e.g. 2025-01-01T00:00:00Z.');
  return t;
}

export function parseSort(raw: string, fields: readonly string[]): SortSpec {
  const descending = raw.startsWith('-');
  const field = raw.replace(/^[-+]/, '');
  if (!fields.includes(field)) {
    throw ValidationError.field('sort_by', `Cannot sort by '${field}'; one of: ${fields.join(', ')} (prefix - for descending)`);
  }
  return { field, descending };
}

export function parseListParams(
  query: Record<string, string | undefined>,
  rawBody: unknown,
  opts: ListOptions,
): ListParams {
  const body = rawBody === undefined || rawBody === null || rawBody === '' ? {} : rawBody;
  if (!isObj(body)) throw ValidationError.field('body', `Expected a JSON object, got ${typeName(body)}`);
  for (const k of Object.keys(body)) {
    if (!BODY_KEYS.has(k)) throw ValidationError.field(k, `Unknown body field; accepted: ${[...BODY_KEYS].join(', ')}`);
  }
  const pick = (k: string): string | number | undefined => {
    const q = query[k];
    if (q !== undefined) return q;
    const b = body[k];
    return typeof b === 'string' || typeof b === 'number' ? b : undefined;
  };
  const to = time('end_time', pick('end_time'), opts.now);
  const from = time('start_time', pick('start_time'), opts.now - HOUR_MS);
  if (from > to) throw ValidationError.field('start_time', 'start_time must not be after end_time');
  const filters = parseFilters(body.filters);
  for (const [k, v] of Object.entries(query)) {
    if (RESERVED.has(k) || v === undefined) continue;
    if (opts.shortcutFields.has(k) || k.startsWith('metadata__')) filters.push({ field: k, operator: '', values: [v] });
    else if (opts.metadataShortcuts) filters.push({ field: `metadata__${k}`, operator: '', values: [v] });
    else throw ValidationError.field(k, `Unknown query parameter; filter fields: ${[...opts.shortcutFields].join(', ')}`);
  }
  return {
    from,
    to,
    page: int('page', pick('page'), 1, 1),
    pageSize: int('page_size', pick('page_size'), opts.defaultPageSize ?? 100, 1, MAX_PAGE_SIZE),
    sort: parseSort(String(pick('sort_by') ?? opts.defaultSort), opts.sortFields),
    filters,
  };
}

/**
 * `next`/`previous` as absolute URLs of the same request with another page.
 * `hasMore`, when the store knows it, decides `next` (the count may be a lower bound).
 */
export function pageLinks(url: string, page: number, pageSize: number, count: number, hasMore?: boolean) {
  const at = (p: number) => {
    const u = new URL(url);
    u.searchParams.set('page', String(p));
    return u.toString();
  };
  return {
    next: (hasMore ?? page * pageSize < count) ? at(page + 1) : null,
    previous: page > 1 ? at(Math.min(page - 1, Math.max(1, Math.ceil(count / pageSize)))) : null,
  };
}
