/** A proxy call's HTTP answer, for every client-facing API: JSON, or the SSE stream. */
import { verbatim } from '../../providers/shared/verbatim.ts';
import type { ProxyApi } from './api.ts';
import type { ChatService, ProxyInput, ProxyResult } from './service.ts';
import { streamCall } from './stream.ts';

/** Not an async function: a plain call's answer is one `then` on the call (no async frame of its own). */
export function respond(chat: ChatService, api: ProxyApi, input: ProxyInput): Promise<Response> {
  if (input.body.stream === true) return streamed(chat, api, input);
  return chat.complete(input, api).then(jsonResponse);
}

async function streamed(chat: ChatService, api: ProxyApi, input: ProxyInput): Promise<Response> {
  const s = await streamCall(chat, input, api);
  return new Response(s.stream, { headers: s.headers });
}

function jsonResponse(r: ProxyResult): Response {
  return new Response(verbatim(r.body) ?? JSON.stringify(r.body), { headers: { 'content-type': 'application/json', ...r.headers } });
}
