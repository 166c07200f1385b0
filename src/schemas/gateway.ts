/**
 * The gateway's own request parameters (seed 002, "Keywords AI parameters"):
 * routing, credentials, cache, retries and observability. They arrive at the
 * top level of a chat/embeddings body (the OpenAI SDK's `extra_body` puts them
 * there) or in the `X-Data-Keywordsai-Params` header, and are stripped before
 * the request goes upstream.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { MAX_MODEL_LIST } from '../lib/input-caps.ts';
import { CustomerParams } from './customer.ts';
import { PromptParam } from './prompt.ts';

const Open = { additionalProperties: true } as const;
const Closed = { additionalProperties: false } as const;

export const Credentials = T.Object(
  {
    api_key: T.Optional(T.String()),
    api_base: T.Optional(T.String()),
    api_version: T.Optional(T.String()),
    deployment: T.Optional(T.String()),
  },
  Closed,
);
export type Credentials = Static<typeof Credentials>;

export const WeightedModel = T.Object(
  {
    model: T.String({ minLength: 1 }),
    weight: T.Number({ exclusiveMinimum: 0 }),
    credentials: T.Optional(Credentials),
  },
  Open,
);
export type WeightedModel = Static<typeof WeightedModel>;

export const LoadBalanceGroup = T.Object(
  {
    group_id: T.Optional(T.String()),
    models: T.Optional(T.Array(WeightedModel, { minItems: 1, maxItems: MAX_MODEL_LIST })),
  },
  Open,
);
export type LoadBalanceGroup = Static<typeof LoadBalanceGroup>;

export const RetryParams = T.Object(
  {
    retry_enabled: T.Optional(T.Boolean()),
    num_retries: T.Optional(T.Integer({ minimum: 0, maximum: 10 })),
    /** Seconds before a retry. */
    retry_after: T.Optional(T.Number({ minimum: 0, maximum: 60 })),
  },
  Open,
);
export type RetryParams = Static<typeof RetryParams>;

export const CacheOptions = T.Object(
  {
    cache_by_customer: T.Optional(T.Boolean()),
    omit_log: T.Optional(T.Boolean()),
  },
  Open,
);


const StringList = T.Array(T.String({ minLength: 1 }), { maxItems: MAX_MODEL_LIST });
/** Per-provider maps (credentials, keys, model names): one entry per provider or model at most. */
const perProvider = { maxProperties: MAX_MODEL_LIST } as const;

/** Every gateway parameter; all optional. */
export const gatewayParamProperties = {
  // Routing
  models: T.Optional(StringList),
  exclude_models: T.Optional(StringList),
  exclude_providers: T.Optional(StringList),
  load_balance_group: T.Optional(LoadBalanceGroup),
  loadbalance_models: T.Optional(T.Array(WeightedModel, { minItems: 1, maxItems: MAX_MODEL_LIST })),
  fallback_models: T.Optional(StringList),
  disable_fallback: T.Optional(T.Boolean()),
  retry_params: T.Optional(RetryParams),
  model_name_map: T.Optional(T.Record(T.String(), T.String(), perProvider)),
  // Credentials
  customer_credentials: T.Optional(T.Record(T.String(), Credentials, perProvider)),
  credential_override: T.Optional(T.Record(T.String(), Credentials, perProvider)),
  customer_api_keys: T.Optional(T.Record(T.String(), T.String(), perProvider)),
  // Cache
  cache_enabled: T.Optional(T.Boolean()),
  cache_ttl: T.Optional(T.Number({ exclusiveMinimum: 0 })),
  cache_options: T.Optional(CacheOptions),
  // Prompt templates
  prompt: T.Optional(PromptParam),
  // Observability
  disable_log: T.Optional(T.Boolean()),
  request_breakdown: T.Optional(T.Boolean()),
  metadata: T.Optional(T.Record(T.String(), T.Unknown())),
  custom_identifier: T.Optional(T.String({ maxLength: 255 })),
  customer_identifier: T.Optional(T.String({ minLength: 1, maxLength: 120 })),
  customer_params: T.Optional(CustomerParams),
  thread_identifier: T.Optional(T.String({ maxLength: 255 })),
  trace_unique_id: T.Optional(T.String({ maxLength: 255 })),
  span_workflow_name: T.Optional(T.String({ maxLength: 255 })),
  span_name: T.Optional(T.String({ maxLength: 255 })),
  span_parent_id: T.Optional(T.String({ maxLength: 255 })),
  positive_feedback: T.Optional(T.Boolean()),
};

export const GatewayParams = T.Object(gatewayParamProperties, Open);
export type GatewayParams = Static<typeof GatewayParams>;

/** Names stripped from a body before it goes upstream. */
export const GATEWAY_PARAM_NAMES: ReadonlySet<string> = new Set(Object.keys(gatewayParamProperties));
