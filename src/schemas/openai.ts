/**
 * OpenAI chat/embeddings wire shapes: the lingua franca inside the gateway.
 * Every provider adapter translates to and from these.
 */
import { type Static, Type as T } from '@sinclair/typebox';

const Open = { additionalProperties: true } as const;

export const ContentPart = T.Union([
  T.Object({ type: T.Literal('text'), text: T.String() }, Open),
  T.Object(
    {
      type: T.Literal('image_url'),
      image_url: T.Object({ url: T.String(), detail: T.Optional(T.String()) }, Open),
    },
    Open,
  ),
  T.Object({ type: T.String() }, Open),
]);
export type ContentPart = Static<typeof ContentPart>;

export const ToolCall = T.Object(
  {
    id: T.String(),
    type: T.Literal('function'),
    function: T.Object({ name: T.String(), arguments: T.String() }, Open),
  },
  Open,
);
export type ToolCall = Static<typeof ToolCall>;

export const ChatMessage = T.Object(
  {
    role: T.Union([
      T.Literal('system'),
      T.Literal('developer'),
      T.Literal('user'),
      T.Literal('assistant'),
      T.Literal('tool'),
      T.Literal('function'),
    ]),
    content: T.Optional(T.Union([T.String(), T.Array(ContentPart), T.Null()])),
    name: T.Optional(T.String()),
    tool_calls: T.Optional(T.Array(ToolCall)),
    tool_call_id: T.Optional(T.String()),
  },
  Open,
);
export type ChatMessage = Static<typeof ChatMessage>;

export const Tool = T.Object(
  {
    type: T.Literal('function'),
    function: T.Object(
      {
        name: T.String(),
        description: T.Optional(T.String()),
        parameters: T.Optional(T.Record(T.String(), T.Unknown())),
        strict: T.Optional(T.Union([T.Boolean(), T.Null()])),
      },
      Open,
    ),
  },
  Open,
);
export type Tool = Static<typeof Tool>;

export const ToolChoice = T.Union([
  T.Literal('none'),
  T.Literal('auto'),
  T.Literal('required'),
  T.Object({ type: T.Literal('function'), function: T.Object({ name: T.String() }, Open) }, Open),
]);
export type ToolChoice = Static<typeof ToolChoice>;

export const ResponseFormat = T.Object(
  {
    type: T.Union([T.Literal('text'), T.Literal('json_object'), T.Literal('json_schema')]),
    json_schema: T.Optional(T.Record(T.String(), T.Unknown())),
  },
  Open,
);
export type ResponseFormat = Static<typeof ResponseFormat>;

/** The upstream-facing part of a chat request: what providers see. */
export const ChatRequest = T.Object(
  {
    model: T.String(),
    messages: T.Array(ChatMessage),
    stream: T.Optional(T.Boolean()),
    stream_options: T.Optional(T.Object({ include_usage: T.Optional(T.Boolean()) }, Open)),
    temperature: T.Optional(T.Number()),
    top_p: T.Optional(T.Number()),
    n: T.Optional(T.Integer({ minimum: 1 })),
    max_tokens: T.Optional(T.Integer({ minimum: 1 })),
    max_completion_tokens: T.Optional(T.Integer({ minimum: 1 })),
    stop: T.Optional(T.Union([T.String(), T.Array(T.String())])),
    presence_penalty: T.Optional(T.Number()),
    frequency_penalty: T.Optional(T.Number()),
    logit_bias: T.Optional(T.Record(T.String(), T.Number())),
    logprobs: T.Optional(T.Boolean()),
    top_logprobs: T.Optional(T.Integer()),
    seed: T.Optional(T.Integer()),
    user: T.Optional(T.String()),
    tools: T.Optional(T.Array(Tool)),
    tool_choice: T.Optional(ToolChoice),
    parallel_tool_calls: T.Optional(T.Boolean()),
    response_format: T.Optional(ResponseFormat),
  },
  Open,
);
export type ChatRequest = Static<typeof ChatRequest>;

export const Usage = T.Object(
  {
    prompt_tokens: T.Integer(),
    completion_tokens: T.Integer(),
    total_tokens: T.Integer(),
    prompt_tokens_details: T.Optional(
      T.Object(
        {
          cached_tokens: T.Optional(T.Integer()),
          /** Anthropic's cache writes, surfaced in OpenAI usage. */
          cache_creation_tokens: T.Optional(T.Integer()),
        },
        Open,
      ),
    ),
    completion_tokens_details: T.Optional(
      T.Object({ reasoning_tokens: T.Optional(T.Integer()) }, Open),
    ),
  },
  Open,
);
export type Usage = Static<typeof Usage>;

export const FinishReason = T.Union([
  T.Literal('stop'),
  T.Literal('length'),
  T.Literal('tool_calls'),
  T.Literal('content_filter'),
  T.Literal('function_call'),
  T.Null(),
]);
export type FinishReason = Static<typeof FinishReason>;

export const AssistantMessage = T.Object(
  {
    role: T.Literal('assistant'),
    content: T.Union([T.String(), T.Null()]),
    tool_calls: T.Optional(T.Array(ToolCall)),
    refusal: T.Optional(T.Union([T.String(), T.Null()])),
    /** Reasoning text (Anthropic thinking, Gemini thoughts), as DeepSeek names it. */
    reasoning_content: T.Optional(T.String()),
  },
  Open,
);
export type AssistantMessage = Static<typeof AssistantMessage>;

export const ChatResponse = T.Object(
  {
    id: T.String(),
    object: T.Literal('chat.completion'),
    created: T.Integer(),
    model: T.String(),
    choices: T.Array(
      T.Object(
        {
          index: T.Integer(),
          message: AssistantMessage,
          finish_reason: FinishReason,
          logprobs: T.Optional(T.Union([T.Unknown(), T.Null()])),
        },
        Open,
      ),
    ),
    usage: T.Optional(Usage),
    system_fingerprint: T.Optional(T.Union([T.String(), T.Null()])),
  },
  Open,
);
export type ChatResponse = Static<typeof ChatResponse>;

export const ToolCallDelta = T.Object(
  {
    index: T.Integer(),
    id: T.Optional(T.String()),
    type: T.Optional(T.Literal('function')),
    function: T.Optional(
      T.Object({ name: T.Optional(T.String()), arguments: T.Optional(T.String()) }, Open),
    ),
  },
  Open,
);
export type ToolCallDelta = Static<typeof ToolCallDelta>;

export const ChatChunk = T.Object(
  {
    id: T.String(),
    object: T.Literal('chat.completion.chunk'),
    created: T.Integer(),
    model: T.String(),
    choices: T.Array(
      T.Object(
        {
          index: T.Integer(),
          delta: T.Object(
            {
              role: T.Optional(T.Literal('assistant')),
              content: T.Optional(T.Union([T.String(), T.Null()])),
              tool_calls: T.Optional(T.Array(ToolCallDelta)),
              reasoning_content: T.Optional(T.String()),
            },
            Open,
          ),
          finish_reason: FinishReason,
        },
        Open,
      ),
    ),
    usage: T.Optional(T.Union([Usage, T.Null()])),
  },
  Open,
);
export type ChatChunk = Static<typeof ChatChunk>;

export const MAX_EMBEDDING_INPUTS = 2048;

export const EmbeddingRequest = T.Object(
  {
    model: T.String(),
    // 2,048 inputs a call: OpenAI's documented bound (an upstream refuses more anyway).
    input: T.Union([
      T.String(),
      T.Array(T.String(), { maxItems: MAX_EMBEDDING_INPUTS }),
      T.Array(T.Integer()),
      T.Array(T.Array(T.Integer()), { maxItems: MAX_EMBEDDING_INPUTS }),
    ]),
    encoding_format: T.Optional(T.Union([T.Literal('float'), T.Literal('base64')])),
    dimensions: T.Optional(T.Integer({ minimum: 1 })),
    user: T.Optional(T.String()),
  },
  Open,
);
export type EmbeddingRequest = Static<typeof EmbeddingRequest>;

export const EmbeddingResponse = T.Object(
  {
    object: T.Literal('list'),
    data: T.Array(
      T.Object(
        {
          object: T.Literal('embedding'),
          index: T.Integer(),
          embedding: T.Union([T.Array(T.Number()), T.String()]),
        },
        Open,
      ),
    ),
    model: T.String(),
    usage: T.Object({ prompt_tokens: T.Integer(), total_tokens: T.Integer() }, Open),
  },
  Open,
);
export type EmbeddingResponse = Static<typeof EmbeddingResponse>;
