import { afterAll, describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../src/errors.ts';
import { startMockUpstream } from '../../src/providers/mock/server.ts';
import { createOpenAIAdapter } from '../../src/providers/openai/adapter.ts';
import type { CallContext } from '../../src/providers/types.ts';
import type { ChatChunk } from '../../src/schemas/openai.ts';

const up = startMockUpstream();
afterAll(() => up.stop());

const post = (path: string, body: unknown) => fetch(`${up.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ctx = (model: string, signal = new AbortController().signal): CallContext => ({ model, credentials: { api_base: up.url }, callerCredentials: false, signal, fetch });
const msgs = [{ role: 'user', content: 'Hi there' }];

describe('mock upstream server', () => {
  test('GET /v1/models lists the behaviours; unknown routes 404 in OpenAI error shape', async () => {
    const models = (await (await fetch(`${up.url}/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toContain('fail-once');
    const r = await fetch(`${up.url}/nope`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain('/v1/nope');
  });

  test('invalid body -> 400', async () => {
    const r = await post('/chat/completions', { messages: 'x' });
    expect(r.status).toBe(400);
  });

  test('usage chunk only with include_usage; [DONE] terminates', async () => {
    const without = await (await post('/chat/completions', { model: 'm', messages: msgs, stream: true })).text();
    expect(without).not.toContain('"usage"');
    expect(without.endsWith('data: [DONE]\n\n')).toBe(true);
    const withUsage = await (await post('/chat/completions', { model: 'm', messages: msgs, stream: true, stream_options: { include_usage: true } })).text();
    expect(withUsage).toContain('"choices":[],');
    expect(withUsage).toContain('"usage":{"prompt_tokens":2');
  });

  test('rate-limit answers 429 with Retry-After: 1', async () => {
    const r = await post('/chat/completions', { model: 'mock/rate-limit', messages: msgs });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(((await r.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
  });

  test('stream-break cuts the connection after 2 chunks: the client sees status 0', async () => {
    const got: ChatChunk[] = [];
    let err: unknown;
    try {
      for await (const c of createOpenAIAdapter({ id: 'up' }).stream({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }, ctx('mock/stream-break'))) got.push(c);
    } catch (e) {
      err = e;
    }
    expect(got.length).toBe(2);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).upstreamStatus).toBe(0);
  });

  test('timeout holds the request until the client aborts', async () => {
    const ac = new AbortController();
    const reason = new Error('gateway timeout');
    setTimeout(() => ac.abort(reason), 50);
    let err: unknown;
    try {
      await createOpenAIAdapter({ id: 'up' }).complete({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }, ctx('mock/timeout', ac.signal));
    } catch (e) {
      err = e;
    }
    expect(err).toBe(reason);
  });

  test('embeddings endpoint', async () => {
    const r = (await (await post('/embeddings', { model: 'e', input: ['a', 'b'] })).json()) as { data: unknown[] };
    expect(r.data.length).toBe(2);
  });

  test('`switchyard mock` runs it as its own process', async () => {
    const proc = Bun.spawn([process.execPath, 'src/main.ts', 'mock', '--port', '0', '--ttft-ms', '1'], { stdout: 'pipe', stderr: 'pipe' });
    try {
      const reader = proc.stdout.getReader();
      const { value } = await reader.read();
      const line = new TextDecoder().decode(value);
      const url = /http:\/\/\S+/.exec(line)?.[0];
      expect(url).toBeDefined();
      const r = await fetch(`${url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'mock/echo', messages: msgs }) });
      expect(((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe('Hi there');
    } finally {
      proc.kill();
      await proc.exited;
    }
  });
});
