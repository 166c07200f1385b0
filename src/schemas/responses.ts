/**
 * The OpenAI Responses API request (POST /responses), as far as the gateway
 * reads it. Open on purpose: fields it does not name go to native providers
 * as they came, and translation refuses what it cannot carry (a 400 naming it).
 */
import { type Static, Type as T } from '@sinclair/typebox';

const Open = { additionalProperties: true } as const;

export const ResponsesRequest = T.Object(
  {
    model: T.String({ minLength: 1 }),
    input: T.Union([T.String(), T.Array(T.Object({}, Open))], { description: 'a string, or message / function_call / function_call_output / image items' }),
    instructions: T.Optional(T.Union([T.String(), T.Null()])),
    tools: T.Optional(T.Array(T.Object({ type: T.String() }, Open))),
    tool_choice: T.Optional(T.Union([T.String(), T.Object({ type: T.String() }, Open)])),
    parallel_tool_calls: T.Optional(T.Boolean()),
    text: T.Optional(T.Object({ format: T.Optional(T.Object({ type: T.String() }, Open)) }, Open)),
    max_output_tokens: T.Optional(T.Integer({ minimum: 1 })),
    temperature: T.Optional(T.Number({ minimum: 0, maximum: 2 })),
    top_p: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
    reasoning: T.Optional(T.Object({ effort: T.Optional(T.Union([T.String(), T.Null()])) }, Open)),
    metadata: T.Optional(T.Record(T.String(), T.Unknown())),
    store: T.Optional(T.Boolean({ description: 'true is refused: the gateway keeps no responses' })),
    stream: T.Optional(T.Boolean()),
    previous_response_id: T.Optional(T.Union([T.String(), T.Null()], { description: 'refused: the gateway keeps no responses' })),
    user: T.Optional(T.String()),
  },
  Open,
);
export type ResponsesRequest = Static<typeof ResponsesRequest>;
