/** Anthropic Messages API: `POST {base}/v1/messages` with `x-api-key` and a pinned version. */
import type { ChatChunk, ChatRequest, ChatResponse } from '../../schemas/openai.ts';
import { eventJson, postJson, readJson, upstreamError, upstreamEvents, type UpstreamCall } from '../shared/http.ts';
import { unixNow } from '../shared/json.ts';
import type { CallContext, ProviderAdapter } from '../types.ts';
import { rejectOutOfRange, rejectUnsupported } from '../shared/unsupported.ts';
import { toAnthropicRequest } from './request.ts';

const ANTHROPIC_UNSUPPORTED = ['n', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'seed', 'logprobs', 'top_logprobs'];
import { fromAnthropicResponse } from './response.ts';
import { createAnthropicStreamState, fromAnthropicEvent } from './stream.ts';

export const ANTHROPIC_DEFAULT_BASE = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';

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
    if (key) headers['x-api-key'] = key;
    return { provider: id, ctx, url: `${base}/v1/messages`, headers, body };
  }

  const translate = (req: ChatRequest, ctx: CallContext) => {
    rejectUnsupported(req, ANTHROPIC_UNSUPPORTED, id, ctx.model);
    rejectOutOfRange(req.temperature, 'temperature', [0, 1], id, ctx.model);
    return toAnthropicRequest(req, ctx.model, reqOpts);
  };

  return {
    id,

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
      const state = createAnthropicStreamState({
        provider: id,
        model: ctx.model,
        callerCredentials: ctx.callerCredentials,
        secrets: Object.values(c.headers),
        created: unixNow(),
      });
      for await (const ev of upstreamEvents(c, res)) {
        const data = eventJson(c, ev);
        const out = fromAnthropicEvent(state, data);
        if (out) yield out;
        if (ev.event === 'message_stop') return;
      }
    },
  };
}
