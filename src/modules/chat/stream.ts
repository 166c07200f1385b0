/**
 * Streaming chat completions as Server-Sent Events in OpenAI's chunk format.
 *
 * Until the upstream's first chunk, failures are retried and fall back (the
 * engine waits for the first chunk inside each attempt). If that first chunk
 * (or the final failure) comes within `routing.keepalive_ms`, the client gets
 * a normal status: 200 and the stream, or the error's own status and body.
 * Otherwise the 200 goes out with `: keep-alive` comments while we wait, and
 * a later failure becomes an SSE error event. Every chunk is written as soon
 * as it arrives (no buffering: the ReadableStream has highWaterMark 0), with
 * keep-alive comments whenever the upstream is silent for keepalive_ms.
 * The span is written in the generator's `finally`, which also runs when the
 * client disconnects (cancel aborts the upstream call first).
 *
 * We build the ReadableStream ourselves rather than yielding `sse()` from an
 * Elysia generator: SSE comments, the status decision above and the overhead
 * header need control of the response before its first byte.
 */
import { ClientClosedError, GatewayError, InternalError } from '../../errors.ts';
import type { CacheEntry } from '../../routing/cache.ts';
import { EngineFailure, type EngineResult } from '../../routing/engine.ts';
import type { ChatChunk, ChatMessage, ChatRequest } from '../../schemas/openai.ts';
import type { Admission } from '../customers/gate.ts';
import type { Prepared } from './prepare.ts';
import type { ChatService, ProxyInput } from './service.ts';
import { buildSpan, requestBreakdown } from './span.ts';
import { NO_TOKENS, StreamAssembler, countsFromUsage, replayChunks } from './usage.ts';

export interface StreamResult {
  stream: ReadableStream<Uint8Array>;
  headers: Record<string, string>;
}

interface Opened {
  iterator: AsyncIterator<ChatChunk>;
  first: IteratorResult<ChatChunk>;
}

const KEEPALIVE = ': keep-alive\n\n';
const DONE = 'data: [DONE]\n\n';
const TIMER = Symbol('timer');

const frame = (v: unknown) => `data: ${JSON.stringify(v)}\n\n`;

function errorFrame(err: GatewayError): string {
  return frame({ error: { message: err.message, type: err.type, param: err.param, code: err.code ?? String(err.status) } });
}

/** Resolves with the promise's value, or TIMER after `ms` (the promise keeps running). */
function within<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMER> {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const timer = new Promise<typeof TIMER>((resolve) => {
    handle = setTimeout(() => resolve(TIMER), ms);
  });
  return Promise.race([p, timer]).finally(() => clearTimeout(handle));
}

function toReadable(gen: AsyncGenerator<string>, onCancel: () => void): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { value, done } = await gen.next();
          if (done) controller.close();
          else controller.enqueue(enc.encode(value));
        } catch (err) {
          controller.error(err);
        }
      },
      cancel() {
        onCancel();
        // Runs the generator's finally now if it is parked at a yield; else after its pending step settles.
        void gen.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

export async function streamChat(svc: ChatService, input: ProxyInput): Promise<StreamResult> {
  const c = await svc.prepare(input, 'chat');
  const keepaliveMs = svc.deps.config.routing.keepalive_ms;
  const includeUsage = (c.upstream.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  try {
    if (c.cacheKey) {
      const hit = await svc.cached(c.cacheKey);
      if (hit?.body.kind === 'chat') return replay(svc, c, hit, includeUsage);
    }
    const admission = await svc.admit(c, c.upstream.messages as ChatMessage[]);
    const opening = svc.engine
      .run({ plan: c.plan, retry: c.retry, signal: c.signal }, async (adapter, ctx) => {
        const iterator = adapter.stream({ ...c.upstream, model: ctx.model } as ChatRequest, ctx)[Symbol.asyncIterator]();
        return { iterator, first: await iterator.next() };
      })
      .then(
        (r) => ({ ok: true as const, r }),
        (err: unknown) => ({ ok: false as const, err }),
      );
    const early = await within(opening, keepaliveMs);
    if (early !== TIMER && !early.ok) {
      admission?.release();
      throw svc.logFailure(c, early.err, admission?.limitInfo ?? null);
    }
    const overheadSoFar = early === TIMER ? svc.overheadMs(c, 0, 0) : svc.overheadMs(c, early.r.upstreamMs, early.r.retryWaitMs);
    const gen = pump(svc, c, opening, admission, includeUsage, keepaliveMs);
    return {
      stream: toReadable(gen, () => c.abort(new ClientClosedError())),
      headers: { ...svc.headers(overheadSoFar, c.cacheKey ? 'MISS' : null), ...SSE_HEADERS },
    };
  } catch (err) {
    c.done();
    throw err;
  }
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
} as const;

type Opening = Promise<{ ok: true; r: EngineResult<Opened> } | { ok: false; err: unknown }>;

async function* pump(
  svc: ChatService,
  c: Prepared,
  opening: Opening,
  admission: Admission | null,
  includeUsage: boolean,
  keepaliveMs: number,
): AsyncGenerator<string> {
  const asm = new StreamAssembler();
  let result: EngineResult<Opened> | null = null;
  let failure: unknown = null;
  let ttft: number | null = null;
  let finished = false;
  try {
    let opened: Awaited<Opening> | typeof TIMER;
    while ((opened = await within(opening, keepaliveMs)) === TIMER) yield KEEPALIVE;
    if (!opened.ok) {
      failure = opened.err;
      const err = opened.err instanceof EngineFailure ? opened.err.error : toGateway(opened.err);
      if (!(err instanceof ClientClosedError)) yield errorFrame(err);
      return;
    }
    result = opened.r;
    const { iterator } = result.value;
    let step: IteratorResult<ChatChunk> = result.value.first;
    ttft = (svc.deps.clock() - c.t0) / 1000;
    while (!step.done) {
      const chunk = step.value;
      asm.add(chunk);
      const out = forClient(chunk, includeUsage);
      if (out) yield frame(out);
      let next: IteratorResult<ChatChunk> | typeof TIMER;
      const pending = iterator.next();
      while ((next = await within(pending, keepaliveMs)) === TIMER) yield KEEPALIVE;
      step = next;
    }
    finished = true;
    if (c.params.request_breakdown) {
      const f = await spanFacts(svc, c, asm, result, ttft, null, admission);
      yield frame({ id: asm.id, object: 'chat.completion.chunk', created: asm.created, model: asm.model, choices: [], request_breakdown: requestBreakdown(f) });
    }
    yield DONE;
  } catch (err) {
    failure = c.signal.aborted ? c.signal.reason : err;
    if (!(failure instanceof ClientClosedError)) yield errorFrame(toGateway(failure));
  } finally {
    // Cancelled while parked at a yield: no catch ran, but the stream did not finish.
    if (!finished && failure === null) failure = c.signal.aborted ? c.signal.reason : new ClientClosedError();
    await finish(svc, c, asm, result, ttft, finished ? null : failure, admission);
    c.done();
  }
}

function toGateway(err: unknown): GatewayError {
  if (err instanceof EngineFailure) return err.error;
  return err instanceof GatewayError ? err : new InternalError();
}

/** The chunk as the client should see it: usage only when it asked for it (we always ask upstream). */
function forClient(chunk: ChatChunk, includeUsage: boolean): ChatChunk | null {
  if (includeUsage || !chunk.usage) return chunk;
  if (chunk.choices.length === 0) return null;
  const { usage: _u, ...rest } = chunk;
  return rest as ChatChunk;
}

async function spanFacts(
  svc: ChatService,
  c: Prepared,
  asm: StreamAssembler,
  r: EngineResult<Opened>,
  ttft: number | null,
  failure: unknown,
  admission: Admission | null,
) {
  const response = asm.response();
  const info = r.attempt.info;
  const tokens = asm.chunks > 0 ? await svc.tokensOf(c, response, info) : NO_TOKENS;
  const warnings = [...r.warnings];
  const cost = svc.costOf(tokens, info, warnings);
  const err = failure === null ? null : toGateway(failure);
  return svc.facts(c, {
    model: r.attempt.model,
    provider: r.attempt.provider,
    tokens,
    cost,
    output: response.choices[0]?.message ?? null,
    attempts: r.attempts,
    warnings,
    ttft,
    statusCode: err ? err.status : 200,
    errorMessage: err ? err.message : '',
    limitInfo: admission?.limitInfo ?? null,
    overhead: svc.overheadMs(c, r.upstreamMs, r.retryWaitMs) / 1000,
  });
}

async function finish(
  svc: ChatService,
  c: Prepared,
  asm: StreamAssembler,
  r: EngineResult<Opened> | null,
  ttft: number | null,
  failure: unknown,
  admission: Admission | null,
): Promise<void> {
  try {
    if (!r) {
      admission?.release();
      svc.logFailure(c, failure, admission?.limitInfo ?? null);
      return;
    }
    // A stream cut short still cost what it produced; the upstream call is aborted.
    if (failure !== null) void r.value.iterator.return?.();
    const f = await spanFacts(svc, c, asm, r, ttft, failure, admission);
    admission?.settle(f.cost);
    svc.offer(buildSpan(f));
    if (failure === null && c.cacheKey) {
      svc.remember(
        c.cacheKey,
        { body: { kind: 'chat', response: asm.response() }, model: r.attempt.model, provider: r.attempt.provider, storedAt: svc.deps.now() },
        c.cacheTtlMs,
      );
    }
  } catch (err) {
    svc.deps.log.error('stream span not recorded', { error: String(err) });
  }
}

/** A cache hit replayed as a stream. */
function replay(svc: ChatService, c: Prepared, hit: CacheEntry, includeUsage: boolean): StreamResult {
  if (hit.body.kind !== 'chat') throw new InternalError();
  const response = hit.body.response;
  const f = svc.hitFacts(c, hit, countsFromUsage(response.usage) ?? NO_TOKENS, response.choices[0]?.message ?? null);
  f.ttft = f.latency;
  if (!c.params.cache_options?.omit_log) svc.offer(buildSpan(f));
  let text = '';
  for (const chunk of replayChunks(response, includeUsage)) text += frame(chunk);
  if (c.params.request_breakdown) {
    text += frame({ id: response.id, object: 'chat.completion.chunk', created: response.created, model: response.model, choices: [], request_breakdown: requestBreakdown(f) });
  }
  text += DONE;
  c.done();
  return {
    stream: new Response(text).body as ReadableStream<Uint8Array>,
    headers: { ...svc.headers(f.overhead * 1000, 'HIT'), ...SSE_HEADERS },
  };
}
