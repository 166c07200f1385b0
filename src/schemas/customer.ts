/**
 * `customer_params`, as the proxy (seed 002) and log ingest (seed 003) accept
 * it. Shared by both, and by the customers module that stores it.
 */
import { t } from 'elysia';
import type { Static } from '@sinclair/typebox';

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

export const CustomerParams = t.Object(
  {
    customer_identifier: CustomerIdentifier,
    group_identifier: t.Optional(t.String({ maxLength: 120 })),
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
    metadata: t.Optional(t.Record(t.String(), t.Unknown())),
  },
  { additionalProperties: false },
);
export type CustomerParams = Static<typeof CustomerParams>;
