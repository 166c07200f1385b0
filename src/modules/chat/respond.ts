/** A proxy call's HTTP answer, for every client-facing API: JSON, or the SSE stream. */
import { verbatim } from '../../providers/shared/verbatim.ts';
import type { ProxyApi } from './api.ts';
import type { ChatService, ProxyInput } from './service.ts';
import { streamCall } from './stream.ts';

export async function respond(chat: ChatService, api: ProxyApi, input: ProxyInput): Promise<Response> {
  if (input.body.stream === true) {
    const s = await streamCall(chat, input, api);
    return new Response(s.stream, { headers: s.headers });
  }
  const r = await chat.complete(input, api);
  return new Response(verbatim(r.body) ?? JSON.stringify(r.body), { headers: { 'content-type': 'application/json', ...r.headers } });
}
