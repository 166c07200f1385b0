/**
 * The built-in `mock` provider: deterministic, fast (no timers unless a delay
 * is configured, nothing allocated beyond the answer), with failure modes
 * selected by model name (see models.ts) and latency and failure profiles
 * (src/schemas/mock.ts) by provider, model or request. Used by tests, demos
 * and load tests.
 *
 * Timing: a stream waits its time to first token, then paces one word-token
 * per chunk at `tokens_per_second`, each chunk scheduled from the start so
 * timer lateness does not accumulate. A plain call waits as long as the
 * stream of the same answer would take. Token counts: prompt_tokens are the
 * prompt's words, completion_tokens the reply's (cut at max_tokens, with
 * finish_reason "length").
 */
import { abortableSleep } from '../../lib/sleep.ts';
import { UpstreamError } from '../../errors.ts';
import type { MockSettings } from '../../schemas/mock.ts';
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
  firstTokens,
  fitTokens,
  jsonAnswer,
  promptTokens,
  replyText,
  sampleObject,
  toolToCall,
  wordChunks,
} from './generate.ts';
import { type Random, seededRandom } from '../../lib/random.ts';
import { MOCK_FAILURES, type MockBehaviour, mockBehaviour } from './models.ts';
import { InvalidProfile, type Profile, Profiles, injectedFailure, sampleGap, sampleTtft } from './profile.ts';

/** The provider's default profile and per-model profiles (MockSettings), plus knobs for tests. */
export interface MockOptions extends MockSettings {
  id?: string;
  /** Delay of `mock/slow`. */
  slow_ms?: number;
  embedding_dimensions?: number;
  /** RNG behind the profiles' draws; default is seeded (seed 42) so runs repeat. */
  random?: Random;
  /** Seconds since epoch for `created`; injectable for snapshot tests. */
  now?: () => number;
}

type Finish = 'stop' | 'length' | 'tool_calls';

interface Answer {
  content: string | null;
  toolCalls: ToolCall[];
  usage: Usage;
  finish: Finish;
}

const FAIL_ONCE_MEMORY = 10_000;

/** Embedding values (inputs x dimensions) one mock call answers at most: about 20 MB of JSON. */
const MAX_EMBEDDING_VALUES = 1_048_576;

/** Throws InvalidProfile when a configured profile is inconsistent. */
export function createMockAdapter(options: MockOptions = {}): ProviderAdapter {
  const { id: givenId, slow_ms, embedding_dimensions, random: givenRandom, now: givenNow, ...settings } = options;
  const id = givenId ?? 'mock';
  const profiles = new Profiles(settings);
  const slowMs = slow_ms ?? 2000;
  const dims = embedding_dimensions ?? 256;
  const random = givenRandom ?? seededRandom(42);
  const now = givenNow ?? (() => Math.floor(Date.now() / 1000));
  // Per adapter instance, never module-level: each registry/test has its own memory.
  const failedOnce = new Set<string>();
  let seq = 0;

  function fail(ctx: CallContext, status: number, retryAfterMs?: number, message?: string): UpstreamError {
    return new UpstreamError({
      provider: id,
      model: ctx.model,
      status,
      message: redact(message ?? `mock: simulated ${status === 0 ? 'connection failure' : `HTTP ${status}`}`),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      callerCredentials: ctx.callerCredentials,
    });
  }

  /** The call's profile; `body` is the request, whose `mock_profile` field may override it. */
  function profileOf(body: ChatRequest | EmbeddingRequest, ctx: CallContext): Profile {
    try {
      return profiles.forCall(ctx.model, (body as { mock_profile?: unknown }).mock_profile);
    } catch (err) {
      if (err instanceof InvalidProfile) throw fail(ctx, 400, undefined, `mock: invalid ${err.message}`);
      throw err;
    }
  }

  /** Fails the call, before any output, when its model or its profile says so. */
  function gate(input: unknown, ctx: CallContext, behaviour: MockBehaviour, p: Profile): void {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const fixed = MOCK_FAILURES[behaviour];
    if (fixed) throw fail(ctx, fixed.status, fixed.retryAfterMs);
    if (behaviour === 'fail-once') {
      // A hash, not the prompt: 10,000 remembered megabyte prompts would be gigabytes.
      const key = `${ctx.model}\0${Bun.hash(JSON.stringify(input)).toString(36)}`;
      if (!failedOnce.has(key)) {
        if (failedOnce.size >= FAIL_ONCE_MEMORY) failedOnce.clear();
        failedOnce.add(key);
        throw fail(ctx, 503);
      }
    }
    const injected = injectedFailure(p, random);
    if (injected) throw fail(ctx, injected.status, injected.retryAfterMs);
  }

  async function wait(ctx: CallContext, behaviour: MockBehaviour, ms: number): Promise<void> {
    if (behaviour === 'timeout') await never(ctx.signal);
    const delay = behaviour === 'slow' ? slowMs : ms;
    if (delay > 0) await abortableSleep(delay, ctx.signal);
  }

  function answer(req: ChatRequest, behaviour: MockBehaviour, p: Profile): Answer {
    const tool = toolToCall(req);
    const toolCalls: ToolCall[] = [];
    let content: string | null;
    let completion: number;
    let finish: Finish = 'stop';
    if (tool) {
      const args = JSON.stringify(sampleObject(tool.function.parameters, false));
      toolCalls.push({ id: `call_mock_${seq}`, type: 'function', function: { name: tool.function.name, arguments: args } });
      content = null;
      completion = countTokens(tool.function.name) + countTokens(args);
      finish = 'tool_calls';
    } else {
      const text = replyText(req, behaviour === 'echo');
      const json = jsonAnswer(req, text);
      // JSON answers stay whole: cut JSON would not parse.
      content = json ?? (p.outputTokens === undefined ? text : fitTokens(text, p.outputTokens));
      completion = countTokens(content);
      const limit = req.max_completion_tokens ?? req.max_tokens;
      if (json === undefined && limit !== undefined && completion > limit) {
        content = firstTokens(content, limit);
        completion = limit;
        finish = 'length';
      }
    }
    const prompt = promptTokens(req.messages);
    return { content, toolCalls, finish, usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } };
  }

  return {
    id,

    async complete(req: ChatRequest, ctx: CallContext): Promise<ChatResponse> {
      const p = profileOf(req, ctx);
      const behaviour = mockBehaviour(ctx.model);
      gate(req.messages, ctx, behaviour, p);
      const a = answer(req, behaviour, p);
      // As long as streaming the same answer would take.
      await wait(ctx, behaviour, sampleTtft(p, random) + Math.max(0, a.usage.completion_tokens - 1) * p.gapMs);
      seq++;
      const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: a.content };
      if (a.toolCalls.length > 0) message.tool_calls = a.toolCalls;
      return {
        id: `chatcmpl-mock-${seq}`,
        object: 'chat.completion',
        created: now(),
        model: ctx.model,
        choices: [{ index: 0, message, finish_reason: a.finish }],
        usage: a.usage,
      };
    },

    async *stream(req: ChatRequest, ctx: CallContext): AsyncGenerator<ChatChunk, void, undefined> {
      const start = performance.now();
      const p = profileOf(req, ctx);
      const behaviour = mockBehaviour(ctx.model);
      gate(req.messages, ctx, behaviour, p);
      const a = answer(req, behaviour, p);
      const ttft = sampleTtft(p, random);
      await wait(ctx, behaviour, ttft);
      seq++;
      const chunkId = `chatcmpl-mock-${seq}`;
      const created = now();
      const breaks = behaviour === 'stream-break';
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
      let due = start + ttft;
      for (let i = 0; i < pieces.length; i++) {
        if (breaks && i === 2) throw fail(ctx, 0);
        if (p.gapMs > 0 && i > 0) {
          due += sampleGap(p, random);
          const ahead = due - performance.now();
          if (ahead > 0) await abortableSleep(ahead, ctx.signal);
        }
        if (ctx.signal.aborted) throw ctx.signal.reason;
        yield make(pieces[i] as ChatChunk['choices'][number]['delta'], null);
      }
      yield make({}, a.finish);
      const last = make({}, null);
      last.choices = [];
      last.usage = a.usage;
      yield last;
    },

    async embed(req: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse> {
      const p = profileOf(req, ctx);
      const behaviour = mockBehaviour(ctx.model);
      gate(req.input, ctx, behaviour, p);
      await wait(ctx, behaviour, sampleTtft(p, random));
      const input = req.input;
      const inputs =
        typeof input === 'string'
          ? [input]
          : input.length > 0 && typeof input[0] === 'number'
            ? [input.join(' ')] // one token-id input
            : input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
      const d = req.dimensions ?? dims;
      // A real upstream's answer is cut at routing.max_upstream_body_mb; the mock's is built in
      // this process, so it refuses, before building it, one that would be hundreds of megabytes.
      if (inputs.length * d > MAX_EMBEDDING_VALUES) {
        throw fail(ctx, 400, undefined, `mock: ${inputs.length} inputs x ${d} dimensions is over the mock's ${MAX_EMBEDDING_VALUES.toLocaleString('en-US')} embedding values a call`);
      }
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
