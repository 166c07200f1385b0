/**
 * `customer_params`, as the proxy (seed 002) and log ingest (seed 003) accept
 * it. Shared by both, and by the customers module that stores it.
 * `parseCustomerParams` is what both call: it answers the reference's 422
 * naming the field (`customer_params.email`, ...).
 */
import { t } from 'elysia';
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValidationError, type FieldErrors } from '../errors.ts';

export const CUSTOMER_IDENTIFIER_MAX = 120;

export const CustomerIdentifier = t.String({ minLength: 1, maxLength: CUSTOMER_IDENTIFIER_MAX });

export const BudgetDuration = t.Union([
  t.Literal('daily'),
  t.Literal('weekly'),
  t.Literal('monthly'),
  t.Literal('yearly'),
]);
export type BudgetDuration = Static<typeof BudgetDuration>;

/** `YYYY-MM-DD`, or a full ISO 8601 timestamp. */
const DateLike = t.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?$' });

/** The attributes a customer carries; customer_params and PATCH share them. */
export const customerFields = {
  group_identifier: t.Optional(t.Union([t.String({ maxLength: 120 }), t.Null()])),
  name: t.Optional(t.String({ maxLength: 255 })),
  email: t.Optional(t.Union([t.String({ format: 'email' }), t.Literal('')])),
  period_start: t.Optional(t.Union([DateLike, t.Null()])),
  period_end: t.Optional(t.Union([DateLike, t.Null()])),
  budget_duration: t.Optional(t.Union([BudgetDuration, t.Null()])),
  period_budget: t.Optional(t.Union([t.Number({ minimum: 0 }), t.Null()])),
  markup_percentage: t.Optional(t.Union([t.Number({ minimum: -100 }), t.Null()])),
  total_budget: t.Optional(t.Union([t.Number({ minimum: 0 }), t.Null()])),
  /** Requests per minute for this customer. */
  rate_limit: t.Optional(t.Union([t.Integer({ minimum: 1 }), t.Null()])),
  metadata: t.Optional(t.Union([t.Record(t.String(), t.Unknown()), t.Null()])),
};

export const CustomerParams = t.Object(
  { customer_identifier: CustomerIdentifier, ...customerFields },
  { additionalProperties: false },
);
export type CustomerParams = Static<typeof CustomerParams>;

const FIELD_HINTS: Record<string, string> = {
  customer_identifier: `a non-empty string of at most ${CUSTOMER_IDENTIFIER_MAX} characters`,
  email: 'a valid email address',
  budget_duration: "one of 'daily', 'weekly', 'monthly', 'yearly'",
  period_budget: 'a number >= 0, or null',
  total_budget: 'a number >= 0, or null',
  markup_percentage: 'a number >= -100, or null',
  rate_limit: 'an integer >= 1 (requests per minute), or null',
  period_start: 'a date YYYY-MM-DD (or an ISO 8601 timestamp)',
  period_end: 'a date YYYY-MM-DD (or an ISO 8601 timestamp)',
};

/** Calendar checks the pattern cannot make (2024-02-30), and period_end after period_start. */
export function dateErrors(v: { period_start?: string | null; period_end?: string | null }, prefix: string): FieldErrors {
  const errors: FieldErrors = {};
  const ms: Record<string, number> = {};
  for (const field of ['period_start', 'period_end'] as const) {
    const text = v[field];
    if (typeof text !== 'string') continue;
    const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
    const day = new Date(Date.UTC(y, m - 1, d));
    const at = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text.replace(' ', 'T'));
    if (day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d || Number.isNaN(at)) {
      errors[`${prefix}${field}`] = [`must be ${FIELD_HINTS[field]}; got '${text}'`];
    } else ms[field] = at;
  }
  if (ms.period_start !== undefined && ms.period_end !== undefined && ms.period_end < ms.period_start) {
    errors[`${prefix}period_end`] = ['must not be before period_start'];
  }
  return errors;
}

/**
 * Validates customer_params (and a top-level customer_identifier, which fills
 * in or must agree with the params' one). Null when the call names no customer.
 */
export function parseCustomerParams(params: unknown, customerIdentifier?: unknown): CustomerParams | null {
  const errors: FieldErrors = {};
  if (customerIdentifier !== undefined && customerIdentifier !== null) {
    if (typeof customerIdentifier !== 'string' || !Value.Check(CustomerIdentifier, customerIdentifier)) {
      errors.customer_identifier = [`must be ${FIELD_HINTS.customer_identifier}`];
      throw new ValidationError(errors);
    }
  }
  if (params === undefined || params === null) {
    return typeof customerIdentifier === 'string' ? { customer_identifier: customerIdentifier } : null;
  }
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw ValidationError.field('customer_params', 'must be an object');
  }
  const candidate: Record<string, unknown> = { ...(params as Record<string, unknown>) };
  if (candidate.customer_identifier === undefined && typeof customerIdentifier === 'string') {
    candidate.customer_identifier = customerIdentifier;
  }
  for (const e of Value.Errors(CustomerParams, candidate)) {
    const field = e.path.replace(/^\//, '').split('/')[0] || 'customer_identifier';
    const key = `customer_params.${field}`;
    if (errors[key]) continue;
    const known = field in FIELD_HINTS || field in customerFields;
    errors[key] = [known ? `must be ${FIELD_HINTS[field] ?? 'valid'}` : 'unknown field'];
  }
  Object.assign(errors, dateErrors(candidate as { period_start?: string; period_end?: string }, 'customer_params.'));
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return candidate as CustomerParams;
}
