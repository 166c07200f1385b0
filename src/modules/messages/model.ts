/**
 * POST /anthropic/v1/messages body: the Messages request; gateway parameters
 * go in `metadata.keywordsai_params` (or at the top level, or in the
 * X-Data-Keywordsai-Params header). `model` and `messages` are optional here
 * because load-balance groups and prompt templates can supply them.
 */
import { t } from 'elysia';
import { gatewayParamProperties } from '../../schemas/gateway.ts';
import { MessagesRequest } from '../../schemas/messages.ts';

export const MessagesBody = t.Object(
  {
    ...gatewayParamProperties,
    ...MessagesRequest.properties,
    model: t.Optional(t.String({ minLength: 1 })),
    messages: t.Optional(MessagesRequest.properties.messages),
  },
  { additionalProperties: true },
);
