/**
 * What the chat endpoint does applies to the Responses and Messages APIs:
 * fallbacks (native -> translated too), load-balance groups, retries, the
 * cache keyed on the native request (replayed as the API's own stream),
 * customer budgets, prompt templates, request_breakdown and disable_log.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { type Json, json } from '../../helpers/app.ts';
import { TEXT } from '../../providers/fakes/common.ts';
import { type Gateway as FakeGateway, gateway } from '../chat/fixtures.ts';
import { type Gateway as WireGateway, upstreamGateway } from './upstreams.ts';

const RESPONSES = '/api/responses' as const;
const MESSAGES = '/api/anthropic/v1/messages' as const;

/** A request in each API's own shape, plus gateway parameters where that API takes them. */
const bodies = {
  [RESPONSES]: (model: string | undefined, params: Record<string, unknown> = {}) => ({ ...(model ? { model } : {}), input: 'Hello there', ...params }),
  [MESSAGES]: (model: string | undefined, params: Record<string, unknown> = {}) => ({
    ...(model ? { model } : {}),
    max_tokens: 50,
    messages: [{ role: 'user', content: 'Hello there' }],
    metadata: { user_id: 'u1', keywordsai_params: params },
  }),
};

const textOf = (path: string, b: Json): string =>
  path === RESPONSES ? b.output.flatMap((i: Json) => i.content ?? []).map((p: Json) => p.text).join('') : b.content.map((c: Json) => c.text ?? '').join('');

/** The SSE events of a body: [type, data]. */
function events(text: string): [string, Json][] {
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('event: '))
    .map((b) => {
      const [head, data] = b.split('\n');
      return [head!.slice(7), JSON.parse(data!.slice(6))];
    });
}

describe.each([RESPONSES, MESSAGES])('%s through the chat pipeline', (path: typeof RESPONSES | typeof MESSAGES) => {
  let g: FakeGateway;
  afterEach(() => g.t.close());
  const post = (body: unknown, headers: Record<string, string> = {}) => g.t.call('POST', path, { key: g.key, body, headers });

  test('fallback_models and retries: a failing model falls back; attempts and warnings on the span', async () => {
    g = await gateway();
    g.fakes.openai.script('gpt-4o-mini', { ok: false, status: 503 });
    const r = await post(bodies[path](`gpt-4o-mini`, { fallback_models: ['mock/echo'], retry_params: { num_retries: 1, retry_after: 0 } }));
    expect(r.status).toBe(200);
    expect(textOf(path, await json(r))).toBe('echo: Hello there');
    const [s] = await g.t.spans();
    expect((s!.extra.attempts as Json[]).map((a) => `${a.model}:${a.status}:${a.retry}`)).toEqual(['gpt-4o-mini:503:0', 'gpt-4o-mini:503:1', 'mock/echo:200:0']);
    expect([s!.model, s!.extra.api]).toEqual(['mock/echo', path === RESPONSES ? 'responses' : 'messages']);
  });

  test('a load-balance group picks the model', async () => {
    g = await gateway({ load_balance_groups: { grp: { models: [{ model: 'mock/only', weight: 1 }] } } });
    const r = await post(bodies[path](undefined, { load_balance_group: { group_id: 'grp' } }));
    expect(textOf(path, await json(r))).toBe('only: Hello there');
  });

  test('the cache: keyed on the native request; a hit replays as this API\'s stream', async () => {
    g = await gateway();
    const body = bodies[path]('mock/echo', { cache_enabled: true });
    const first = await post(body);
    expect(first.headers.get('x-switchyard-cache')).toBe('MISS');
    const hit = await post({ ...body, stream: true });
    expect(hit.headers.get('x-switchyard-cache')).toBe('HIT');
    const evs = events(await hit.text());
    expect(evs[0]![0]).toBe(path === RESPONSES ? 'response.created' : 'message_start');
    expect(evs.at(-1)![0]).toBe(path === RESPONSES ? 'response.completed' : 'message_stop');
    const other = await post({ ...bodies[path]('mock/echo', { cache_enabled: true }), temperature: 0.5 });
    expect(other.headers.get('x-switchyard-cache')).toBe('MISS');
    // The same words through chat completions are another API: no shared entry.
    const chat = await g.t.call('POST', '/api/chat/completions', { key: g.key, body: { model: 'mock/echo', messages: [{ role: 'user', content: 'Hello there' }], cache_enabled: true } });
    expect(chat.headers.get('x-switchyard-cache')).toBe('MISS');
    expect(g.fakes.mock.calls).toHaveLength(3);
    const spans = await g.t.spans(4);
    expect(spans[1]!.cached).toBe(true);
  });

  test('a customer budget refuses before any upstream call, with a span', async () => {
    g = await gateway();
    const r = await post(bodies[path]('gpt-4o-mini', { customer_params: { customer_identifier: 'poor', total_budget: 0.000000001 } }));
    expect(r.status).toBe(402);
    expect(g.fakes.openai.calls).toHaveLength(0);
    const [s] = await g.t.spans();
    expect([s!.status_code, s!.customer_identifier]).toEqual([402, 'poor']);
  });

  test('a prompt template becomes this API\'s conversation; its parameters win', async () => {
    g = await gateway();
    const { prompt_id } = await json(await g.t.call('POST', '/api/prompts/', { key: g.key, body: { name: 'greet' } }));
    await g.t.call('POST', `/api/prompts/${prompt_id}/versions/`, {
      key: g.key,
      body: { messages: [{ role: 'system', content: 'Be kind' }, { role: 'user', content: 'Hi {{name}}' }], model: 'mock/echo', temperature: 0.2, max_tokens: 30, deploy: true },
    });
    const base = bodies[path](undefined, { prompt: { prompt_id, variables: { name: 'Ada' } } });
    const r = await post(path === RESPONSES ? { prompt: (base as Json).prompt } : { ...base, messages: undefined });
    expect(r.status).toBe(200);
    expect(textOf(path, await json(r))).toBe('echo: Hi Ada');
    const sent = g.fakes.mock.calls[0]!.req as Json;
    expect(sent.temperature).toBe(0.2);
    // The Messages API writes the template's text as blocks; both read back as the same conversation.
    expect(sent.messages.map((m: Json) => [m.role, typeof m.content === 'string' ? m.content : m.content[0].text])).toEqual([
      ['system', 'Be kind'],
      ['user', 'Hi Ada'],
    ]);
    const [s] = await g.t.spans();
    expect(s!.prompt_id).toBe(prompt_id);
  });

  test('request_breakdown: in the body; refused for a stream (the events have no place for it)', async () => {
    g = await gateway();
    const ok = await json(await post(bodies[path]('mock/echo', { request_breakdown: true })));
    expect(ok.request_breakdown.model).toBe('mock/echo');
    const refused = await post({ ...bodies[path]('mock/echo', { request_breakdown: true }), stream: true });
    expect(refused.status).toBe(path === RESPONSES ? 422 : 400);
    expect(await refused.text()).toContain('request_breakdown');
  });

  test('disable_log keeps metrics, drops the conversation', async () => {
    g = await gateway();
    await post(bodies[path]('mock/echo', { disable_log: true }));
    const [s] = await g.t.spans();
    expect([s!.input, s!.output, s!.completion_tokens > 0]).toEqual([null, null, true]);
  });
});

describe('native and translated attempts in one call', () => {
  let w: WireGateway;
  afterEach(() => w.close());

  test('Responses: the OpenAI-kind upstream fails as is; the Anthropic fallback gets it translated', async () => {
    w = await upstreamGateway();
    const r = await w.t.call('POST', RESPONSES, {
      key: w.key,
      body: { model: 'openai/err-503', input: 'Hello', fallback_models: ['anthropic/claude-3-5-haiku-20241022'], retry_params: { retry_enabled: false } },
    });
    expect(r.status).toBe(200);
    expect(textOf(RESPONSES, await json(r))).toBe(TEXT);
    expect(w.fakes.openai.last().path).toBe('/v1/responses');
    expect(w.fakes.anthropic.last().body).toMatchObject({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] });
  });

  test('Messages: a stream that fails after its first event ends with an Anthropic error event', async () => {
    w = await upstreamGateway();
    const r = await w.t.call('POST', MESSAGES, {
      key: w.key,
      body: { model: 'anthropic/midstream-error', stream: true, max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] },
    });
    const evs = events(await r.text());
    expect(evs[0]![0]).toBe('message_start');
    expect(evs.at(-1)).toEqual(['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]);
    const [s] = await w.t.spans();
    expect(s!.status_code).toBe(529);
  });
});
