/**
 * Prompt templates on the wire: the `prompt` parameter of a chat call
 * (seed 002) and the content of a stored prompt version. Shared by the
 * prompts module (REST API, resolution) and the proxy.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { MAX_MODEL_LIST } from '../lib/input-caps.ts';
import { ChatMessage, ResponseFormat, Tool, ToolChoice } from './openai.ts';

const Strict = { additionalProperties: false } as const;

/** One entry of `load_balance_models`: a model and its relative weight (> 0). */
export const LoadBalanceModel = T.Object(
  {
    model: T.String({ minLength: 1 }),
    weight: T.Number({ exclusiveMinimum: 0 }),
    credentials: T.Optional(T.Record(T.String(), T.Unknown())),
  },
  Strict,
);
export type LoadBalanceModel = Static<typeof LoadBalanceModel>;

export const Stop = T.Union([T.String(), T.Array(T.String(), { maxItems: 4 })]);

/**
 * What a prompt version holds besides its messages. Every field is nullable so
 * that PATCH can clear it; null means "the version does not set it".
 */
export const PromptVersionParams = {
  model: T.String({ minLength: 1 }),
  temperature: T.Optional(T.Union([T.Number({ minimum: 0, maximum: 2 }), T.Null()])),
  max_tokens: T.Optional(T.Union([T.Integer({ minimum: 1 }), T.Null()])),
  top_p: T.Optional(T.Union([T.Number({ minimum: 0, maximum: 1 }), T.Null()])),
  frequency_penalty: T.Optional(T.Union([T.Number({ minimum: -2, maximum: 2 }), T.Null()])),
  presence_penalty: T.Optional(T.Union([T.Number({ minimum: -2, maximum: 2 }), T.Null()])),
  stop: T.Optional(T.Union([Stop, T.Null()])),
  tools: T.Optional(T.Union([T.Array(Tool), T.Null()])),
  tool_choice: T.Optional(T.Union([ToolChoice, T.Null()])),
  response_format: T.Optional(T.Union([ResponseFormat, T.Null()])),
  fallback_models: T.Optional(T.Union([T.Array(T.String({ minLength: 1 }), { maxItems: MAX_MODEL_LIST }), T.Null()])),
  load_balance_models: T.Optional(T.Union([T.Array(LoadBalanceModel, { minItems: 1, maxItems: MAX_MODEL_LIST }), T.Null()])),
};

/**
 * `prompt.override_params`: any chat/completions parameter. Known ones are
 * typed; others (provider extras such as `reasoning_effort`) pass through.
 */
export const OverrideParams = T.Object(
  {
    ...PromptVersionParams,
    model: T.Optional(T.String({ minLength: 1 })),
    messages: T.Optional(T.Array(ChatMessage)),
  },
  { additionalProperties: true },
);
export type OverrideParams = Static<typeof OverrideParams> & Record<string, unknown>;

export const MessagesOverrideMode = T.Union([T.Literal('append'), T.Literal('override')]);
export type MessagesOverrideMode = Static<typeof MessagesOverrideMode>;

/**
 * The `prompt` parameter of POST /chat/completions. Unknown fields are
 * rejected so that a misspelt option is a 422 rather than silently unused.
 */
export const PromptParam = T.Object(
  {
    prompt_id: T.String({ minLength: 1 }),
    /** Values that are not strings are rendered as JSON (numbers and booleans as written). */
    variables: T.Optional(T.Record(T.String(), T.Unknown())),
    /** Absent: the deployed version; a number: that version; "latest": the newest. */
    version: T.Optional(T.Union([T.Integer({ minimum: 1 }), T.Literal('latest')])),
    echo: T.Optional(T.Boolean()),
    override: T.Optional(T.Boolean()),
    override_params: T.Optional(OverrideParams),
    override_config: T.Optional(T.Object({ messages_override_mode: T.Optional(MessagesOverrideMode) }, Strict)),
  },
  Strict,
);
/** The validated parameter; override_params keeps the extra keys the schema lets through. */
export type PromptParam = Omit<Static<typeof PromptParam>, 'override_params'> & { override_params?: OverrideParams };
