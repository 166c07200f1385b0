/**
 * The OpenAI wire protocol, shared by OpenAI, every OpenAI-compatible server
 * and Azure. Only the URL and the auth header differ between them, so those
 * are the two hooks; everything else (extras pass-through, usage in streams,
 * error mapping) lives here once.
 */
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../../schemas/openai.ts';
import {
  eventJson,
  postForJson,
  postJson,
  readJson,
  STREAM_ERROR,
  statusFromCode,
  upstreamError,
  nextEvents,
  upstreamEvents,
  upstreamSse,
  type UpstreamCall,
  parseErrorBody,
} from '../shared/http.ts';
import { flatten } from '../shared/batches.ts';
import { isRecord } from '../shared/json.ts';
import type { SseEvent } from '../shared/sse.ts';
import type { CallContext, NativeEndpoint, ProviderAdapter, StreamedChunk } from '../types.ts';
import { ChunkTemplates } from './chunk-template.ts';
import { isChatChunk, isChatResponse, isEmbeddingResponse } from './guards.ts';

export type Endpoint = 'chat/completions' | 'embeddings' | 'responses';

export interface OpenAICompatSpec {
  id: string;
  /** Full URL for an endpoint; may throw UpstreamError when config is missing. */
  url(endpoint: Endpoint, ctx: CallContext): string;
  /** Auth (and any fixed) headers for this call. */
  headers(ctx: CallContext): Record<string, string>;
  /**
   * Send `stream_options.include_usage` so the last chunk carries usage
   * (cached and reasoning tokens included). Default true; a server that
   * rejects the field can turn it off.
   */
  streamUsage?: boolean;
  /** The server answers the Responses API itself (`{base}/responses`). Default false. */
  responses?: boolean;
}

export function createOpenAICompatibleAdapter(spec: OpenAICompatSpec): ProviderAdapter {
  const streamUsage = spec.streamUsage ?? true;

  function call(endpoint: Endpoint, ctx: CallContext, body: unknown): UpstreamCall {
    // spec.url may throw an UpstreamError for missing config (Azure without api_base);
    // it is called inside the async methods, so it rejects like any upstream failure.
    return { provider: spec.id, ctx, url: spec.url(endpoint, ctx), headers: spec.headers(ctx), body };
  }

  const responses: NativeEndpoint = {
    async complete(body, ctx) {
      const c = call('responses', ctx, { ...body, model: ctx.model });
      return readJson(c, await postJson(c));
    },
    async *stream(body, ctx) {
      const c = call('responses', ctx, { ...body, model: ctx.model, stream: true });
      const res = await postJson(c);
      for await (const ev of upstreamEvents(c, res)) {
        if (ev.data === '[DONE]') return;
        const json = eventJson(c, ev);
        // A failure reported inside the 200 stream: `error` (flat or nested) or a failed response.
        if (isRecord(json) && (json.type === 'error' || json.type === 'response.failed')) {
          const f = parseErrorBody(json.type === 'error' ? json : json.response);
          throw upstreamError(c, statusFromCode(json.code ?? json.status, 500), f.message ?? STREAM_ERROR, { ...f, generic: STREAM_ERROR });
        }
        yield json;
      }
    },
  };

  async function* streamBatches(req: ChatRequest, ctx: CallContext): AsyncGenerator<StreamedChunk[], void, undefined> {
    const body: ChatRequest = { ...req, model: ctx.model, stream: true };
    if (streamUsage) body.stream_options = { ...req.stream_options, include_usage: true };
    const c = call('chat/completions', ctx, body);
    const res = await postJson(c);
    const reader = await upstreamSse(c, res);
    const reading = new ChunkReading(c);
    try {
      for (let events = await nextEvents(c, reader); events !== null; events = await nextEvents(c, reader)) {
        const out = reading.batch(events);
        // The chunks before a failure in the same read still reach the client, as they would one by one.
        if (out.length > 0) yield out;
        if (reading.failure !== null) throw reading.failure;
        if (reading.done) return;
      }
    } finally {
      reader.close();
    }
    // Servers that send no [DONE] still send a finish_reason; with neither, the stream was cut.
    if (!reading.finished) throw upstreamError(c, 502, `${spec.id} ended the stream before its last chunk (no finish_reason, no [DONE])`);
  }

  return {
    id: spec.id,
    ...(spec.responses ? { native: { responses } } : {}),

    async complete(req: ChatRequest, ctx: CallContext): Promise<ChatResponse> {
      const c = call('chat/completions', ctx, plainBody(req, ctx.model));
      const json = await postForJson(c, true);
      if (!isChatResponse(json)) throw upstreamError(c, 502, 'upstream sent an unexpected chat completion shape');
      return json;
    },

    stream: (req, ctx) => flatten(streamBatches(req, ctx), (s) => s.chunk),
    streamBatches,

    async embed(req: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse> {
      const c = call('embeddings', ctx, { ...req, model: ctx.model });
      const json = await readJson(c, await postJson(c));
      if (!isEmbeddingResponse(json)) throw upstreamError(c, 502, 'upstream sent an unexpected embeddings shape');
      return json;
    },
  };
}

/** One chat stream's events turned into chunks, a read's batch at a time. */
class ChunkReading {
  finished = false;
  /** The stream is over: [DONE] came. */
  done = false;
  /** What ended the batch early: an event that is not a chunk, or a failure the server reported. */
  failure: unknown = null;
  private readonly templates = new ChunkTemplates();

  constructor(private readonly c: UpstreamCall) {}

  batch(events: SseEvent[]): StreamedChunk[] {
    const out: StreamedChunk[] = [];
    for (const ev of events) {
      const data = ev.data;
      if (data === '[DONE]') {
        this.done = true;
        break;
      }
      try {
        // Data on several lines cannot be written back as one `data:` line.
        if (data.includes('\n')) {
          out.push({ chunk: chunkOf(this.c, ev) });
          continue;
        }
        let chunk = this.templates.match(data);
        if (!chunk) {
          chunk = chunkOf(this.c, ev);
          this.templates.learn(data, chunk);
        }
        if (!this.finished) this.finished = hasFinish(chunk);
        out.push({ chunk, raw: data });
      } catch (err) {
        this.failure = err;
        break;
      }
    }
    return out;
  }
}

function hasFinish(chunk: ChatChunk): boolean {
  for (const ch of chunk.choices) if (ch.finish_reason) return true;
  return false;
}

/** One chat chunk of an OpenAI stream, checked; a failure the server reports inside the 200 stream is thrown. */
function chunkOf(c: UpstreamCall, ev: SseEvent): ChatChunk {
  const json = eventJson(c, ev);
  // Some servers (OpenRouter, vLLM) report failures inside a 200 stream.
  if (isRecord(json) && json.error !== undefined && json.error !== null) {
    const code = isRecord(json.error) ? json.error.code : undefined;
    const f = parseErrorBody(json);
    throw upstreamError(c, statusFromCode(code, 500), f.message ?? STREAM_ERROR, { ...f, generic: STREAM_ERROR });
  }
  if (!isChatChunk(json)) throw upstreamError(c, 502, 'upstream sent an unexpected chunk shape');
  return json;
}

/**
 * The request as sent without streaming: provider extras (reasoning_effort, ...) kept, `stream` and
 * `stream_options` dropped, the model the upstream's. The request itself when it already is that
 * (the chat API hands over its own copy with the model set): no second copy per call.
 */
function plainBody(req: ChatRequest, model: string): ChatRequest {
  if (req.stream === undefined && req.stream_options === undefined && req.model === model) return req;
  const { stream: _s, stream_options: _o, ...rest } = req;
  return { ...rest, model };
}

/** Joins a base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string): string {
  return base.endsWith('/') ? base + path : `${base}/${path}`;
}
