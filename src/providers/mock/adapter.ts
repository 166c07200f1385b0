/**
 * The built-in `mock` provider: deterministic, fast (no timers unless a delay
 * is configured, nothing allocated beyond the answer), with failure modes
 * selected by model name (see models.ts). Used by tests, demos and load tests.
 *
 * Timing: complete() waits `latency_ms`. stream() waits `ttft_ms` (default
 * `latency_ms`) before the first chunk, then paces one word-token per chunk
 * at `tokens_per_second` (0 = as fast as possible), scheduled from the start
 * time so timer jitter does not accumulate.
 */
import { abortableSleep } from '../../lib/sleep.ts';
import { UpstreamError } from '../../errors.ts';
import type {
  ChatChunk,
  ChatRequest,
  ChatResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  ToolCall,
  Usage,
} from '../../schemas/openai.ts';
import { redact } from '../shared/http.ts';
import type { CallContext, ProviderAdapter } from '../types.ts';
import {
  countTokens,
  embeddingVector,
  jsonAnswer,
  promptTokens,
  replyText,
  sampleObject,
  toolToCall,
  wordChunks,
} from './generate.ts';
import { seededRandom } from '../../lib/random.ts';
import { MOCK_FAILURES, mockBehaviour } from './models.ts';

export interface MockOptions {
  id?: string;
  latency_ms?: number;
  ttft_ms?: number;
  tokens_per_second?: number;
  /** Probability (0..1) that a call fails with `error_status`. */
  error_rate?: number;
  error_status?: number;
  /** Delay of `mock/slow`. */
  slow_ms?: number;
  embedding_dimensions?: number;
  /** RNG behind error_rate; default is seeded (seed 42) so runs repeat. */
  random?: () => number;
  /** Seconds since epoch for `created`; injectable for snapshot tests. */
  now?: () => number;
}

const FAIL_ONCE_MEMORY = 10_000;

export function createMockAdapter(options: MockOptions = {}): ProviderAdapter {
  const id = options.id ?? 'mock';
  const latency = options.latency_ms ?? 0;
  const ttft = options.ttft_ms ?? latency;
  const tps = options.tokens_per_second ?? 0;
  const errorRate = options.error_rate ?? 0;
  const errorStatus = options.error_status ?? 500;
  const slowMs = options.slow_ms ?? 2000;
  const dims = options.embedding_dimensions ?? 256;
  const random = options.random ?? seededRandom(42);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  // Per adapter instance, never module-level: each registry/test has its own memory.
  const failedOnce = new Set<string>();
  let seq = 0;

  function fail(ctx: CallContext, status: number, retryAfterMs?: number): UpstreamError {
    return new UpstreamError({
      provider: id,
      model: ctx.model,
      status,
      message: redact(`mock: simulated ${status === 0 ? 'connection failure' : `HTTP ${status}`}`),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      callerCredentials: ctx.callerCredentials,
    });
  }

  /** Applies the model's failure/delay behaviour before any output is produced. */
  async function before(req: ChatRequest, ctx: CallContext, delay: number): Promise<void> {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const behaviour = mockBehaviour(ctx.model);
    const fixed = MOCK_FAILURES[behaviour];
    if (fixed) throw fail(ctx, fixed.status, fixed.retryAfterMs);
    if (behaviour === 'fail-once') {
      const key = `${ctx.model}\0${JSON.stringify(req.messages)}`;
      if (!failedOnce.has(key)) {
        if (failedOnce.size >= FAIL_ONCE_MEMORY) failedOnce.clear();
        failedOnce.add(key);
        throw fail(ctx, 503);
      }
    }
    if (errorRate > 0 && random() < errorRate) throw fail(ctx, errorStatus);
    if (behaviour === 'timeout') await never(ctx.signal);
    const wait = behaviour === 'slow' ? slowMs : delay;
    if (wait > 0) await abortableSleep(wait, ctx.signal);
  }

  function answer(req: ChatRequest, ctx: CallContext): { content: string | null; toolCalls: ToolCall[]; usage: Usage } {
    const tool = toolToCall(req);
    const toolCalls: ToolCall[] = [];
    let content: string | null;
    let completion: number;
    if (tool) {
      const args = JSON.stringify(sampleObject(tool.function.parameters, false));
      toolCalls.push({ id: `call_mock_${seq}`, type: 'function', function: { name: tool.function.name, arguments: args } });
      content = null;
      completion = countTokens(tool.function.name) + countTokens(args);
    } else {
      const text = replyText(req, mockBehaviour(ctx.model) === 'echo');
      content = jsonAnswer(req, text) ?? text;
      completion = countTokens(content);
    }
    const prompt = promptTokens(req.messages);
    return { content, toolCalls, usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } };
  }

  return {
    id,

    async complete(req: ChatRequest, ctx: CallContext): Promise<ChatResponse> {
      await before(req, ctx, latency);
      seq++;
      const a = answer(req, ctx);
      const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: a.content };
      if (a.toolCalls.length > 0) message.tool_calls = a.toolCalls;
      return {
        id: `chatcmpl-mock-${seq}`,
        object: 'chat.completion',
        created: now(),
        model: ctx.model,
        choices: [{ index: 0, message, finish_reason: a.toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
        usage: a.usage,
      };
    },

    async *stream(req: ChatRequest, ctx: CallContext): AsyncGenerator<ChatChunk, void, undefined> {
      const start = tps > 0 ? performance.now() : 0;
      await before(req, ctx, ttft);
      seq++;
      const a = answer(req, ctx);
      const chunkId = `chatcmpl-mock-${seq}`;
      const created = now();
      const breaks = mockBehaviour(ctx.model) === 'stream-break';
      const make = (delta: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason']): ChatChunk => ({
        id: chunkId,
        object: 'chat.completion.chunk',
        created,
        model: ctx.model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
      const pieces: ChatChunk['choices'][number]['delta'][] = [];
      if (a.toolCalls.length > 0) {
        const tc = a.toolCalls[0] as ToolCall;
        pieces.push({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: '' } }] });
        pieces.push({ tool_calls: [{ index: 0, function: { arguments: tc.function.arguments } }] });
      } else {
        const words = wordChunks(a.content ?? '');
        if (words.length === 0) words.push('');
        for (let i = 0; i < words.length; i++) pieces.push(i === 0 ? { role: 'assistant', content: words[i] } : { content: words[i] });
      }
      const gap = tps > 0 ? 1000 / tps : 0;
      for (let i = 0; i < pieces.length; i++) {
        if (breaks && i === 2) throw fail(ctx, 0);
        if (gap > 0 && i > 0) {
          const due = start + ttft + i * gap - performance.now();
          if (due > 0) await abortableSleep(due, ctx.signal);
        }
        if (ctx.signal.aborted) throw ctx.signal.reason;
        yield make(pieces[i] as ChatChunk['choices'][number]['delta'], null);
      }
      yield make({}, a.toolCalls.length > 0 ? 'tool_calls' : 'stop');
      const last = make({}, null);
      last.choices = [];
      last.usage = a.usage;
      yield last;
    },

    async embed(req: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse> {
      await before({ model: req.model, messages: [] }, ctx, latency);
      const input = req.input;
      const inputs =
        typeof input === 'string'
          ? [input]
          : input.length > 0 && typeof input[0] === 'number'
            ? [input.join(' ')] // one token-id input
            : input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
      const d = req.dimensions ?? dims;
      let tokens = 0;
      const data = inputs.map((text, index) => {
        tokens += countTokens(text);
        const v = embeddingVector(text, d);
        const embedding = req.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
        return { object: 'embedding' as const, index, embedding };
      });
      return { object: 'list', data, model: ctx.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
    },
  };
}

function never(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
