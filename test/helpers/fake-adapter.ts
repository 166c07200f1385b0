/**
 * A small scriptable provider adapter for routing and proxy tests, until the
 * real adapters land: each model name has a queue of outcomes (the last one
 * repeats); it records every call with the context it got.
 */
import { UpstreamError } from '../../src/errors.ts';
import type { CallContext, ProviderAdapter } from '../../src/providers/types.ts';
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../../src/schemas/openai.ts';

export type Outcome =
  | { ok: true; text?: string; usage?: ChatResponse['usage'] | null; toolCall?: { name: string; arguments: string } }
  | { ok: false; status: number; message?: string; retryAfterMs?: number }
  /** Never answers until aborted. */
  | { hang: true }
  /** Streams: chunks, then dies with status 0 (complete() succeeds). */
  | { breakAfter: number; text?: string };

export interface RecordedCall {
  kind: 'complete' | 'stream' | 'embed';
  model: string;
  req: ChatRequest | EmbeddingRequest;
  ctx: CallContext;
}

function lastUser(req: ChatRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i]!;
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      return m.content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : `[${p.type}]`)).join(' ');
    }
  }
  return '';
}

export function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export class FakeAdapter implements ProviderAdapter {
  readonly calls: RecordedCall[] = [];
  private readonly scripts = new Map<string, Outcome[]>();
  /** Per-chunk delay when streaming (ms). */
  chunkDelayMs = 0;
  /** Like the real adapters, report usage at the end of every stream; off = a server that reports none. */
  streamUsage = true;

  constructor(readonly id: string) {}

  script(model: string, ...outcomes: Outcome[]): this {
    this.scripts.set(model, outcomes);
    return this;
  }

  private next(model: string): Outcome {
    const q = this.scripts.get(model);
    if (!q || q.length === 0) return { ok: true };
    return (q.length > 1 ? q.shift() : q[0]) as Outcome;
  }

  private fail(o: { status: number; message?: string; retryAfterMs?: number }, ctx: CallContext): never {
    throw new UpstreamError({
      provider: this.id,
      model: ctx.model,
      status: o.status,
      message: o.message ?? `fake ${o.status}`,
      ...(o.retryAfterMs === undefined ? {} : { retryAfterMs: o.retryAfterMs }),
      callerCredentials: ctx.callerCredentials,
    });
  }

  private hang(ctx: CallContext): Promise<never> {
    return new Promise((_, reject) => {
      if (ctx.signal.aborted) reject(ctx.signal.reason);
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    });
  }

  /** The reply text: the last user message, prefixed by the model name. */
  private reply(req: ChatRequest, ctx: CallContext, o: Outcome): string {
    return 'text' in o && o.text !== undefined ? o.text : `${ctx.model}: ${lastUser(req)}`;
  }

  private usage(req: ChatRequest, text: string): NonNullable<ChatResponse['usage']> {
    const prompt = req.messages.reduce((n, m) => n + (typeof m.content === 'string' ? words(m.content) : 1), 0);
    const completion = words(text);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }

  async complete(req: ChatRequest, ctx: CallContext): Promise<ChatResponse> {
    this.calls.push({ kind: 'complete', model: ctx.model, req, ctx });
    const o = this.next(ctx.model);
    if ('hang' in o) return this.hang(ctx);
    if ('ok' in o && !o.ok) this.fail(o, ctx);
    const text = this.reply(req, ctx, o);
    const toolCall = 'ok' in o && o.ok ? o.toolCall : undefined;
    const usage = 'ok' in o && o.ok && o.usage !== undefined ? o.usage : this.usage(req, text);
    return {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 1_750_000_000,
      model: ctx.model,
      choices: [
        {
          index: 0,
          message: toolCall
            ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: toolCall }] }
            : { role: 'assistant', content: text },
          finish_reason: toolCall ? 'tool_calls' : 'stop',
        },
      ],
      ...(usage ? { usage } : {}),
    };
  }

  async *stream(req: ChatRequest, ctx: CallContext): AsyncIterable<ChatChunk> {
    this.calls.push({ kind: 'stream', model: ctx.model, req, ctx });
    const o = this.next(ctx.model);
    if ('hang' in o) await this.hang(ctx);
    if ('ok' in o && !o.ok) this.fail(o, ctx);
    const text = this.reply(req, ctx, o);
    const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk' as const, created: 1_750_000_000, model: ctx.model };
    const pieces = text.split(/(?<= )/);
    const toolCall = 'ok' in o && o.ok ? o.toolCall : undefined;
    yield { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
    if (toolCall) {
      yield {
        ...base,
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: toolCall.name, arguments: '' } }] }, finish_reason: null }],
      };
      yield { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: toolCall.arguments } }] }, finish_reason: null }] };
    } else {
      for (let i = 0; i < pieces.length; i++) {
        if ('breakAfter' in o && i >= o.breakAfter) {
          throw new UpstreamError({ provider: this.id, model: ctx.model, status: 0, message: 'stream broke' });
        }
        if (this.chunkDelayMs > 0) await Bun.sleep(this.chunkDelayMs);
        if (ctx.signal.aborted) throw ctx.signal.reason;
        yield { ...base, choices: [{ index: 0, delta: { content: pieces[i] }, finish_reason: null }] };
      }
    }
    yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: toolCall ? 'tool_calls' : 'stop' }] };
    const usage = 'ok' in o && o.ok && o.usage !== undefined ? o.usage : this.usage(req, text);
    if (usage && this.streamUsage) yield { ...base, choices: [], usage };
  }

  async embed(req: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse> {
    this.calls.push({ kind: 'embed', model: ctx.model, req, ctx });
    const o = this.next(ctx.model);
    if ('ok' in o && !o.ok) this.fail(o, ctx);
    const inputs = Array.isArray(req.input) ? req.input : [req.input];
    const tokens = inputs.reduce<number>((n, s) => n + (typeof s === 'string' ? words(s) : 1), 0);
    return {
      object: 'list',
      data: inputs.map((s, index) => ({ object: 'embedding', index, embedding: [String(s).length, 0.5, -0.5] })),
      model: ctx.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  }
}
