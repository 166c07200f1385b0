/**
 * Wire shapes of `/analytics/*`: the query strings and the answers, one
 * TypeBox schema each (the OpenAPI document is built from them).
 */
import { t, type TSchema } from 'elysia';
import { BREAKDOWN_ORDER } from '../../store/analytics-types.ts';

const Nullable = <S extends TSchema>(s: S) => t.Union([s, t.Null()]);

const window = {
  start_time: t.Optional(t.String({ format: 'date-time', description: 'ISO 8601, inclusive; default: end_time minus 24 hours' })),
  end_time: t.Optional(t.String({ format: 'date-time', description: 'ISO 8601, exclusive; default: now' })),
  customer_identifier: t.Optional(t.String({ minLength: 1, description: "Only this customer's calls" })),
  is_test: t.Optional(t.String({ description: "true: the test environment, false: prod; default: the key's" })),
  all_envs: t.Optional(t.String({ description: 'true: both environments' })),
};

export const SummaryQuery = t.Object(window, { additionalProperties: false });

export const TimeseriesQuery = t.Object(
  {
    ...window,
    bucket: t.Optional(
      t.Union([t.Literal('15m'), t.Literal('1h'), t.Literal('1d')], {
        description: 'Bucket width (UTC-aligned); default: the smallest giving at most 200 buckets (15m up to 50 h, 1h up to 8 days, else 1d)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const BreakdownQuery = t.Object(
  {
    ...window,
    by: t.String({
      pattern: '^(model|provider|customer|api_key|metadata\\.[^"]+)$',
      description: 'model, provider, customer, api_key, or metadata.KEY (a key of the spans\' metadata)',
    }),
    order_by: t.Optional(
      t.Union(BREAKDOWN_ORDER.map((o) => t.Literal(o)), { description: 'Rank rows by this figure, largest first; default: requests' }),
    ),
    limit: t.Optional(t.Numeric({ minimum: 1, maximum: 100, description: 'Rows to return; default 10' })),
  },
  { additionalProperties: false },
);

const figures = {
  requests: t.Integer(),
  errors: t.Integer({ description: 'Calls with status error' }),
  error_rate: t.Number({ description: 'errors / requests (0 without requests)' }),
  cost: t.Number({ description: 'USD, before customer markup' }),
  prompt_tokens: t.Integer(),
  completion_tokens: t.Integer(),
  total_tokens: t.Integer(),
  cached_tokens: Nullable(t.Integer({ description: 'Prompt tokens the provider served from its prompt cache; null in breakdowns by customer (not kept per customer)' })),
  cache_hits: t.Integer({ description: "Calls answered from the gateway's response cache" }),
  cache_hit_rate: t.Number({ description: 'cache_hits / requests' }),
  latency_avg: Nullable(t.Number({ description: 'Seconds' })),
  latency_p50: Nullable(t.Number({ description: 'Seconds; approximate (interpolated within a histogram bin); null without latencies, and in breakdowns by customer' })),
  latency_p95: Nullable(t.Number({ description: 'Seconds; approximate, as latency_p50' })),
  ttft_avg: Nullable(t.Number({ description: 'Mean time to first token, seconds, over calls that report it' })),
};

const range = { start_time: t.String(), end_time: t.String() };

export const SummaryView = t.Object({ ...range, ...figures });

export const TimeseriesView = t.Object({
  ...range,
  bucket: t.String(),
  /** Every bucket of the range, empty ones included. */
  results: t.Array(t.Object({ time: t.String({ description: 'Start of the bucket' }), ...figures })),
});

export const BreakdownView = t.Object({
  ...range,
  by: t.String(),
  order_by: t.String(),
  results: t.Array(
    t.Object({
      key: Nullable(t.String({ description: 'The value (a key id for api_key); null for calls without one' })),
      label: Nullable(t.String({ description: 'A readable name where the key is an id (api_key: name and prefix)' })),
      ...figures,
    }),
  ),
});
