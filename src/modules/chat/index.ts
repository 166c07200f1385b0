/** `/chat/completions` and `/embeddings`: the OpenAI-compatible proxy routes (thin; logic in service.ts and embed.ts). */
import { Elysia } from 'elysia';
import { GATEWAY_ACCESS, requireAuth } from '../../http/auth.ts';
import type { Authenticator } from '../../principal.ts';
import { CHAT_API } from './api.ts';
import { embedCall } from './embed.ts';
import { ChatBody, EmbeddingBody } from './model.ts';
import { PARAMS_HEADER, headerParams } from './params.ts';
import { respond } from './respond.ts';
import type { ChatService } from './service.ts';

export function chatRoutes(auth: Authenticator, chat: ChatService) {
  return new Elysia({ detail: { tags: ['Proxy'] } })
    .use(requireAuth(auth, GATEWAY_ACCESS))
    .post(
      '/chat/completions',
      ({ body, principal, request, headers }) =>
        respond(chat, CHAT_API, { principal, body, header: headerParams(headers[PARAMS_HEADER]), signal: request.signal }),
      { body: ChatBody, detail: { summary: 'OpenAI-compatible chat completions with routing, fallbacks, cache and logging' } },
    )
    .post(
      '/embeddings',
      async ({ body, principal, request, headers }) => {
        const r = await embedCall(chat, { principal, body, header: headerParams(headers[PARAMS_HEADER]), signal: request.signal });
        return new Response(JSON.stringify(r.body), { headers: { 'content-type': 'application/json', ...r.headers } });
      },
      { body: EmbeddingBody, detail: { summary: 'OpenAI-compatible embeddings with routing and logging' } },
    );
}
