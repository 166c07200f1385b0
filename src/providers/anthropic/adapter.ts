/**
 * Anthropic Messages API: `POST {base}/v1/messages` with `x-api-key` and a pinned version.
 * Chat requests are translated (src/providers/translate/messages/); Messages
 * requests from the gateway's own Messages endpoint go as they came (`native`).
 */
import type { ChatChunk, ChatRequest, ChatResponse } from '../../schemas/openai.ts';
import {
  eventJson,
  postJson,
  readJson,
  STREAM_ERROR,
  upstreamError,
  upstreamEvents,
  type UpstreamCall,
} from '../shared/http.ts';
import { unixNow } from '../shared/json.ts';
import { rejectOutOfRange, rejectUnsupported } from '../shared/unsupported.ts';
import {
  createAnthropicStreamState,
  fromAnthropicEvent,
  type StreamFailure,
  throwIfAnthropicError,
} from '../translate/messages/anthropic-events.ts';
import { fromAnthropicResponse } from '../translate/messages/from-anthropic.ts';
import { toAnthropicRequest } from '../translate/messages/to-anthropic.ts';
import type { CallContext, NativeEndpoint, ProviderAdapter } from '../types.ts';

const ANTHROPIC_UNSUPPORTED = ['n', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'seed', 'logprobs', 'top_logprobs'];

export const ANTHROPIC_DEFAULT_BASE = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';
/** Client headers a native Messages call passes on; the version pinned above is the default. */
const PASSED_HEADERS = ['anthropic-version', 'anthropic-beta'];

export interface AnthropicAdapterOptions {
  id?: string;
  api_base?: string;
  api_key?: string;
  defaultMaxTokens?: number;
}

export function createAnthropicAdapter(options: AnthropicAdapterOptions = {}): ProviderAdapter {
  const id = options.id ?? 'anthropic';
  const reqOpts = options.defaultMaxTokens === undefined ? {} : { defaultMaxTokens: options.defaultMaxTokens };

  function call(ctx: CallContext, body: unknown): UpstreamCall {
    const base = (ctx.credentials.api_base ?? options.api_base ?? ANTHROPIC_DEFAULT_BASE).replace(/\/+$/, '');
    const key = ctx.credentials.api_key ?? options.api_key;
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
    for (const h of PASSED_HEADERS) {
      const v = ctx.headers?.[h];
      if (v) headers[h] = v;
    }
    if (key) headers['x-api-key'] = key;
    return { provider: id, ctx, url: `${base}/v1/messages`, headers, body };
  }

  /** An `error` event's UpstreamError, through upstreamError: scrubbed, and generic from a caller's api_base. */
  const streamFailure = (c: UpstreamCall): StreamFailure => (status, message, type) =>
    upstreamError(c, status, message, { type, generic: STREAM_ERROR });

  const translate = (req: ChatRequest, ctx: CallContext) => {
    rejectUnsupported(req, ANTHROPIC_UNSUPPORTED, id, ctx.model);
    rejectOutOfRange(req.temperature, 'temperature', [0, 1], id, ctx.model);
    return toAnthropicRequest(req, ctx.model, reqOpts);
  };

  const messages: NativeEndpoint = {
    async complete(body, ctx) {
      const c = call(ctx, { ...body, model: ctx.model });
      return readJson(c, await postJson(c));
    },
    async *stream(body, ctx) {
      const c = call(ctx, { ...body, model: ctx.model, stream: true });
      const res = await postJson(c);
      const fail = streamFailure(c);
      for await (const ev of upstreamEvents(c, res)) {
        const data = eventJson(c, ev);
        throwIfAnthropicError(data, fail);
        yield data;
        if (ev.event === 'message_stop') return;
      }
      throw upstreamError(c, 502, `${id} ended the stream before message_stop`);
    },
  };

  return {
    id,
    native: { messages },

    async complete(req: ChatRequest, ctx: CallContext): Promise<ChatResponse> {
      const c = call(ctx, translate(req, ctx));
      const json = await readJson(c, await postJson(c));
      const out = fromAnthropicResponse(json, unixNow());
      if (!out) throw upstreamError(c, 502, 'upstream sent an unexpected Messages response');
      return out;
    },

    async *stream(req: ChatRequest, ctx: CallContext): AsyncGenerator<ChatChunk, void, undefined> {
      const c = call(ctx, { ...translate(req, ctx), stream: true });
      const res = await postJson(c);
      const state = createAnthropicStreamState({ model: ctx.model, fail: streamFailure(c), created: unixNow() });
      for await (const ev of upstreamEvents(c, res)) {
        const data = eventJson(c, ev);
        const out = fromAnthropicEvent(state, data);
        if (out) yield out;
        if (ev.event === 'message_stop') return;
      }
      throw upstreamError(c, 502, `${id} ended the stream before message_stop`);
    },
  };
}
