/**
 * Request shapes of /users: the PATCH body as a schema, the query strings and
 * list filters parsed by hand so that every bad value is a 422 naming it.
 */
import { t } from 'elysia';
import { type FieldErrors, ValidationError } from '../../errors.ts';
import { checkFilterCaps, type FilterOperator } from '../../query/filters.ts';
import { isValidOffset, type SummaryType } from '../../lib/periods.ts';
import { customerFields } from '../../schemas/customer.ts';
import type { CustomerFilter, CustomerFilterField, CustomerSortField } from '../../store/customer-types.ts';

export const CustomerPatchBody = t.Object(customerFields, { additionalProperties: false });

export const ListBody = t.Object(
  {
    filters: t.Optional(
      t.Record(t.String(), t.Object({ operator: t.Optional(t.String()), value: t.Unknown() }, { additionalProperties: false })),
    ),
  },
  { additionalProperties: false },
);

type Query = Record<string, string | undefined>;

const SCOPE_KEYS = ['environment', 'is_test', 'all_envs'];
const SUMMARY_TYPES: readonly SummaryType[] = ['all', 'daily', 'weekly', 'monthly', 'yearly'];

function rejectUnknown(query: Query, known: readonly string[]): void {
  const errors: FieldErrors = {};
  for (const k of Object.keys(query)) {
    if (!known.includes(k) && !SCOPE_KEYS.includes(k)) errors[k] = ['unknown parameter'];
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}

function int(query: Query, key: string, def: number, min: number, max: number): number {
  const raw = query[key];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw ValidationError.field(key, `must be an integer from ${min} to ${max}; got '${raw}'`);
  }
  return n;
}

export function pageParams(query: Query, defaultSize: number): { page: number; pageSize: number } {
  return { page: int(query, 'page', 1, 1, 1_000_000), pageSize: int(query, 'page_size', defaultSize, 1, 1000) };
}

export interface SummaryParams {
  page: number;
  pageSize: number;
  summaryType: SummaryType;
  /** As given; null means now. */
  date: string | null;
  offsetHours: number;
}

export function parseSummaryQuery(query: Query): SummaryParams {
  rejectUnknown(query, ['page', 'page_size', 'summary_type', 'date', 'timezone_offset']);
  const { page, pageSize } = pageParams(query, 50);
  const type = query.summary_type ?? 'all';
  if (!(SUMMARY_TYPES as readonly string[]).includes(type)) {
    throw ValidationError.field('summary_type', `must be one of ${SUMMARY_TYPES.join(', ')}; got '${type}'`);
  }
  const rawOffset = query.timezone_offset;
  const offsetHours = rawOffset === undefined || rawOffset === '' ? 0 : Number(rawOffset);
  if (!isValidOffset(offsetHours)) {
    throw ValidationError.field(
      'timezone_offset',
      `must be hours (UTC minus local time) from -14 to 14 in steps of 0.25, e.g. 8 or -5.5; got '${rawOffset}'`,
    );
  }
  const date = query.date === undefined || query.date === '' ? null : query.date;
  return { page, pageSize, summaryType: type as SummaryType, date, offsetHours };
}

const SORT_FIELDS: readonly CustomerSortField[] = [
  'first_seen', 'last_active', 'customer_identifier', 'name', 'email', 'number_of_requests', 'total_tokens',
  'total_cost', 'active_days', 'id',
];

export interface ListParams {
  page: number;
  pageSize: number;
  sort: CustomerSortField;
  desc: boolean;
}

export function parseListQuery(query: Query): ListParams {
  rejectUnknown(query, ['page', 'page_size', 'sort_by']);
  const { page, pageSize } = pageParams(query, 50);
  const raw = query.sort_by ?? '-first_seen';
  const desc = raw.startsWith('-');
  const field = desc ? raw.slice(1) : raw;
  if (!(SORT_FIELDS as readonly string[]).includes(field)) {
    throw ValidationError.field('sort_by', `must be one of ${SORT_FIELDS.join(', ')} (prefix - for descending); got '${raw}'`);
  }
  return { page, pageSize, sort: field as CustomerSortField, desc };
}

const TEXT_FIELDS: readonly CustomerFilterField[] = ['customer_identifier', 'name', 'email', 'group_identifier'];
const NUMBER_FIELDS: readonly CustomerFilterField[] = ['number_of_requests', 'total_tokens', 'total_cost', 'active_days'];
const OPERATORS: readonly FilterOperator[] = [
  '', 'iexact', 'lt', 'lte', 'gt', 'gte', 'contains', 'icontains', 'startswith', 'endswith', 'in', 'not', 'isnull',
];

export function parseFilters(filters: Record<string, { operator?: string; value: unknown }> | undefined): CustomerFilter[] {
  const entries = Object.entries(filters ?? {});
  checkFilterCaps(entries.map(([field, spec]) => ({ field, values: Array.isArray(spec.value) ? spec.value : [spec.value] })));
  const out: CustomerFilter[] = [];
  const errors: FieldErrors = {};
  for (const [field, spec] of entries) {
    const key = `filters.${field}`;
    const isText = (TEXT_FIELDS as readonly string[]).includes(field);
    if (!isText && !(NUMBER_FIELDS as readonly string[]).includes(field)) {
      errors[key] = [`not a filterable field; use one of ${[...TEXT_FIELDS, ...NUMBER_FIELDS].join(', ')}`];
      continue;
    }
    const operator = spec.operator ?? '';
    if (!(OPERATORS as readonly string[]).includes(operator)) {
      errors[key] = [`unknown operator '${operator}'; use one of ${OPERATORS.map((o) => `'${o}'`).join(', ')}`];
      continue;
    }
    const values = Array.isArray(spec.value) ? (spec.value as unknown[]) : [spec.value];
    if (operator === 'isnull') {
      if (values.length !== 1 || typeof values[0] !== 'boolean') errors[key] = ['isnull takes [true] or [false]'];
      else out.push({ field: field as CustomerFilterField, operator, values: [values[0]] });
      continue;
    }
    if (values.length === 0 && operator !== 'in') {
      errors[key] = ['value must not be empty'];
      continue;
    }
    const textOnly = ['iexact', 'contains', 'icontains', 'startswith', 'endswith'].includes(operator);
    if (!isText && textOnly) {
      errors[key] = [`operator '${operator}' applies to text fields only`];
      continue;
    }
    const ok = values.every((v) => (isText ? typeof v === 'string' : typeof v === 'number' && Number.isFinite(v)));
    if (!ok) {
      errors[key] = [isText ? 'values must be strings' : 'values must be numbers'];
      continue;
    }
    out.push({ field: field as CustomerFilterField, operator: operator as FilterOperator, values: values as (string | number)[] });
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return out;
}
