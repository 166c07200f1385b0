import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../src/errors.ts';
import { createMockAdapter, type MockOptions } from '../../src/providers/mock/adapter.ts';
import { countTokens, embeddingVector, sampleObject, wordChunks } from '../../src/providers/mock/generate.ts';
import { MOCK_MODELS, mockBehaviour } from '../../src/providers/mock/models.ts';
import type { CallContext } from '../../src/providers/types.ts';
import type { ChatChunk, ChatRequest } from '../../src/schemas/openai.ts';

const ctx = (model: string, signal = new AbortController().signal): CallContext => ({ model, credentials: {}, callerCredentials: false, signal, fetch });
const req = (content = 'Hello world', extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'mock/x', messages: [{ role: 'user', content }], ...extra });

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected failure');
}

async function collect(it: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

describe('mock generation helpers', () => {
  test('token counting is by whitespace-separated words', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('  one two\nthree\t ')).toBe(3);
  });

  test('word chunks concatenate back exactly', () => {
    for (const s of ['', 'a', ' lead and trail ', 'x  y\n\nz']) expect(wordChunks(s).join('')).toBe(s);
    expect(wordChunks('a b c')).toEqual(['a ', 'b ', 'c']);
  });

  test('schema sampling fills required fields by type', () => {
    const schema = {
      type: 'object',
      required: ['s', 'n', 'b', 'e', 'o', 'a', 'u'],
      properties: {
        s: { type: 'string' },
        n: { type: 'integer', minimum: 3 },
        b: { type: 'boolean' },
        e: { enum: ['x', 'y'] },
        o: { type: 'object', required: ['inner'], properties: { inner: { type: ['null', 'number'] } } },
        a: { type: 'array', minItems: 1, items: { type: 'string' } },
        u: { anyOf: [{ type: 'boolean' }, { type: 'string' }] },
        optional: { type: 'string' },
      },
    };
    expect(sampleObject(schema, false)).toEqual({ s: 'mock', n: 3, b: true, e: 'x', o: { inner: 1 }, a: ['mock'], u: true });
    expect(Object.keys(sampleObject(schema, true))).toContain('optional');
  });

  test('embedding vectors are deterministic and unit length', () => {
    const a = embeddingVector('hello', 64);
    expect(embeddingVector('hello', 64)).toEqual(a);
    expect(embeddingVector('hellp', 64)).not.toEqual(a);
    expect(Math.abs(a.reduce((s, x) => s + x * x, 0) - 1)).toBeLessThan(1e-9);
  });

  test('model names are discoverable and select behaviours with or without prefix', () => {
    expect(Object.keys(MOCK_MODELS)).toEqual(['echo', 'fail-once', 'always-500', 'rate-limit', 'bad-request', 'unauthorized', 'slow', 'stream-break', 'timeout']);
    expect(mockBehaviour('mock/echo')).toBe('echo');
    expect(mockBehaviour('fail-once')).toBe('fail-once');
    expect(mockBehaviour('gpt-4o')).toBe('default');
  });
});

describe('mock adapter', () => {
  test('deterministic reply, echo, token counts', async () => {
    const a = createMockAdapter({ now: () => 1 });
    const r1 = await a.complete(req('Hello world'), ctx('mock-model'));
    const r2 = await a.complete(req('Hello world'), ctx('mock-model'));
    expect(r1.choices[0]?.message.content).toBe('This is a mock response. You said: Hello world');
    expect(r2.choices).toEqual(r1.choices);
    expect(r1.usage).toEqual({ prompt_tokens: 2, completion_tokens: 9, total_tokens: 11 });
    const echo = await a.complete(req('just this'), ctx('echo'));
    expect(echo.choices[0]?.message.content).toBe('just this');
  });

  test('stream chunk count equals completion tokens; usage last', async () => {
    const chunks = await collect(createMockAdapter().stream(req('a b c'), ctx('mock-model')));
    const content = chunks.filter((c) => c.choices[0]?.delta.content !== undefined);
    const usage = chunks[chunks.length - 1]?.usage;
    expect(content.length).toBe(usage?.completion_tokens ?? -1);
    expect(content.map((c) => c.choices[0]?.delta.content).join('')).toBe('This is a mock response. You said: a b c');
  });

  test('tool call uses the named tool; after a tool result it answers in text', async () => {
    const tools: ChatRequest['tools'] = [
      { type: 'function', function: { name: 'first', parameters: { type: 'object', properties: {} } } },
      { type: 'function', function: { name: 'second', parameters: { type: 'object', required: ['q'], properties: { q: { type: 'string' } } } } },
    ];
    const a = createMockAdapter();
    const named = await a.complete(req('x', { tools, tool_choice: { type: 'function', function: { name: 'second' } } }), ctx('m'));
    expect(named.choices[0]?.message.tool_calls?.[0]?.function).toEqual({ name: 'second', arguments: '{"q":"mock"}' });
    const none = await a.complete(req('x', { tools, tool_choice: 'none' }), ctx('m'));
    expect(none.choices[0]?.message.tool_calls).toBeUndefined();
    const after = await a.complete(
      { model: 'm', tools, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'first', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c', content: 'done' }] },
      ctx('m'),
    );
    expect(after.choices[0]?.message.content).toBe('Tool result received: done');
  });

  test('JSON schema mode returns an object with every property', async () => {
    const res = await createMockAdapter().complete(
      req('x', { response_format: { type: 'json_schema', json_schema: { name: 'p', schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } } } } } }),
      ctx('m'),
    );
    expect(JSON.parse(res.choices[0]?.message.content ?? '')).toEqual({ name: 'mock', age: 1 });
  });

  test('fail-once fails the first call per distinct prompt only', async () => {
    const a = createMockAdapter();
    expect(((await failure(a.complete(req('p1'), ctx('mock/fail-once')))) as UpstreamError).upstreamStatus).toBe(503);
    expect((await a.complete(req('p1'), ctx('mock/fail-once'))).choices[0]?.message.content).toContain('p1');
    expect(((await failure(a.complete(req('p2'), ctx('mock/fail-once')))) as UpstreamError).upstreamStatus).toBe(503);
    // A new adapter has its own memory: no module-level state.
    expect(((await failure(createMockAdapter().complete(req('p1'), ctx('mock/fail-once')))) as UpstreamError).upstreamStatus).toBe(503);
  });

  test('fixed failures carry status, retry-after and caller-credentials flag', async () => {
    const a = createMockAdapter();
    const rl = (await failure(a.complete(req(), ctx('rate-limit')))) as UpstreamError;
    expect([rl.upstreamStatus, rl.retryAfterMs]).toEqual([429, 1000]);
    const unauth = (await failure(a.complete(req(), { ...ctx('unauthorized'), callerCredentials: true }))) as UpstreamError;
    expect([unauth.upstreamStatus, unauth.fallbackable]).toEqual([401, false]);
  });

  test('error_percent with an injected RNG, error_status', async () => {
    const seq = [0.05, 0.5];
    let i = 0;
    const opts: MockOptions = { error_percent: 10, error_status: 502, random: () => seq[i++ % seq.length] ?? 1 };
    const a = createMockAdapter(opts);
    expect(((await failure(a.complete(req(), ctx('m')))) as UpstreamError).upstreamStatus).toBe(502);
    expect((await a.complete(req(), ctx('m'))).choices.length).toBe(1);
  });

  test('default seeded RNG is repeatable across instances', async () => {
    const outcome = async () => {
      const a = createMockAdapter({ error_percent: 50 });
      const r: boolean[] = [];
      for (let k = 0; k < 20; k++) r.push(await a.complete(req(), ctx('m')).then(() => true, () => false));
      return r;
    };
    expect(await outcome()).toEqual(await outcome());
  });

  test('stream-break dies after 2 chunks with status 0', async () => {
    const got: ChatChunk[] = [];
    const err = await failure((async () => {
      for await (const c of createMockAdapter().stream(req(), ctx('mock/stream-break'))) got.push(c);
    })());
    expect(got.length).toBe(2);
    expect((err as UpstreamError).upstreamStatus).toBe(0);
  });

  test('timeout never answers until aborted, then rejects with the reason', async () => {
    const ac = new AbortController();
    const p = failure(createMockAdapter().complete(req(), ctx('mock/timeout', ac.signal)));
    await Bun.sleep(20);
    const reason = new Error('deadline');
    ac.abort(reason);
    expect(await p).toBe(reason);
  });

  test('slow waits slow_ms; ttft_ms delays complete', async () => {
    let t = performance.now();
    await createMockAdapter({ slow_ms: 60 }).complete(req(), ctx('mock/slow'));
    expect(performance.now() - t).toBeGreaterThanOrEqual(55);
    t = performance.now();
    await createMockAdapter({ ttft_ms: 40 }).complete(req(), ctx('m'));
    expect(performance.now() - t).toBeGreaterThanOrEqual(35);
  });

  test('streaming pacing: ttft then tokens_per_second', async () => {
    const a = createMockAdapter({ ttft_ms: 50, tokens_per_second: 100 });
    const t0 = performance.now();
    const times: number[] = [];
    for await (const c of a.stream(req('one two three four five'), ctx('m'))) if (c.choices[0]?.delta.content !== undefined) times.push(performance.now() - t0);
    expect(times[0]).toBeGreaterThanOrEqual(45);
    // 12 word-tokens, 10ms apart and scheduled from the start (so only jitter of the first shortens the span).
    expect(times.length).toBe(12);
    expect((times[times.length - 1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(100);
    expect(times[times.length - 1] ?? 0).toBeGreaterThanOrEqual(155);
  });

  test('no pacing configured: 1000 calls complete fast', async () => {
    const a = createMockAdapter();
    const r = req();
    const c = ctx('m');
    const t0 = performance.now();
    for (let k = 0; k < 1000; k++) await a.complete(r, c);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  test('embeddings: deterministic vectors, dimensions, base64', async () => {
    const a = createMockAdapter({ embedding_dimensions: 8 });
    const e1 = await a.embed?.({ model: 'm', input: ['a b', 'c'] }, ctx('m'));
    expect(e1?.data.length).toBe(2);
    expect((e1?.data[0]?.embedding as number[]).length).toBe(8);
    expect(e1?.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const e2 = await a.embed?.({ model: 'm', input: 'a b', dimensions: 4, encoding_format: 'base64' }, ctx('m'));
    const b64 = e2?.data[0]?.embedding;
    expect(typeof b64).toBe('string');
    expect(new Float32Array(Buffer.from(String(b64), 'base64').buffer.slice(0)).length).toBe(4);
  });
});
