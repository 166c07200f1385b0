import { t } from 'elysia';
import { CustomModel } from '../../pricing/model.ts';

const NullableCost = t.Union([t.Number({ minimum: 0 }), t.Null()]);

export const ModelCreateBody = CustomModel;

export const ModelPatchBody = t.Object(
  {
    base_model_name: t.Optional(t.Union([t.String({ minLength: 1 }), t.Null()])),
    provider_id: t.Optional(t.String({ minLength: 1 })),
    input_cost: t.Optional(NullableCost),
    output_cost: t.Optional(NullableCost),
    cache_hit_input_cost: t.Optional(NullableCost),
    cache_creation_input_cost: t.Optional(NullableCost),
    max_context_window: t.Optional(t.Union([t.Integer({ minimum: 1 }), t.Null()])),
  },
  { additionalProperties: false },
);

export const ModelView = t.Object({
  model_name: t.String(),
  base_model_name: t.Union([t.String(), t.Null()]),
  provider_id: t.String(),
  input_cost: t.Union([t.Number(), t.Null()]),
  output_cost: t.Union([t.Number(), t.Null()]),
  cache_hit_input_cost: t.Union([t.Number(), t.Null()]),
  cache_creation_input_cost: t.Union([t.Number(), t.Null()]),
  max_context_window: t.Union([t.Integer(), t.Null()]),
  created_at: t.String(),
  updated_at: t.String(),
});
