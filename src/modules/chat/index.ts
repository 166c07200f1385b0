/** `/chat/completions` and `/embeddings`: the OpenAI-compatible proxy routes (thin; logic in service.ts). */
import { Elysia } from 'elysia';
import { requireAuth } from '../../http/auth.ts';
import type { Authenticator } from '../../principal.ts';
import { ChatBody, EmbeddingBody } from './model.ts';
import { PARAMS_HEADER, headerParams } from './params.ts';
import type { ChatService, ProxyResult } from './service.ts';
import { streamChat } from './stream.ts';

function jsonResponse(r: ProxyResult): Response {
  return new Response(JSON.stringify(r.body), { headers: { 'content-type': 'application/json', ...r.headers } });
}

export function chatRoutes(auth: Authenticator, chat: ChatService) {
  return new Elysia({ detail: { tags: ['Proxy'] } })
    .use(requireAuth(auth))
    .post(
      '/chat/completions',
      async ({ body, principal, request, headers }) => {
        const input = { principal, body, header: headerParams(headers[PARAMS_HEADER]), signal: request.signal };
        if (body.stream === true) {
          const s = await streamChat(chat, input);
          return new Response(s.stream, { headers: s.headers });
        }
        return jsonResponse(await chat.chat(input));
      },
      { body: ChatBody, detail: { summary: 'OpenAI-compatible chat completions with routing, fallbacks, cache and logging' } },
    )
    .post(
      '/embeddings',
      async ({ body, principal, request, headers }) =>
        jsonResponse(
          await chat.embed({ principal, body, header: headerParams(headers[PARAMS_HEADER]), signal: request.signal }),
        ),
      { body: EmbeddingBody, detail: { summary: 'OpenAI-compatible embeddings with routing and logging' } },
    );
}
