/**
 * The OpenAI Responses API request (POST /responses), as far as the gateway
 * reads it. Open on purpose: fields it does not name go to native providers
 * as they came, and translation refuses what it cannot carry (a 400 naming it).
 */
import { type Static, type TSchema, Type as T } from '@sinclair/typebox';

const Open = { additionalProperties: true } as const;
/** The OpenAI SDKs type most optional fields as nullable; null means unset. */
const Nullable = <S extends TSchema>(schema: S) => T.Optional(T.Union([schema, T.Null()]));

export const ResponsesRequest = T.Object(
  {
    model: T.String({ minLength: 1 }),
    input: T.Union([T.String(), T.Array(T.Object({}, Open))], { description: 'a string, or message / function_call / function_call_output / image items' }),
    instructions: Nullable(T.String()),
    tools: T.Optional(T.Array(T.Object({ type: T.String() }, Open))),
    tool_choice: Nullable(T.Union([T.String(), T.Object({ type: T.String() }, Open)])),
    parallel_tool_calls: Nullable(T.Boolean()),
    text: Nullable(T.Object({ format: Nullable(T.Object({ type: T.String() }, Open)) }, Open)),
    max_output_tokens: Nullable(T.Integer({ minimum: 1 })),
    temperature: Nullable(T.Number({ minimum: 0, maximum: 2 })),
    top_p: Nullable(T.Number({ minimum: 0, maximum: 1 })),
    reasoning: Nullable(T.Object({ effort: Nullable(T.String()) }, Open)),
    metadata: Nullable(T.Record(T.String(), T.Unknown())),
    store: Nullable(T.Boolean({ description: 'true is refused: the gateway keeps no responses' })),
    stream: Nullable(T.Boolean()),
    previous_response_id: Nullable(T.String({ description: 'refused (when not null): the gateway keeps no responses' })),
    user: Nullable(T.String()),
  },
  Open,
);
export type ResponsesRequest = Static<typeof ResponsesRequest>;
