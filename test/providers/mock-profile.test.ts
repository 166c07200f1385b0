/** The mock as a realistic upstream: latency profiles, injected failures, token counts, and where profiles come from. */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config-load.ts';
import { UpstreamError } from '../../src/errors.ts';
import { seededRandom } from '../../src/lib/random.ts';
import { createMockAdapter, type MockOptions } from '../../src/providers/mock/adapter.ts';
import { injectedFailure, Profiles, sampleGap, sampleTtft } from '../../src/providers/mock/profile.ts';
import type { CallContext } from '../../src/providers/types.ts';
import type { ChatChunk, ChatRequest } from '../../src/schemas/openai.ts';
import { json, makeTestApp } from '../helpers/app.ts';

const ctx = (model: string): CallContext => ({ model, credentials: {}, callerCredentials: false, signal: new AbortController().signal, fetch });
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
const req = (extra: Partial<ChatRequest> & Record<string, unknown> = {}): ChatRequest => ({ model: 'm', messages: [{ role: 'user', content: words(10) }], ...extra });
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const at = (xs: number[], p: number) => xs[Math.ceil((p / 100) * xs.length) - 1] as number;

async function statusOf(p: Promise<unknown>): Promise<number> {
  return p.then(
    () => 200,
    (e: unknown) => (e as UpstreamError).upstreamStatus,
  );
}

describe('mock profiles: draws', () => {
  test('TTFT is log-normal with the given median and p99; fixed without a p99', () => {
    const p = new Profiles({ ttft_ms: 100, ttft_p99_ms: 400 }).forCall('m', undefined);
    const random = seededRandom(1);
    const xs = sorted(Array.from({ length: 20_000 }, () => sampleTtft(p, random)));
    expect(at(xs, 50)).toBeGreaterThan(95);
    expect(at(xs, 50)).toBeLessThan(105);
    expect(at(xs, 99)).toBeGreaterThan(360);
    expect(at(xs, 99)).toBeLessThan(440);
    expect(sampleTtft(new Profiles({ ttft_ms: 70 }).forCall('m', undefined), random)).toBe(70);
  });

  test('jitter keeps each gap within +-jitter of 1/tokens_per_second, averaging it', () => {
    const p = new Profiles({ tokens_per_second: 100, jitter: 0.3 }).forCall('m', undefined);
    const random = seededRandom(2);
    const xs = Array.from({ length: 10_000 }, () => sampleGap(p, random));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(7);
    expect(Math.max(...xs)).toBeLessThanOrEqual(13);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(10, 1);
  });

  test('errors and rate limits by percentage', () => {
    const p = new Profiles({ error_percent: 10, error_status: 503, rate_limit_percent: 5, retry_after_s: 2 }).forCall('m', undefined);
    const random = seededRandom(3);
    const outcomes = Array.from({ length: 20_000 }, () => injectedFailure(p, random));
    const share = (status: number) => outcomes.filter((o) => o?.status === status).length / outcomes.length;
    expect(share(503)).toBeCloseTo(0.1, 1);
    expect(share(429)).toBeCloseTo(0.05, 1);
    expect(outcomes.find((o) => o?.status === 429)?.retryAfterMs).toBe(2000);
  });

  test('model profiles sit over the provider profile, mock_profile over both, with or without mock/', () => {
    const profiles = new Profiles({ ttft_ms: 5, tokens_per_second: 50, models: { big: { ttft_ms: 300 } } });
    expect(profiles.forCall('other', undefined)).toMatchObject({ ttftMs: 5, gapMs: 20 });
    expect(profiles.forCall('big', undefined)).toMatchObject({ ttftMs: 300, gapMs: 20 });
    expect(profiles.forCall('mock/big', undefined)).toMatchObject({ ttftMs: 300 });
    expect(profiles.forCall('big', { tokens_per_second: 100 })).toMatchObject({ ttftMs: 300, gapMs: 10 });
  });

  test('inconsistent or malformed profiles are refused, naming the field', () => {
    expect(() => new Profiles({ ttft_ms: 100, ttft_p99_ms: 50 })).toThrow('ttft_p99_ms must be at least ttft_ms');
    expect(() => new Profiles({ models: { x: { error_percent: 70, rate_limit_percent: 40 } } })).toThrow('models.x: error_percent and rate_limit_percent');
    const profiles = new Profiles({});
    expect(() => profiles.forCall('m', { ttft_ms: -1 })).toThrow('mock_profile.ttft_ms');
    expect(() => profiles.forCall('m', { ttft_msec: 1 })).toThrow('mock_profile');
    expect(() => profiles.forCall('m', 'fast')).toThrow('mock_profile');
  });
});

describe('mock profiles: calls', () => {
  test('completion tokens follow the prompt and stop at max_tokens with finish_reason length', async () => {
    const a = createMockAdapter();
    const full = await a.complete(req(), ctx('m'));
    // "This is a mock response. You said:" (7 words) + 10 prompt words.
    expect(full.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 17 });
    expect(full.choices[0]?.finish_reason).toBe('stop');
    const cut = await a.complete(req({ max_tokens: 8 }), ctx('m'));
    expect(cut.usage?.completion_tokens).toBe(8);
    expect(cut.choices[0]?.message.content).toBe('This is a mock response. You said: w0');
    expect(cut.choices[0]?.finish_reason).toBe('length');
    const echo = await a.complete(req({ max_completion_tokens: 3 }), ctx('echo'));
    expect(echo.choices[0]?.message.content).toBe('w0 w1 w2');
  });

  test('output_tokens sets the reply length; streams send one chunk per token', async () => {
    const a = createMockAdapter({ output_tokens: 40 });
    expect((await a.complete(req(), ctx('m'))).usage?.completion_tokens).toBe(40);
    const chunks: ChatChunk[] = [];
    for await (const c of a.stream(req({ max_tokens: 25 }), ctx('m'))) chunks.push(c);
    const content = chunks.filter((c) => c.choices[0]?.delta.content !== undefined);
    expect(content.length).toBe(25);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('length');
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(25);
  });

  test('a plain call waits as long as its stream would: TTFT plus the tokens at their pace', async () => {
    const a = createMockAdapter({ ttft_ms: 20, tokens_per_second: 200, output_tokens: 11 });
    const t0 = performance.now();
    await a.complete(req(), ctx('m'));
    // 20 ms + 10 gaps of 5 ms.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(68);
  });

  test('a request mock_profile changes one call; a bad one is a 400 naming the field', async () => {
    const options: MockOptions = { models: { flaky: { error_percent: 100, error_status: 502 } } };
    const a = createMockAdapter(options);
    expect(await statusOf(a.complete(req(), ctx('flaky')))).toBe(502);
    expect(await statusOf(a.complete(req({ mock_profile: { error_percent: 0 } }), ctx('flaky')))).toBe(200);
    expect(await statusOf(a.complete(req({ mock_profile: { rate_limit_percent: 100 } }), ctx('m')))).toBe(429);
    const bad = await a.complete(req({ mock_profile: { jitter: 2 } }), ctx('m')).catch((e: unknown) => e);
    expect((bad as UpstreamError).upstreamStatus).toBe(400);
    expect((bad as UpstreamError).message).toContain('mock_profile.jitter');
  });

  test('behaviours by model name still win over profiles', async () => {
    const a = createMockAdapter({ output_tokens: 5 });
    expect(await statusOf(a.complete(req(), ctx('mock/rate-limit')))).toBe(429);
    expect((await a.complete(req({ messages: [{ role: 'user', content: 'just this' }] }), ctx('mock/echo'))).choices[0]?.message.content).toBe('just this just this just');
  });
});

describe('mock profiles: config and gateway', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-mockcfg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const configWith = (providers: unknown) => {
    const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify({ providers }));
    return loadConfig({ argv: ['--config', path], env: {} });
  };

  test('providers.<id>.mock is read for kind mock and refused elsewhere or when inconsistent', () => {
    const c = configWith({ mock: { mock: { ttft_ms: 50, models: { big: { ttft_ms: 400, ttft_p99_ms: 900 } } } }, sim: { kind: 'mock', mock: { error_percent: 1 } } });
    expect(c.providers.mock?.mock?.models?.big?.ttft_p99_ms).toBe(900);
    expect(() => configWith({ openai: { mock: { ttft_ms: 5 } } })).toThrow(ConfigError);
    expect(() => configWith({ mock: { mock: { models: { big: { ttft_ms: 400, ttft_p99_ms: 9 } } } } })).toThrow("'providers.mock.mock' (from config file): models.big: ttft_p99_ms");
    expect(() => configWith({ mock: { mock: { ttft: 5 } } })).toThrow("'providers.mock.mock.ttft'");
  });

  test('through the gateway: the configured profile and a request mock_profile reach the built-in mock', async () => {
    const t = await makeTestApp({ providers: { mock: { mock: { models: { down: { error_percent: 100, error_status: 503 } } } } } });
    try {
      const key = await t.key('acme');
      const call = (body: Record<string, unknown>) =>
        t.call('POST', '/api/chat/completions', { key, body: { messages: [{ role: 'user', content: 'hi' }], retry_params: { retry_enabled: false }, ...body } });
      expect((await call({ model: 'mock/down' })).status).toBe(503);
      const limited = await call({ model: 'mock/up', mock_profile: { rate_limit_percent: 100 } });
      expect(limited.status).toBe(429);
      const ok = await call({ model: 'mock/up', max_tokens: 2 });
      expect((await json(ok)).usage.completion_tokens).toBe(2);
    } finally {
      await t.close();
    }
  });
});
