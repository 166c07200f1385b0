/**
 * The Anthropic Messages API at `/anthropic/v1/messages` (the Anthropic SDK
 * appends `/v1/messages` to a base URL ending in `/anthropic`) for every
 * routed model, through the chat pipeline (thin; logic in modules/chat).
 * `anthropic-version` and `anthropic-beta` go on to Anthropic as they came.
 */
import { Elysia } from 'elysia';
import { GATEWAY_ACCESS, requireAuth } from '../../http/auth.ts';
import { MESSAGES_API } from '../chat/api.ts';
import { PARAMS_HEADER, headerParams } from '../chat/params.ts';
import { respond } from '../chat/respond.ts';
import type { ChatService } from '../chat/service.ts';
import type { Authenticator } from '../../principal.ts';
import { MessagesBody } from './model.ts';

const FORWARDED = ['anthropic-version', 'anthropic-beta'] as const;

export function messagesRoutes(auth: Authenticator, chat: ChatService) {
  return new Elysia({ detail: { tags: ['Proxy'] } })
    .use(requireAuth(auth, GATEWAY_ACCESS))
    .post(
      '/anthropic/v1/messages',
      ({ body, principal, request, headers }) => {
        const forward: Record<string, string> = {};
        for (const h of FORWARDED) {
          const v = headers[h];
          if (v) forward[h] = v;
        }
        return respond(chat, MESSAGES_API, { principal, body, header: headerParams(headers[PARAMS_HEADER]), signal: request.signal, forward });
      },
      { body: MessagesBody, detail: { summary: 'Anthropic Messages API for every model, with routing, fallbacks, cache and logging' } },
    );
}
