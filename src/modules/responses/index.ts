/**
 * The OpenAI Responses API (`/responses`, `/v1/responses`) for every routed
 * model, through the chat pipeline (thin; logic in modules/chat). Stored
 * responses are not kept, so reading or deleting one is a clear 400.
 */
import { Elysia } from 'elysia';
import { BadRequestError } from '../../errors.ts';
import { GATEWAY_ACCESS, requireAuth } from '../../http/auth.ts';
import { RESPONSES_API } from '../chat/api.ts';
import { PARAMS_HEADER, headerParams } from '../chat/params.ts';
import { respond } from '../chat/respond.ts';
import type { ChatService } from '../chat/service.ts';
import type { Authenticator } from '../../principal.ts';
import { ResponsesBody } from './model.ts';

const NOT_STORED = 'Stored responses are not supported: this gateway keeps no responses (each call carries its whole conversation in `input`)';

export function responsesRoutes(auth: Authenticator, chat: ChatService) {
  const app = new Elysia({ detail: { tags: ['Proxy'] } }).use(requireAuth(auth, GATEWAY_ACCESS));
  for (const path of ['/responses', '/v1/responses']) {
    app
      .post(
        path,
        ({ body, principal, request, headers }) =>
          respond(chat, RESPONSES_API, { principal, body, header: headerParams(headers[PARAMS_HEADER]), signal: request.signal }),
        { body: ResponsesBody, detail: { summary: 'OpenAI Responses API for every model, with routing, fallbacks, cache and logging' } },
      )
      .get(`${path}/:id`, () => {
        throw new BadRequestError(NOT_STORED, 'response_id');
      }, { detail: { summary: 'Not supported: responses are not stored (400)' } })
      .delete(`${path}/:id`, () => {
        throw new BadRequestError(NOT_STORED, 'response_id');
      }, { detail: { summary: 'Not supported: responses are not stored (400)' } });
  }
  return app;
}
