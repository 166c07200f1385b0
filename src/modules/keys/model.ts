import { t, type TSchema } from 'elysia';

const Nullable = <S extends TSchema>(s: S) => t.Union([s, t.Null()]);

/** README "Key roles". */
const Role = t.Union([t.Literal('admin'), t.Literal('member'), t.Literal('read_only')]);

export const KeyCreateBody = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 200 }),
    expiry_date: t.Optional(t.Union([t.String({ format: 'date-time' }), t.Null()])),
    max_usage: t.Optional(t.Integer({ minimum: -1 })),
    rate_limit: t.Optional(Nullable(t.Integer({ minimum: 1 }))),
    spending_limit: t.Optional(Nullable(t.Number({ minimum: 0 }))),
    is_test: t.Optional(t.Boolean()),
    /** Default member; admin only when asked for. */
    role: t.Optional(Role),
  },
  { additionalProperties: false },
);

export const KeyPatchBody = t.Object(
  {
    name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
    expiry_date: t.Optional(t.Union([t.String({ format: 'date-time' }), t.Null()])),
    max_usage: t.Optional(t.Integer({ minimum: -1 })),
    rate_limit: t.Optional(Nullable(t.Integer({ minimum: 1 }))),
    spending_limit: t.Optional(Nullable(t.Number({ minimum: 0 }))),
    role: t.Optional(Role),
    revoked: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
);

export const KeyView = t.Object({
  id: t.String(),
  name: t.String(),
  prefix: t.String(),
  environment: t.Union([t.Literal('prod'), t.Literal('test')]),
  is_test: t.Boolean(),
  role: Role,
  created_at: t.String(),
  expiry_date: t.Union([t.String(), t.Null()]),
  max_usage: t.Integer(),
  usage_count: t.Integer(),
  rate_limit: t.Union([t.Integer(), t.Null()]),
  spending_limit: t.Union([t.Number(), t.Null()]),
  spent: t.Number(),
  revoked: t.Boolean(),
  last_used_at: t.Union([t.String(), t.Null()]),
});

/** The create answer: the only response that carries the key itself. */
export const KeyCreated = t.Composite([KeyView, t.Object({ api_key: t.String() })]);

export const KeyList = t.Object({
  count: t.Integer(),
  next: t.Null(),
  previous: t.Null(),
  results: t.Array(KeyView),
});
