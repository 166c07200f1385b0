/**
 * Request schemas of the proxy routes: the OpenAI request plus the gateway's
 * own parameters. Open (`additionalProperties: true`) on purpose: provider
 * extras (`reasoning_effort`, ...) pass through to the upstream untouched.
 * `model` and `messages` are optional here because load-balance groups and
 * prompt templates can supply them; the service says so when neither does.
 */
import { t } from 'elysia';
import { gatewayParamProperties } from '../../schemas/gateway.ts';
import { ChatRequest, EmbeddingRequest } from '../../schemas/openai.ts';

const Open = { additionalProperties: true } as const;

export const ChatBody = t.Object(
  {
    ...ChatRequest.properties,
    model: t.Optional(t.String({ minLength: 1 })),
    messages: t.Optional(ChatRequest.properties.messages),
    ...gatewayParamProperties,
  },
  Open,
);

export const EmbeddingBody = t.Object(
  {
    ...EmbeddingRequest.properties,
    model: t.Optional(t.String({ minLength: 1 })),
    ...gatewayParamProperties,
  },
  Open,
);
