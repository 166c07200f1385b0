/**
 * The Anthropic Messages API request (POST /anthropic/v1/messages), as far
 * as the gateway reads it. Open on purpose: fields it does not name go to
 * Anthropic as they came, and translation refuses what it cannot carry.
 */
import { type Static, Type as T } from '@sinclair/typebox';

const Open = { additionalProperties: true } as const;
const Blocks = T.Array(T.Object({ type: T.String() }, Open));

export const MessagesRequest = T.Object(
  {
    model: T.String({ minLength: 1 }),
    messages: T.Array(T.Object({ role: T.Union([T.Literal('user'), T.Literal('assistant')]), content: T.Union([T.String(), Blocks]) }, Open)),
    max_tokens: T.Optional(T.Integer({ minimum: 1, description: 'default 4096' })),
    system: T.Optional(T.Union([T.String(), Blocks])),
    metadata: T.Optional(
      T.Object(
        {
          user_id: T.Optional(T.Union([T.String(), T.Null()])),
          keywordsai_params: T.Optional(T.Record(T.String(), T.Unknown(), { description: 'gateway parameters (customer_identifier, fallback_models, cache_enabled, ...)' })),
        },
        Open,
      ),
    ),
    stop_sequences: T.Optional(T.Array(T.String())),
    stream: T.Optional(T.Boolean()),
    temperature: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
    top_p: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
    tools: T.Optional(T.Array(T.Object({ name: T.String() }, Open))),
    tool_choice: T.Optional(T.Object({ type: T.String() }, Open)),
    thinking: T.Optional(T.Object({ type: T.String() }, Open)),
  },
  Open,
);
export type MessagesRequest = Static<typeof MessagesRequest>;
