/**
 * POST /responses body: the Responses request plus the gateway's own
 * parameters at the top level (the OpenAI SDKs' extra body fields). `model`
 * and `input` are optional here because load-balance groups and prompt
 * templates can supply them; the service says so when neither does.
 */
import { t } from 'elysia';
import { gatewayParamProperties } from '../../schemas/gateway.ts';
import { ResponsesRequest } from '../../schemas/responses.ts';

export const ResponsesBody = t.Object(
  {
    ...gatewayParamProperties,
    ...ResponsesRequest.properties,
    model: t.Optional(t.String({ minLength: 1 })),
    input: t.Optional(ResponsesRequest.properties.input),
  },
  { additionalProperties: true },
);
