/** Gateway behaviour through HTTP: cache, disable_log, request_breakdown, groups, retries, streams, limits. */
import { afterEach, describe, expect, test } from 'bun:test';
import { BudgetExceededError } from '../../../src/errors.ts';
import type { CustomerGate } from '../../../src/modules/customers/gate.ts';
import { computeCost } from '../../../src/pricing/cost.ts';
import type { CacheEntry } from '../../../src/routing/cache.ts';
import type { ResponseCache } from '../../../src/store/state-types.ts';
import { MOCK_PRICES } from '../../../src/pricing/registry.ts';
import { startMockUpstream } from '../../../src/providers/mock/server.ts';
import { type Json, json, makeTestApp, testConfig } from '../../helpers/app.ts';
import { STATE_FOLLOWS_CLOCK } from '../../helpers/backend.ts';
import { type Gateway, gateway } from './fixtures.ts';

let g: Gateway;
afterEach(() => g.t.close());

const hello = [{ role: 'user', content: 'Hello there' }];
const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  g.t.call('POST', '/api/chat/completions', { key: g.key, body, headers });

/** The `data:` payloads of an SSE body, and its comment lines. */
function sse(text: string): { data: string[]; comments: string[] } {
  const data: string[] = [];
  const comments: string[] = [];
  for (const block of text.split('\n\n')) {
    if (block.startsWith('data: ')) data.push(block.slice(6));
    else if (block.startsWith(':')) comments.push(block);
  }
  return { data, comments };
}

describe('cache', () => {
  test('a hit is marked in the header and the span, costs nothing, does not call upstream', async () => {
    g = await gateway();
    const body = { model: 'mock/echo', messages: hello, cache_enabled: true };
    const first = await post(body);
    expect(first.headers.get('x-switchyard-cache')).toBe('MISS');
    const second = await post(body);
    expect(second.headers.get('x-switchyard-cache')).toBe('HIT');
    expect((await json(second)).choices).toEqual((await json(first)).choices);
    expect(g.fakes.mock.calls).toHaveLength(1);
    const spans = await g.t.spans(2);
    expect(spans.map((s) => s.cached)).toEqual([false, true]);
    expect(spans[0]!.cost).toBeGreaterThan(0);
    expect(spans[1]!.cost).toBe(0);
  });

  // Redis expires entries on its own clock, which the test cannot move.
  test.skipIf(!STATE_FOLLOWS_CLOCK)('TTL expiry against the injected clock', async () => {
    g = await gateway();
    const body = { model: 'mock/echo', messages: hello, cache_enabled: true, cache_ttl: 60 };
    await post(body);
    g.t.clock.now += 59_000;
    expect((await post(body)).headers.get('x-switchyard-cache')).toBe('HIT');
    g.t.clock.now += 1_000;
    expect((await post(body)).headers.get('x-switchyard-cache')).toBe('MISS');
    expect(g.fakes.mock.calls).toHaveLength(2);
  });

  test('cache_by_customer separates customers; without it they share', async () => {
    g = await gateway();
    const body = (customer: string, byCustomer: boolean) => ({
      model: 'mock/echo',
      messages: hello,
      cache_enabled: true,
      customer_identifier: customer,
      cache_options: { cache_by_customer: byCustomer },
    });
    await post(body('a', true));
    expect((await post(body('b', true))).headers.get('x-switchyard-cache')).toBe('MISS');
    expect((await post(body('a', true))).headers.get('x-switchyard-cache')).toBe('HIT');
    await post(body('a', false));
    expect((await post(body('b', false))).headers.get('x-switchyard-cache')).toBe('HIT');
    const spans = await g.t.spans(5);
    expect(spans.filter((s) => s.cached).map((s) => s.customer_identifier)).toEqual(['a', 'b']);
  });

  test("a call right after a miss reads the gateway's own answer, even while a remote cache is still storing it", async () => {
    const entries = new Map<string, CacheEntry>();
    const slowRemote: ResponseCache = {
      get: async (key) => entries.get(key),
      set: async (key, entry) => {
        await Bun.sleep(50);
        entries.set(key, entry);
      },
    };
    g = await gateway({}, { cache: slowRemote });
    const body = { model: 'mock/echo', messages: hello, cache_enabled: true };
    expect((await post(body)).headers.get('x-switchyard-cache')).toBe('MISS');
    expect((await post(body)).headers.get('x-switchyard-cache')).toBe('HIT');
    expect(g.fakes.mock.calls).toHaveLength(1);
  });

  test('organizations never share entries', async () => {
    g = await gateway();
    const other = await g.t.key('other-org');
    const body = { model: 'mock/echo', messages: hello, cache_enabled: true };
    await post(body);
    const r = await g.t.call('POST', '/api/chat/completions', { key: other, body });
    expect(r.headers.get('x-switchyard-cache')).toBe('MISS');
  });

  test('a streamed answer is cached and a hit replays as a stream; non-stream calls share it', async () => {
    g = await gateway();
    const body = { model: 'mock/echo', messages: hello, cache_enabled: true, stream: true };
    const live = sse(await (await post(body)).text());
    const again = await post(body);
    expect(again.headers.get('x-switchyard-cache')).toBe('HIT');
    const replayed = sse(await again.text());
    const text = (d: string[]) =>
      d.filter((x) => x !== '[DONE]').map((x) => (JSON.parse(x) as Json).choices[0]?.delta?.content ?? '').join('');
    expect(text(replayed.data)).toBe(text(live.data));
    expect(replayed.data.at(-1)).toBe('[DONE]');
    const plain = await post({ ...body, stream: false });
    expect(plain.headers.get('x-switchyard-cache')).toBe('HIT');
    expect((await json(plain)).choices[0].message.content).toBe('echo: Hello there');
    expect(g.fakes.mock.calls).toHaveLength(1);
  });

  test('omit_log: hits are not logged', async () => {
    g = await gateway();
    const body = { model: 'mock/echo', messages: hello, cache_enabled: true, cache_options: { omit_log: true } };
    await post(body);
    await post(body);
    await post({ model: 'mock/echo', messages: [{ role: 'user', content: 'other' }] });
    expect((await g.t.spans(2)).map((s) => s.cached)).toEqual([false, false]);
  });
});

describe('logging parameters', () => {
  test('disable_log keeps metrics, drops messages', async () => {
    g = await gateway();
    await post({ model: 'mock/echo', messages: hello, disable_log: true, tools: [{ type: 'function', function: { name: 'f' } }] });
    const [s] = await g.t.spans();
    expect(s!.input).toBeNull();
    expect(s!.output).toBeNull();
    expect(s!.extra.tools).toBeUndefined();
    expect(s!.extra.full_request).toBeUndefined();
    expect(s!.prompt_tokens).toBe(2);
    expect(s!.cost).toBeGreaterThan(0);
  });

  test('request_breakdown in the body: tokens, cost from the price table, messages, model', async () => {
    g = await gateway();
    const r = await json(await post({ model: 'mock/echo', messages: hello, request_breakdown: true, metadata: { k: 'v' } }));
    const b = r.request_breakdown;
    expect([b.prompt_tokens, b.completion_tokens, b.model, b.cached, b.status_code, b.stream]).toEqual([
      2, 3, 'mock/echo', false, 200, false,
    ]);
    // mock prices: $1 / $2 per 1M tokens; the fake counts words ("echo: Hello there" is 3).
    expect(b.cost).toBeCloseTo((2 * 1 + 3 * 2) / 1e6, 15);
    expect(b.prompt_messages).toEqual(hello);
    expect(b.completion_message).toEqual({ role: 'assistant', content: 'echo: Hello there' });
    expect(b.metadata).toEqual({ k: 'v' });
    expect(b.full_request.messages).toEqual(hello);
  });

  test('request_breakdown as the last chunk of a stream, before [DONE]', async () => {
    g = await gateway();
    const { data } = sse(await (await post({ model: 'mock/echo', messages: hello, stream: true, request_breakdown: true })).text());
    expect(data.at(-1)).toBe('[DONE]');
    const last = JSON.parse(data.at(-2)!) as Json;
    expect(last.choices).toEqual([]);
    expect(last.request_breakdown.completion_tokens).toBe(3);
    expect(last.request_breakdown.stream).toBe(true);
  });

  test('a stream costs what the same call costs without streaming', async () => {
    g = await gateway();
    await post({ model: 'mock/echo', messages: hello });
    await (await post({ model: 'mock/echo', messages: hello, stream: true })).text();
    const [a, b] = await g.t.spans(2);
    expect(b!.cost).toBe(a!.cost);
    expect(a!.cost).toBe(computeCost({ prompt_tokens: 2, completion_tokens: 3 }, MOCK_PRICES));
  });

  test('prompt templates: the deployed version is rendered, its parameters win, echo returns prompt_message', async () => {
    g = await gateway();
    const created = await json(await g.t.call('POST', '/api/prompts/', { key: g.key, body: { name: 'greet' } }));
    const id = created.prompt_id as string;
    const v = await g.t.call('POST', `/api/prompts/${id}/versions/`, {
      key: g.key,
      body: { messages: [{ role: 'user', content: 'Hi {{name}}' }], model: 'mock/echo', temperature: 0.2, fallback_models: ['mock/backup'], deploy: true },
    });
    expect(v.status).toBe(201);
    g.fakes.mock.script('echo', { ok: false, status: 400 });
    const r = await post({ prompt: { prompt_id: id, variables: { name: 'Ada' } }, temperature: 1.5 });
    expect(r.status).toBe(200);
    const body = await json(r);
    // The version's fallback answered after the scripted failure.
    expect(body.choices[0].message.content).toBe('backup: Hi Ada');
    expect(body.prompt_message).toEqual([{ role: 'user', content: 'Hi Ada' }]);
    const sent = g.fakes.mock.calls[0]!.req as Record<string, unknown>;
    expect(sent.temperature).toBe(0.2);
    expect(sent).not.toHaveProperty('prompt');
    const [s] = await g.t.spans();
    expect([s!.prompt_id, s!.prompt_version]).toEqual([id, 1]);
    expect(s!.extra.prompt_variables).toEqual({ name: 'Ada' });
  });

  test('prompt.override defaults to true; with override false, override_params other than messages are not applied (seed 002)', async () => {
    g = await gateway();
    const created = await json(await g.t.call('POST', '/api/prompts/', { key: g.key, body: { name: 'tone' } }));
    const id = created.prompt_id as string;
    await g.t.call('POST', `/api/prompts/${id}/versions/`, {
      key: g.key,
      body: { messages: [{ role: 'user', content: 'Hi' }], model: 'mock/echo', temperature: 0.2, deploy: true },
    });
    const call = (prompt: Record<string, unknown>) => post({ prompt: { prompt_id: id, ...prompt } });
    const byDefault = await call({ override_params: { temperature: 0.9 } });
    expect(byDefault.status).toBe(200);
    const notApplied = await call({ override: false, override_params: { temperature: 0.9, max_tokens: 5 } });
    expect(notApplied.status).toBe(200);
    const sent = g.fakes.mock.calls.map((c) => c.req as Record<string, unknown>);
    expect(sent[0]!.temperature).toBe(0.9);
    expect(sent[1]!.temperature).toBe(0.2);
    expect(sent[1]).not.toHaveProperty('max_tokens');
    // Messages in override_params are the caller's messages whatever override says.
    const own = await call({ override: false, override_params: { messages: [{ role: 'user', content: 'mine' }] } });
    expect((await json(own)).prompt_message).toEqual([{ role: 'user', content: 'mine' }]);
  });

  test('a deeply nested unknown field: answered, forwarded to an OpenAI-compatible upstream, and its span stored (issue 17, defect 2)', async () => {
    const upstream = await startMockUpstream({ host: '127.0.0.1', port: 0 });
    // Real adapters (the fixture's gateway has fakes): the built-in mock and an OpenAI-compatible server over HTTP.
    // body_max_depth raised to its maximum, so that 10,000 levels reach the proxy (the default 128 refuses them first).
    const t = await makeTestApp({ body_max_depth: 10_050, providers: { compat: { kind: 'openai', api_key: 'sk-compat', api_base: upstream.url } } });
    try {
      const key = await t.key('acme');
      const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const call = (model: string, depth: number, extra = '') =>
        t.call('POST', '/api/chat/completions', {
          key,
          raw: `{"model":"${model}","messages":[{"role":"user","content":"hi"}],"unknown":${nested(depth)},"metadata":{"m":${nested(depth)}}${extra}}`,
          headers: { 'content-type': 'application/json' },
        });
      // Within the default body_max_depth (128 levels), and 10,000 levels straight to the service.
      for (const depth of [120, 10_000]) {
        for (const model of ['mock/echo', 'compat/m']) {
          expect((await call(model, depth)).status).toBe(200);
          expect((await call(model, depth, ',"cache_enabled":true')).status).toBe(200);
        }
      }
      // Past body_max_depth: the body layer's 400 naming the body, before the proxy (so no span, as for invalid JSON).
      const tooDeep = await call('compat/m', 60_000);
      expect(tooDeep.status).toBe(400);
      expect((await json(tooDeep)).error).toMatchObject({ param: 'body', message: expect.stringContaining('body_max_depth') });
      const spans = await t.spans(8);
      expect(spans.map((s) => s.status_code)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
      await t.writer.flush();
      const stored = await json(await t.call('GET', '/api/request-logs/list/?page_size=20', { key }));
      expect(stored.count).toBe(8);
      // The 10,000-level calls are cut at 128 levels, and say so.
      const cut = stored.results.filter((s: Json) => s.truncated_fields !== undefined);
      expect(cut.length).toBe(4);
      expect(cut[0].truncated_fields).toEqual(['metadata', 'extra.full_request']);
    } finally {
      await t.close();
      await upstream.stop();
    }
  });

  test('X-Data-Keywordsai-Params: invalid JSON, wrong types and deep nesting are 422s naming the header', async () => {
    g = await gateway();
    const cases: [string, string][] = [
      ['{', 'x-data-keywordsai-params'],
      ['[1]', 'x-data-keywordsai-params'],
      ['{"metadata": 5}', 'x-data-keywordsai-params.metadata'],
      ['{"fallback_models": "x"}', 'x-data-keywordsai-params.fallback_models'],
      [JSON.stringify({ fallback_models: Array(101).fill('mock/echo') }), 'x-data-keywordsai-params.fallback_models'],
      [`{"metadata":${'{"a":'.repeat(500)}1${'}'.repeat(500)}}`, 'x-data-keywordsai-params'],
    ];
    for (const [header, param] of cases) {
      const r = await post({ model: 'mock/echo', messages: hello }, { 'x-data-keywordsai-params': header });
      expect([r.status, (await json(r)).error.param]).toEqual([422, param]);
    }
  });

  test('an unknown prompt is a 404', async () => {
    g = await gateway();
    const r = await post({ prompt: { prompt_id: 'nope' } });
    expect(r.status).toBe(404);
  });

  test('bad gateway parameters are a 422 naming the field', async () => {
    g = await gateway();
    const r = await post({ model: 'mock/echo', messages: hello, retry_params: { num_retries: 'x' } });
    expect(r.status).toBe(422);
    const bad = await post({ model: 'mock/echo', messages: hello }, { 'x-data-keywordsai-params': 'not json' });
    expect(bad.status).toBe(422);
    expect((await json(bad)).error.param).toBe('x-data-keywordsai-params');
  });
});

describe('routing through HTTP', () => {
  test('configured weighted group under an injected failure: every call answers, the load splits', async () => {
    g = await gateway({
      load_balance_groups: { chat: { models: [{ model: 'mock/a', weight: 3 }, { model: 'mock/bad', weight: 1 }] } },
    });
    g.fakes.mock.script('bad', { ok: false, status: 500 });
    const answered: string[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await json(await post({ messages: hello, load_balance_group: { group_id: 'chat' }, retry_params: { retry_enabled: false } }));
      answered.push(r.choices[0].message.content.split(':')[0]);
    }
    expect(new Set(answered)).toEqual(new Set(['a']));
    // 'bad' was chosen first in some calls (then 'a' answered).
    expect(g.fakes.mock.calls.filter((c) => c.model === 'bad').length).toBeGreaterThan(0);
  });

  test('retries honour an upstream Retry-After', async () => {
    g = await gateway();
    g.fakes.mock.script('flaky', { ok: false, status: 429, retryAfterMs: 700 }, { ok: true });
    const r = await post({ model: 'mock/flaky', messages: hello });
    expect(r.status).toBe(200);
    expect(g.sleeps).toEqual([700]);
  });

  test('customer gate refusal: the status, a span, nothing sent upstream', async () => {
    const gate: CustomerGate = {
      async admit() {
        throw new BudgetExceededError('period_budget', 1, 1.5);
      },
    };
    g = await gateway({}, { gate });
    const r = await post({ model: 'mock/echo', messages: hello, customer_params: { customer_identifier: 'c1', period_budget: 1 } });
    expect(r.status).toBe(402);
    expect(g.fakes.mock.calls).toHaveLength(0);
    const [s] = await g.t.spans();
    expect([s!.status_code, s!.customer_identifier]).toEqual([402, 'c1']);
    expect(s!.extra.customer_params).toEqual({ customer_identifier: 'c1', period_budget: 1 });
  });

  test('gate: estimated cost in, real cost settled, limit_info on the span', async () => {
    const seen: { estimated: number; settled: number | null } = { estimated: -1, settled: null };
    const gate: CustomerGate = {
      async admit(req) {
        seen.estimated = await req.estimateCost();
        return {
          limitInfo: { period_budget: { remaining: 1 } },
          settle: async (c) => {
            seen.settled = c;
          },
          release: async () => {},
        };
      },
    };
    g = await gateway({}, { gate });
    await post({ model: 'mock/echo', messages: hello, customer_identifier: 'c2', max_tokens: 100 });
    const [s] = await g.t.spans();
    expect(seen.estimated).toBeGreaterThan(0);
    expect(seen.settled).toBe(s!.cost);
    expect(s!.extra.limit_info).toEqual({ period_budget: { remaining: 1 } });
  });
});

describe('streams', () => {
  test('a failure before the first chunk falls back; the client sees one clean stream', async () => {
    g = await gateway();
    g.fakes.mock.script('down', { ok: false, status: 503 });
    const r = await post({ model: 'mock/down', messages: hello, stream: true, fallback_models: ['mock/up'], retry_params: { retry_enabled: false } });
    expect(r.status).toBe(200);
    const { data } = sse(await r.text());
    expect(data.join('')).toContain('up: ');
    const [s] = await g.t.spans();
    expect(s!.model).toBe('mock/up');
    expect((s!.extra.warnings as string[])[0]).toContain('mock/down failed (503)');
  });

  test('a failure before the first byte, with nothing left to try, is a plain HTTP error', async () => {
    g = await gateway();
    g.fakes.mock.script('down', { ok: false, status: 400, message: 'bad input' });
    const r = await post({ model: 'mock/down', messages: hello, stream: true });
    expect(r.status).toBe(400);
    expect((await json(r)).error.message).toBe('bad input');
  });

  test('a failure after the first byte ends the stream with an error event; the span records it', async () => {
    g = await gateway();
    g.fakes.mock.script('brk', { breakAfter: 1 });
    const r = await post({ model: 'mock/brk', messages: [{ role: 'user', content: 'one two three four' }], stream: true });
    expect(r.status).toBe(200);
    const { data } = sse(await r.text());
    const last = JSON.parse(data.at(-1)!) as Json;
    expect(last.error.message).toBe('stream broke');
    expect(data).not.toContain('[DONE]');
    const [s] = await g.t.spans();
    expect(s!.status).toBe('error');
    expect(s!.status_code).toBe(502);
    expect(s!.completion_tokens).toBeGreaterThan(0);
  });

  test('keep-alive comments while the upstream is silent', async () => {
    g = await gateway({ routing: { ...testConfig().routing, timeout_ms: 60_000, attempt_timeout_ms: 60_000, keepalive_ms: 100 } });
    g.fakes.mock.chunkDelayMs = 250;
    const r = await post({ model: 'mock/echo', messages: hello, stream: true });
    const { data, comments } = sse(await r.text());
    expect(comments.length).toBeGreaterThan(0);
    expect(comments[0]).toBe(': keep-alive');
    expect(data.at(-1)).toBe('[DONE]');
  });
});
