import { afterAll, describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../src/errors.ts';
import { createAzureAdapter } from '../../src/providers/azure/adapter.ts';
import { createOpenAIAdapter } from '../../src/providers/openai/adapter.ts';
import { OPENAI_COMPATIBLE_PRESETS } from '../../src/providers/openai/presets.ts';
import type { ChatRequest } from '../../src/schemas/openai.ts';
import type { CallContext } from '../../src/providers/types.ts';
import { API_KEY, rec } from './fakes/common.ts';
import { startAzureFake, startOpenAIFake } from './fakes/openai.ts';

const oai = startOpenAIFake();
const az = startAzureFake();
afterAll(() => Promise.all([oai.stop(), az.stop()]));

const ctx = (model: string, credentials: CallContext['credentials']): CallContext => ({ model, credentials, callerCredentials: false, signal: new AbortController().signal, fetch });
const req = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'openai/gpt-fake', messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('openai adapter', () => {
  test('streams with include_usage forced on, extras passed through, model from ctx, Bearer auth', async () => {
    const a = createOpenAIAdapter({ id: 'openai' });
    const r = { ...req({ stream_options: { include_usage: false } }), reasoning_effort: 'high', metadata: { a: 1 } };
    for await (const _ of a.stream(r, ctx('gpt-fake', { api_key: API_KEY, api_base: `${oai.url}/v1` }))) void _;
    const sent = oai.last();
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.get('authorization')).toBe(`Bearer ${API_KEY}`);
    expect(sent.body).toMatchObject({ model: 'gpt-fake', stream: true, stream_options: { include_usage: true }, reasoning_effort: 'high', metadata: { a: 1 } });
  });

  test('complete drops stream flags; usage details pass through', async () => {
    const a = createOpenAIAdapter({ id: 'openai', api_base: `${oai.url}/v1`, api_key: API_KEY });
    const res = await a.complete(req({ stream: true, stream_options: { include_usage: true } }), ctx('gpt-fake', {}));
    const body = rec(oai.last().body);
    expect(body.stream).toBeUndefined();
    expect(body.stream_options).toBeUndefined();
    expect(res.usage?.prompt_tokens_details?.cached_tokens).toBe(4);
    expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBe(2);
  });

  test('call credentials override config; no key means no Authorization header', async () => {
    const a = createOpenAIAdapter({ id: 'ollama', api_base: 'http://127.0.0.1:1/v1' });
    await a.complete(req(), ctx('gpt-fake', { api_base: `${oai.url}/v1/` }));
    expect(oai.last().headers.get('authorization')).toBeNull();
    expect(oai.last().path).toBe('/v1/chat/completions');
  });

  test('an error inside a 200 stream becomes UpstreamError', async () => {
    const fake = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: () =>
        new Response(`: OPENROUTER PROCESSING\n\ndata: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\ndata: {"error":{"code":502,"message":"provider died"}}\n\n`, {
          headers: { 'content-type': 'text/event-stream' },
        }),
    });
    let err: unknown;
    const got: string[] = [];
    try {
      for await (const c of createOpenAIAdapter({ id: 'openrouter' }).stream(req(), ctx('m', { api_base: `http://127.0.0.1:${fake.port}/v1` }))) got.push(c.choices[0]?.delta.content ?? '');
    } catch (e) {
      err = e;
    }
    await fake.stop(true);
    expect(got).toEqual(['a']);
    expect((err as UpstreamError).upstreamStatus).toBe(502);
    expect((err as UpstreamError).message).toBe('provider died');
  });

  test('embeddings', async () => {
    const fake = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: () => Response.json({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }], model: 'e', usage: { prompt_tokens: 1, total_tokens: 1 } }),
    });
    const res = await createOpenAIAdapter({ id: 'openai' }).embed?.({ model: 'e', input: 'x' }, ctx('e', { api_base: `http://127.0.0.1:${fake.port}/v1` }));
    await fake.stop(true);
    expect(res?.data[0]?.embedding).toEqual([0.1]);
  });

  test('presets cover the OpenAI-compatible providers; local ones on localhost', () => {
    expect(Object.keys(OPENAI_COMPATIBLE_PRESETS).sort()).toEqual(['deepseek', 'fireworks', 'groq', 'llamacpp', 'mistral', 'ollama', 'openai', 'openrouter', 'together', 'vllm', 'xai']);
    for (const id of ['ollama', 'vllm', 'llamacpp'] as const) expect(OPENAI_COMPATIBLE_PRESETS[id]).toStartWith('http://localhost:');
  });

  test('a preset id picks its base URL', async () => {
    const urls: string[] = [];
    const fakeFetch = Object.assign(async (u: string | URL | Request) => {
      urls.push(String(u));
      return Response.json({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });
    }, { preconnect: () => undefined }) as typeof fetch;
    await createOpenAIAdapter({ id: 'groq' }).complete(req(), { ...ctx('llama', {}), fetch: fakeFetch });
    expect(urls).toEqual(['https://api.groq.com/openai/v1/chat/completions']);
  });
});

describe('azure adapter', () => {
  test('deployment URL, api-version, api-key header; deployment from credentials wins', async () => {
    const a = createAzureAdapter({ api_key: API_KEY });
    await a.complete(req(), ctx('gpt-4o', { api_base: `${az.url}/`, deployment: 'my deploy' }));
    let r = az.last();
    expect(r.path).toBe('/openai/deployments/my%20deploy/chat/completions');
    expect(r.query.get('api-version')).toBe('2024-10-21');
    expect(r.headers.get('api-key')).toBe(API_KEY);
    expect(r.headers.get('authorization')).toBeNull();
    await a.complete(req(), ctx('gpt-4o', { api_base: az.url, api_version: '2025-01-01-preview' }));
    r = az.last();
    expect(r.path).toBe('/openai/deployments/gpt-4o/chat/completions');
    expect(r.query.get('api-version')).toBe('2025-01-01-preview');
  });

  test('missing api_base is a non-retryable 400 UpstreamError', async () => {
    let err: unknown;
    try {
      await createAzureAdapter().complete(req(), ctx('gpt-4o', { api_key: 'k' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).upstreamStatus).toBe(400);
    expect((err as UpstreamError).retryable).toBe(false);
    expect((err as UpstreamError).code).toBe('provider_misconfigured');
  });
});
