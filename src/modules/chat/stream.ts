/**
 * Streamed completions as Server-Sent Events, in the client-facing API's own
 * events (api.ts): OpenAI chunks, Responses events or Messages events.
 *
 * Until the upstream's first chunk, failures are retried and fall back (the
 * engine waits for the first chunk inside each attempt). If that first chunk
 * (or the final failure) comes within `routing.keepalive_ms`, the client gets
 * a normal status: 200 and the stream, or the error's own status and body.
 * Otherwise the 200 goes out with `: keep-alive` comments while we wait, and
 * a later failure becomes an SSE error event. Every chunk is written as soon
 * as it arrives (no buffering: see toReadable in sse-body.ts); the chunks one upstream read
 * brought go out in one write. Keep-alive comments go out whenever the
 * upstream is silent for keepalive_ms.
 * The span is written in the pump's `finally`, which also runs when the
 * client disconnects (cancel aborts the upstream call, which ends the pump's
 * wait on it).
 *
 * We build the ReadableStream ourselves rather than yielding `sse()` from an
 * Elysia generator: SSE comments, the status decision above and the overhead
 * header need control of the response before its first byte.
 */
import { ClientClosedError, GatewayError, InternalError, UpstreamError } from '../../errors.ts';
import type { WireAssembler, WireEvent } from '../../providers/translate/wire.ts';
import type { CacheEntry } from '../../routing/cache.ts';
import { EngineFailure, type EngineResult } from '../../routing/engine.ts';
import type { ChatResponse } from '../../schemas/openai.ts';
import { CHAT_API, type ProxyApi } from './api.ts';
import type { Admission } from '../customers/gate.ts';
import type { Prepared } from './prepare.ts';
import { type ChatService, type ProxyInput, cachedAnswer } from './service.ts';
import { buildSpan, type CallFacts, requestBreakdown } from './span.ts';
import { NO_TOKENS, countsFromUsage } from './usage.ts';
import { Silence, type Sink, toReadable } from './sse-body.ts';

export interface StreamResult {
  stream: ReadableStream<Uint8Array>;
  headers: Record<string, string>;
}

/** A stream whose first batch of events has come. */
interface Opened {
  iterator: AsyncIterator<WireEvent[]>;
  first: IteratorResult<WireEvent[]>;
}

const KEEPALIVE = ': keep-alive\n\n';
const TIMER = Symbol('timer');

/** Resolves with the promise's value, or TIMER after `ms` (the promise keeps running). */
function within<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMER> {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const timer = new Promise<typeof TIMER>((resolve) => {
    handle = setTimeout(() => resolve(TIMER), ms);
  });
  return Promise.race([p, timer]).finally(() => clearTimeout(handle));
}

export async function streamCall(svc: ChatService, input: ProxyInput, api: ProxyApi): Promise<StreamResult> {
  const c = await svc.prepare(input, api);
  const keepaliveMs = svc.deps.config.routing.keepalive_ms;
  try {
    if (c.cacheKey) {
      const hit = await svc.answers.get(c.cacheKey);
      if (hit?.body.kind === api.name) return replay(svc, c, api, hit);
    }
    const admission = await svc.admit(c);
    const opening = svc.engine
      .run({ plan: c.plan, retry: c.retry, scope: c.scope }, async (adapter, ctx, attempt) => {
        const iterator = api.stream(adapter, c.upstream, svc.contextFor(c, ctx))[Symbol.asyncIterator]();
        const first = await iterator.next();
        // An empty stream is a failed attempt (retried, then the fallbacks), never an empty 200.
        if (first.done) {
          throw new UpstreamError({
            provider: attempt.provider,
            model: ctx.model,
            status: 502,
            message: `${attempt.provider} ended the stream without sending any chunk`,
            callerCredentials: ctx.callerCredentials,
          });
        }
        return { iterator, first };
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
    // Opened already: the pump starts on it, with no second wait (a timer and a race) on a settled promise.
    const opened = early === TIMER ? null : early;
    return {
      stream: toReadable(
        (sink) => pump(svc, c, api, opening, opened, admission, keepaliveMs, sink),
        () => c.abort(new ClientClosedError()),
      ),
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

async function pump(
  svc: ChatService,
  c: Prepared,
  api: ProxyApi,
  opening: Opening,
  early: Awaited<Opening> | null,
  admission: Admission | null,
  keepaliveMs: number,
  sink: Sink,
): Promise<void> {
  const asm = api.assembler(c.upstream);
  let result: EngineResult<Opened> | null = null;
  let failure: unknown = null;
  let ttft: number | null = null;
  let finished = false;
  let silence: Silence | null = null;
  const write = async (frame: string) => {
    const w = sink(frame);
    if (w) await w;
    // The client left (cancel aborts the call): stop here rather than read on.
    if (c.signal.aborted) throw c.signal.reason;
  };
  try {
    let opened = early;
    while (!opened) {
      const r = await within(opening, keepaliveMs);
      if (r === TIMER) await write(KEEPALIVE);
      else opened = r;
    }
    if (!opened.ok) {
      failure = opened.err;
      const err = opened.err instanceof EngineFailure ? opened.err.error : toGateway(opened.err);
      if (!(err instanceof ClientClosedError)) await sink(api.errorFrame(err, asm))?.catch(() => undefined);
      return;
    }
    result = opened.r;
    const { iterator } = result.value;
    let step: IteratorResult<WireEvent[]> = result.value.first;
    ttft = (svc.deps.clock() - c.t0) / 1000;
    // A comment is not held back by a full socket (a few bytes a keepalive_ms); a failed write shows at the next frame.
    silence = new Silence(keepaliveMs, svc.deps.clock, () => void sink(KEEPALIVE)?.catch(() => undefined));
    while (!step.done) {
      let frames = '';
      for (const ev of step.value) {
        asm.add(ev);
        const out = api.forClient(ev, c.upstream);
        if (out) frames += api.frame(out);
      }
      if (frames.length > 0) await write(frames);
      silence.wait();
      step = await iterator.next();
      silence.heard();
    }
    finished = true;
    // Only chat streams reach here with request_breakdown (prepare refuses it for the others).
    if (c.params.request_breakdown) await write(breakdownFrame(asm.answer().chat, await spanFacts(svc, c, asm, result, ttft, null, admission)));
    await sink(api.trailer);
  } catch (err) {
    failure = c.signal.aborted ? c.signal.reason : err;
    if (!(failure instanceof ClientClosedError)) await sink(api.errorFrame(toGateway(failure), asm))?.catch(() => undefined);
  } finally {
    silence?.stop();
    if (!finished && failure === null) failure = c.signal.aborted ? c.signal.reason : new ClientClosedError();
    await finish(svc, c, api, asm, result, ttft, finished ? null : failure, admission);
    c.done();
  }
}

function toGateway(err: unknown): GatewayError {
  if (err instanceof EngineFailure) return err.error;
  return err instanceof GatewayError ? err : new InternalError();
}

/** Chat's `request_breakdown`: a last chunk with no choices. */
function breakdownFrame(r: ChatResponse, f: CallFacts): string {
  return CHAT_API.frame({
    type: 'chunk',
    data: { id: r.id, object: 'chat.completion.chunk', created: r.created, model: r.model, choices: [], request_breakdown: requestBreakdown(f) },
  });
}

async function spanFacts(
  svc: ChatService,
  c: Prepared,
  asm: WireAssembler,
  r: EngineResult<Opened>,
  ttft: number | null,
  failure: unknown,
  admission: Admission | null,
) {
  const response = asm.answer().chat;
  const info = r.attempt.info;
  const tokens = asm.events > 0 ? await svc.tokensOf(c, response, info) : NO_TOKENS;
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
  api: ProxyApi,
  asm: WireAssembler,
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
      svc.answers.set(
        c.cacheKey,
        { body: cachedAnswer(api, asm.answer()), model: r.attempt.model, provider: r.attempt.provider, storedAt: svc.deps.now() },
        c.cacheTtlMs,
      );
    }
  } catch (err) {
    svc.deps.log.error('stream span not recorded', { error: String(err) });
  }
}

/** A cache hit replayed as a stream. */
function replay(svc: ChatService, c: Prepared, api: ProxyApi, hit: CacheEntry): StreamResult {
  if (hit.body.kind === 'embedding') throw new InternalError();
  const { chat, body } = hit.body;
  const f = svc.hitFacts(c, hit, countsFromUsage(chat.usage) ?? NO_TOKENS, chat.choices[0]?.message ?? null);
  f.ttft = f.latency;
  if (!c.params.cache_options?.omit_log) svc.offer(buildSpan(f));
  let text = '';
  for (const ev of api.replay({ chat, body: body ?? chat }, c.upstream)) text += api.frame(ev);
  if (c.params.request_breakdown) text += breakdownFrame(chat, f);
  text += api.trailer;
  c.done();
  return {
    stream: new Response(text).body as ReadableStream<Uint8Array>,
    headers: { ...svc.headers(f.overhead * 1000, 'HIT'), ...SSE_HEADERS },
  };
}
