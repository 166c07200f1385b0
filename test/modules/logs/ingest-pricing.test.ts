/**
 * The cost of an ingested span that comes without one: the model the answer
 * names, else the model the caller asked for (`request_model`; OTLP's
 * gen_ai.request.model), each looked up in the organization's custom models
 * first; `pricing_model` records which name priced it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { json, type Json, makeTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
let key: string;
let otherKey: string;

beforeAll(async () => {
  t = await makeTestApp();
  key = await t.key('acme');
  otherKey = await t.key('globex');
  const custom = { model_name: 'house-llama-2025-01', provider_id: 'mock', input_cost: 10, output_cost: 20 };
  expect((await t.call('POST', '/api/models/', { key, body: custom })).status).toBe(201);
});
afterAll(() => t.close());

async function ingest(k: string, span: Json): Promise<Json> {
  const r = await json(await t.call('POST', '/api/v1/traces/ingest', { key: k, body: [span] }));
  return json(await t.call('GET', `/api/request-logs/${r.unique_ids[0]}/`, { key: k }));
}

/** An OTLP/JSON export of one LLM span; returns the stored span. */
async function otlp(k: string, attrs: Record<string, string | number>): Promise<Json> {
  const spanId = crypto.randomUUID().replaceAll('-', '').slice(0, 16);
  const attributes = Object.entries(attrs).map(([k2, v]) => ({
    key: k2,
    value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
  }));
  const body = {
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'ab'.repeat(16), spanId, name: 'llm', attributes }] }] }],
  };
  expect((await t.call('POST', '/api/v1/traces', { key: k, body })).status).toBe(200);
  await t.writer.flush();
  const list = await json(await t.call('GET', `/api/request-logs/list/?span_unique_id=${spanId}`, { key: k }));
  return list.results[0];
}

const usage = { 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 500 };

describe('pricing of ingested spans', () => {
  test('the answer\'s model prices the span when it is known', async () => {
    const s = await ingest(key, { model: 'gpt-4o-mini', prompt_tokens: 1000, completion_tokens: 500 });
    expect(s.cost).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6, 12);
    expect(s.pricing_model).toBe('gpt-4o-mini');
  });

  test('an unpriced response model falls back to the request model (OTLP)', async () => {
    const s = await otlp(key, { 'gen_ai.response.model': 'echo', 'gen_ai.request.model': 'mock/echo', ...usage });
    expect([s.model, s.request_model, s.pricing_model]).toEqual(['echo', 'mock/echo', 'mock/echo']);
    expect(s.cost).toBeCloseTo((1000 * 1 + 500 * 2) / 1e6, 12);
  });

  test("the organization's custom model prices a name the built-in prices do not know", async () => {
    const s = await otlp(key, { 'gen_ai.response.model': 'house-llama-2025-01', 'gen_ai.request.model': 'house-llama', ...usage });
    expect(s.pricing_model).toBe('house-llama-2025-01');
    expect(s.cost).toBeCloseTo((1000 * 10 + 500 * 20) / 1e6, 12);
    // Another organization's custom models price nothing here.
    const other = await otlp(otherKey, { 'gen_ai.response.model': 'house-llama-2025-01', ...usage });
    expect(other.cost).toBe(0);
    expect(other.pricing_model).toBeUndefined();
  });

  test('a request_model in an ingest body is a fallback too', async () => {
    const s = await ingest(key, { model: 'gpt-4o-mini-internal-build', request_model: 'gpt-4o-mini', prompt_tokens: 1000, completion_tokens: 500 });
    expect(s.pricing_model).toBe('gpt-4o-mini');
    expect(s.cost).toBeGreaterThan(0);
  });

  test('a known provider without a price for the model is no price: the request model is tried', async () => {
    const s = await ingest(key, { model: 'openai/not-a-real-model', request_model: 'mock/echo', prompt_tokens: 1000, completion_tokens: 500 });
    expect(s.pricing_model).toBe('mock/echo');
  });

  test('nothing prices it: cost 0 and no pricing_model; a given cost is kept and names no model', async () => {
    const unknown = await ingest(key, { model: 'nobody-knows', prompt_tokens: 1000, completion_tokens: 500 });
    expect([unknown.cost, unknown.pricing_model]).toEqual([0, undefined]);
    const given = await ingest(key, { model: 'gpt-4o-mini', cost: 0.5, prompt_tokens: 1000, completion_tokens: 500, pricing_model: 'spoofed' });
    expect([given.cost, given.pricing_model]).toEqual([0.5, undefined]);
  });
});
