/**
 * Wire shapes and value types of the model registry. Every price is USD per
 * 1M tokens; `null` means "not known" (a missing cache rate falls back to the
 * input rate in `computeCost`; a missing input/output rate costs 0 and the
 * caller records a warning).
 */
import { type Static, Type as T } from '@sinclair/typebox';

const NullableNumber = T.Union([T.Number({ minimum: 0 }), T.Null()]);

export interface ModelPrices {
  input_cost: number | null;
  output_cost: number | null;
  cache_hit_input_cost: number | null;
  cache_creation_input_cost: number | null;
}

export const NO_PRICES: Readonly<ModelPrices> = Object.freeze({
  input_cost: null,
  output_cost: null,
  cache_hit_input_cost: null,
  cache_creation_input_cost: null,
});

/**
 * Where a model's prices came from. `unknown`: the provider is known but the
 * price data does not know the model; the gateway proxies it at cost 0 and
 * should say so in the span's warnings.
 */
export type PriceSource = 'catalog' | 'mock' | 'local' | 'config' | 'custom' | 'unknown';

export interface ModelInfo extends ModelPrices {
  /** The name the client used (`gpt-4o`, `azure/gpt-4o`, a custom name). */
  model_name: string;
  provider_id: string;
  provider_name: string;
  /** The model name sent to the provider (no `provider/` prefix). */
  upstream_model: string;
  max_context_window: number | null;
  price_source: PriceSource;
}

/**
 * A model defined in the config file or per organization
 * (`POST /api/models/`). Price fields left out are taken from the built-in
 * prices of `base_model_name` at `provider_id`, when those are known.
 */
export const CustomModel = T.Object(
  {
    model_name: T.String({ minLength: 1, maxLength: 255 }),
    /** The model name sent upstream; defaults to `model_name`. */
    base_model_name: T.Optional(T.Union([T.String({ minLength: 1 }), T.Null()])),
    provider_id: T.String({ minLength: 1 }),
    input_cost: T.Optional(NullableNumber),
    output_cost: T.Optional(NullableNumber),
    cache_hit_input_cost: T.Optional(NullableNumber),
    cache_creation_input_cost: T.Optional(NullableNumber),
    max_context_window: T.Optional(T.Union([T.Integer({ minimum: 1 }), T.Null()])),
  },
  { additionalProperties: false },
);
export type CustomModel = Static<typeof CustomModel>;

export const PublicModel = T.Object({
  model_name: T.String(),
  max_context_window: T.Union([T.Integer(), T.Null()]),
  /** USD per 1M input tokens. */
  input_cost: T.Union([T.Number(), T.Null()]),
  /** USD per 1M output tokens. */
  output_cost: T.Union([T.Number(), T.Null()]),
  provider: T.Object({ provider_name: T.String(), provider_id: T.String() }),
});
export type PublicModel = Static<typeof PublicModel>;

/** `GET /api/models/public` */
export const PublicModelsResponse = T.Object({ models: T.Array(PublicModel) });
export type PublicModelsResponse = Static<typeof PublicModelsResponse>;
