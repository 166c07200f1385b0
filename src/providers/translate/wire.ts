/**
 * The client-facing wire shapes besides chat completions: the OpenAI
 * Responses API (responses/) and the Anthropic Messages API (messages/). Each
 * is served for every adapter: as is where the adapter speaks the shape
 * itself (`adapter.native`), else translated to chat for the adapter and the
 * answer translated back. All translation of a shape, both ways, lives in its
 * folder; the proxy pipeline sees only `ClientWire`.
 */
import { UpstreamError } from '../../errors.ts';
import type { ChatChunk, ChatRequest, ChatResponse, Usage } from '../../schemas/openai.ts';
import { chatBatches } from '../shared/batches.ts';
import { isRecord, type JsonRecord } from '../shared/json.ts';
import type { CallContext, NativeEndpoint, NativeShape, ProviderAdapter } from '../types.ts';

/** One event of a streamed answer; `type` is also its SSE `event:` name. */
export interface WireEvent {
  type: string;
  data: JsonRecord;
  /**
   * On a translated stream's last usage-bearing event: the provider's chat
   * usage, for the span, where the shape's own usage cannot carry all of it
   * (Messages has no reasoning tokens). Never sent to the client.
   */
  usage?: Usage;
  /** The upstream's own JSON text of `data`, while `data` is unchanged: written as is instead of serialized again. */
  raw?: string;
}

/** An answer in the client's shape, and the same answer as chat (for the span, tokens, cost). */
export interface WireAnswer {
  body: JsonRecord;
  chat: ChatResponse;
}

/** Rebuilds the answer from a stream's events as they pass (native or translated alike). */
export interface WireAssembler {
  add(ev: WireEvent): void;
  /** Events seen so far. */
  readonly events: number;
  /** The answer so far: complete after the last event, partial when the stream broke. */
  answer(): WireAnswer;
}

/** Who a translation refusal is about (the attempt's provider and model). */
export interface Attempt {
  provider: string;
  model: string;
}

export interface ErrorInfo {
  status: number;
  type: string;
  message: string;
  code: string | null;
  param: string | null;
}

export interface ClientWire {
  readonly shape: NativeShape;
  /**
   * The request as chat. With an attempt (a translating adapter is about to
   * get it), what has no chat equivalent throws a 400 naming the parameter;
   * without one (the span's input, token counts) it is skipped.
   */
  toChat(req: JsonRecord, attempt: Attempt | null): ChatRequest;
  complete(adapter: ProviderAdapter, req: JsonRecord, ctx: CallContext): Promise<WireAnswer>;
  /**
   * The events, as many at a time as the upstream's reads brought (never an
   * empty batch). Errors before the first event are thrown from the first
   * `next()` (routing can still retry).
   */
  stream(adapter: ProviderAdapter, req: JsonRecord, ctx: CallContext): AsyncIterable<WireEvent[]>;
  assembler(req: JsonRecord): WireAssembler;
  /** A cached answer as the events of a stream. */
  replay(answer: WireAnswer, req: JsonRecord): WireEvent[];
  /** The event that reports a failure inside a stream that has begun. */
  errorEvent(err: ErrorInfo, asm: WireAssembler): WireEvent;
}

/** A parameter the attempt's provider cannot be given in translation: a 400 (routing may fall back). */
function untranslatable(a: Attempt, param: string, why: string): UpstreamError {
  return new UpstreamError({
    provider: a.provider,
    model: a.model,
    status: 400,
    message: `'${param}' cannot be sent to ${a.provider} (${a.model}): ${why}`,
    code: 'unsupported_parameter',
    param,
  });
}

/** Reports a field translation cannot carry: throws for an attempt, does nothing for the span's view. */
export type Refuse = (param: string, why: string) => void;

/**
 * The refusal for one translation, after checking the request's top-level
 * fields: each must be translated or known not to matter (`known`).
 */
export function refuser(req: JsonRecord, known: ReadonlySet<string>, api: string, attempt: Attempt | null): Refuse {
  const refuse: Refuse = (param, why) => {
    if (attempt) throw untranslatable(attempt, param, why);
  };
  for (const k of Object.keys(req)) {
    if (!known.has(k) && req[k] !== undefined && req[k] !== null) refuse(k, `the ${api} API parameter has no chat completions equivalent`);
  }
  return refuse;
}

/** What a shape brings to `translatedCalls`. */
export interface Translation {
  /** Names the shape's answer in a 502 when a native provider sends something else. */
  what: string;
  native(adapter: ProviderAdapter): NativeEndpoint | undefined;
  toChat(req: JsonRecord, attempt: Attempt | null): ChatRequest;
  /** A native answer as chat; undefined when it is not this shape. */
  nativeChat(body: unknown): ChatResponse | undefined;
  fromChat(chat: ChatResponse, req: JsonRecord): JsonRecord;
  encoder(req: JsonRecord): { add(chunk: ChatChunk): WireEvent[]; end(): WireEvent[] };
}

/** A shape's calls: the adapter's native endpoint when it has one, else chat both ways. */
export function translatedCalls(t: Translation): Pick<ClientWire, 'complete' | 'stream' | 'replay'> {
  const attemptOf = (adapter: ProviderAdapter, ctx: CallContext): Attempt => ({ provider: adapter.id, model: ctx.model });
  function encode(enc: ReturnType<Translation['encoder']>, chunks: Iterable<ChatChunk>): WireEvent[] {
    const out: WireEvent[] = [];
    for (const c of chunks) out.push(...enc.add(c));
    out.push(...enc.end());
    return out;
  }
  return {
    async complete(adapter, req, ctx) {
      const native = t.native(adapter);
      if (native) {
        const body = await native.complete(req, ctx);
        const chat = t.nativeChat(body);
        if (!chat || !isRecord(body)) throw malformed(attemptOf(adapter, ctx), t.what);
        return { body, chat };
      }
      const chat = await adapter.complete({ ...t.toChat(req, attemptOf(adapter, ctx)), model: ctx.model }, ctx);
      return { body: t.fromChat(chat, req), chat };
    },
    async *stream(adapter, req, ctx) {
      const native = t.native(adapter);
      if (native) {
        for await (const data of native.stream(req, ctx)) {
          if (!isRecord(data) || typeof data.type !== 'string') throw malformed(attemptOf(adapter, ctx), `${t.what} stream event`);
          yield [{ type: data.type, data }];
        }
        return;
      }
      const enc = t.encoder(req);
      for await (const chunks of chatBatches(adapter, { ...t.toChat(req, attemptOf(adapter, ctx)), model: ctx.model, stream: true }, ctx)) {
        const out: WireEvent[] = [];
        for (const { chunk } of chunks) for (const ev of enc.add(chunk)) out.push(ev);
        if (out.length > 0) yield out;
      }
      const tail = enc.end();
      if (tail.length > 0) yield tail;
    },
    replay: (answer, req) => encode(t.encoder(req), chunksOf(answer.chat, true)),
  };
}

/** An upstream answer that is not the shape it should be: the provider's fault (502). */
export function malformed(a: Attempt, what: string): UpstreamError {
  return new UpstreamError({ provider: a.provider, model: a.model, status: 502, message: `upstream sent an unexpected ${what}` });
}

/** A random id with the shape's prefix (`resp_`, `msg_`, `fc_`, ...). */
export function wireId(prefix: string): string {
  return `${prefix}${crypto.randomUUID().replaceAll('-', '')}`;
}

/**
 * A whole completion as the chunks of a stream (role+content, tool calls,
 * finish, then usage if asked): how a cached answer is replayed in every shape.
 */
export function chunksOf(r: ChatResponse, includeUsage: boolean): ChatChunk[] {
  const base = { id: r.id, object: 'chat.completion.chunk' as const, created: r.created, model: r.model };
  const out: ChatChunk[] = [];
  for (const c of r.choices) {
    const m = c.message;
    const delta: ChatChunk['choices'][number]['delta'] = { role: 'assistant', content: m.content ?? '' };
    if (m.reasoning_content) delta.reasoning_content = m.reasoning_content;
    out.push({ ...base, choices: [{ index: c.index, delta, finish_reason: null }] });
    if (m.tool_calls?.length) {
      const tool_calls = m.tool_calls.map((tc, index) => ({
        index,
        id: tc.id,
        type: 'function' as const,
        function: { name: tc.function.name, arguments: tc.function.arguments },
      }));
      out.push({ ...base, choices: [{ index: c.index, delta: { tool_calls }, finish_reason: null }] });
    }
    out.push({ ...base, choices: [{ index: c.index, delta: {}, finish_reason: c.finish_reason ?? 'stop' }] });
  }
  if (includeUsage && r.usage) out.push({ ...base, choices: [], usage: r.usage });
  return out;
}
