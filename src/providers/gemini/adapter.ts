/**
 * Gemini API: `{base}/v1beta/models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse` (each SSE event is a partial response; the
 * stream just ends, there is no [DONE]) and `:batchEmbedContents`, with the
 * key in `x-goog-api-key` (never in the URL, where it would leak into logs).
 */
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../../schemas/openai.ts';
import {
  eventJson,
  parseErrorBody,
  postJson,
  readJson,
  STREAM_ERROR,
  statusFromCode,
  upstreamError,
  upstreamEvents,
  type UpstreamCall,
} from '../shared/http.ts';
import { arr, isRecord, rec, unixNow } from '../shared/json.ts';
import type { CallContext, ProviderAdapter } from '../types.ts';
import { rejectUnsupported } from '../shared/unsupported.ts';
import { toGeminiRequest } from './request.ts';

const GEMINI_UNSUPPORTED = ['logit_bias', 'logprobs', 'top_logprobs'];
import { createGeminiStreamState, finishGeminiStream, fromGeminiEvent, fromGeminiResponse } from './response.ts';

export const GEMINI_DEFAULT_BASE = 'https://generativelanguage.googleapis.com';

export interface GeminiAdapterOptions {
  id?: string;
  api_base?: string;
  api_key?: string;
}

export function createGeminiAdapter(options: GeminiAdapterOptions = {}): ProviderAdapter {
  const id = options.id ?? 'gemini';

  function call(ctx: CallContext, method: string, body: unknown): UpstreamCall {
    const base = (ctx.credentials.api_base ?? options.api_base ?? GEMINI_DEFAULT_BASE).replace(/\/+$/, '');
    const model = modelPath(ctx.model);
    const key = ctx.credentials.api_key ?? options.api_key;
    const headers: Record<string, string> = key ? { 'x-goog-api-key': key } : {};
    return { provider: id, ctx, url: `${base}/v1beta/${model}:${method}`, headers, body };
  }

  return {
    id,

    async complete(req: ChatRequest, ctx: CallContext): Promise<ChatResponse> {
      rejectUnsupported(req, GEMINI_UNSUPPORTED, id, ctx.model);
      const c = call(ctx, 'generateContent', toGeminiRequest(req));
      const json = await readJson(c, await postJson(c));
      const out = fromGeminiResponse(json, ctx.model, unixNow());
      if (!out) throw upstreamError(c, 502, 'upstream sent an unexpected generateContent response');
      return out;
    },

    async *stream(req: ChatRequest, ctx: CallContext): AsyncGenerator<ChatChunk, void, undefined> {
      rejectUnsupported(req, GEMINI_UNSUPPORTED, id, ctx.model);
      const c = call(ctx, 'streamGenerateContent?alt=sse', toGeminiRequest(req));
      const res = await postJson(c);
      const state = createGeminiStreamState(ctx.model, unixNow());
      for await (const ev of upstreamEvents(c, res)) {
        const data = eventJson(c, ev);
        if (isRecord(data) && isRecord(data.error)) {
          const f = parseErrorBody(data);
          throw upstreamError(c, statusFromCode(data.error.code, 500), f.message ?? STREAM_ERROR, { ...f, generic: STREAM_ERROR });
        }
        const out = fromGeminiEvent(state, data);
        if (out) yield out;
      }
      const last = finishGeminiStream(state);
      if (last) yield last;
    },

    async embed(req: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse> {
      const inputs = embeddingInputs(req.input);
      const model = modelPath(ctx.model);
      const requests = inputs.map((text) => ({
        model,
        content: { parts: [{ text }] },
        ...(req.dimensions === undefined ? {} : { outputDimensionality: req.dimensions }),
      }));
      const c = call(ctx, 'batchEmbedContents', { requests });
      const json = await readJson(c, await postJson(c));
      if (!isRecord(json) || !Array.isArray(json.embeddings)) {
        throw upstreamError(c, 502, 'upstream sent an unexpected batchEmbedContents response');
      }
      const data = arr(json.embeddings).map((e, index) => ({
        object: 'embedding' as const,
        index,
        embedding: arr(rec(e).values).filter((v): v is number => typeof v === 'number'),
      }));
      // Gemini reports no token usage for embeddings; estimate at ~4 characters per token.
      const tokens = inputs.reduce((sum, t) => sum + Math.ceil(t.length / 4), 0);
      return { object: 'list', data, model: ctx.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
    },
  };
}

/**
 * The model's part of the URL path. The name comes from the request, so it is
 * encoded: `gemini/../../files?x=` must not reach another path of the API (or
 * a query) with the gateway's key.
 */
export function modelPath(model: string): string {
  const m = /^(models|tunedModels)\/(.*)$/s.exec(model);
  return m ? `${m[1]}/${encodeURIComponent(m[2] as string)}` : `models/${encodeURIComponent(model)}`;
}

/** Gemini embeds text only; token-id inputs cannot be sent and are rendered as text. */
function embeddingInputs(input: EmbeddingRequest['input']): string[] {
  if (typeof input === 'string') return [input];
  // A flat list of numbers is ONE token-id input, not many.
  if (input.length > 0 && typeof input[0] === 'number') return [input.join(' ')];
  return input.map((x) => (typeof x === 'string' ? x : Array.isArray(x) ? x.join(' ') : String(x)));
}
