import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { SharedStateUnavailableError } from '../../src/errors.ts';
import { errorResponse } from '../../src/http/errors.ts';
import { json, makeTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let key: string;
beforeAll(async () => {
  t = await makeTestApp({ body_limit_mb: 0.01 });
  key = await t.key('acme');
});
afterAll(() => t.close());

describe('error model', () => {
  test('unknown routes answer 404 JSON', async () => {
    const r = await t.call('GET', '/api/no-such-thing/');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(await json(r)).toEqual({ detail: 'Not found.' });
  });

  test('malformed JSON is a 400, never a 500', async () => {
    const r = await t.call('POST', '/api/temporary-keys/', {
      key,
      raw: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect((await json(r)).detail).toContain('JSON');
  });

  test('unknown query parameters named like Object methods are a 422, not an escaped exception', async () => {
    for (const name of ['valueOf', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const r = await t.call('GET', `/api/analytics/breakdown?${name}=1`, { key });
      expect(r.status).toBe(422);
      expect((await json(r)).errors[name]).toBeArray();
    }
  });

  test('a value that cannot be shown as text fails validation with a 422, not a 500 (found by the fuzz campaign)', async () => {
    const hostile = { toString: -1, valueOf: 2 };
    for (const [path, body] of [
      ['/api/embeddings', { model: hostile, input: 'hello' }],
      ['/api/chat/completions', { model: hostile, messages: [{ role: 'user', content: 'x' }] }],
      ['/api/responses', { model: hostile, input: 'x' }],
    ] as const) {
      const r = await t.call('POST', path, { key, body });
      expect(r.status).toBe(422);
    }
  });

  test('work a call asks of the mock is bounded: 2,048 embedding inputs, a value budget, output_tokens (found by the fuzz campaign)', async () => {
    const many = await t.call('POST', '/api/embeddings', { key, body: { model: 'mock/embed', input: Array.from({ length: 2049 }, () => 'a') } });
    expect(many.status).toBe(422);
    expect(JSON.stringify(await json(many))).toContain('input');
    // dimensions: 1e9 once took the gateway to gigabytes while it built the vector.
    const huge = await t.call('POST', '/api/embeddings', { key, body: { model: 'mock/embed', input: 'a', dimensions: 1_000_000_000 } });
    expect(huge.status).toBe(400);
    expect(JSON.stringify(await json(huge))).toContain('embedding values');
    const fits = await t.call('POST', '/api/embeddings', { key, body: { model: 'mock/embed', input: ['a', 'b'], dimensions: 4096 } });
    expect(fits.status).toBe(200);
    const long = await t.call('POST', '/api/chat/completions', {
      key,
      body: { model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'x' }], mock_profile: { output_tokens: 1_000_000_000 } },
    });
    expect(long.status).toBe(400);
    expect(JSON.stringify(await json(long))).toContain('output_tokens');
  });

  test('a body over the limit is a 413', async () => {
    const r = await t.call('POST', '/api/temporary-keys/', { key, body: { name: 'x'.repeat(20_000) } });
    expect(r.status).toBe(413);
    expect((await json(r)).detail).toContain('limit');
  });

  test('every route answers with and without /api and a trailing slash', async () => {
    for (const p of ['/api/temporary-keys/', '/api/temporary-keys', '/temporary-keys/', '/temporary-keys']) {
      expect((await t.call('GET', p, { key })).status).toBe(200);
    }
  });

  test('the Responses and Messages routes answer on every path convention', async () => {
    const responses = { model: 'mock/echo', input: 'Hi' };
    for (const p of ['/api/responses', '/api/responses/', '/responses', '/v1/responses', '/api/v1/responses/']) {
      expect((await t.call('POST', p, { key, body: responses })).status).toBe(200);
    }
    const messages = { model: 'mock/echo', messages: [{ role: 'user', content: 'Hi' }] };
    for (const p of ['/api/anthropic/v1/messages', '/api/anthropic/v1/messages/', '/anthropic/v1/messages']) {
      expect((await t.call('POST', p, { key, body: messages })).status).toBe(200);
    }
  });

  test('null means unset on the Responses route, as the OpenAI SDKs send it', async () => {
    const nulls = { instructions: null, temperature: null, top_p: null, reasoning: null, metadata: null, store: null, previous_response_id: null, max_output_tokens: null, text: null };
    const r = await t.call('POST', '/api/responses', { key, body: { model: 'mock/echo', input: 'Hi', ...nulls } });
    expect(r.status).toBe(200);
    expect((await json(r)).output[0].content[0].text).toBe('Hi');
  });

  test('each proxy API answers errors in its own shape', async () => {
    const raw = { raw: '{"model": ', headers: { 'content-type': 'application/json' } };
    const anthropic = await t.call('POST', '/api/anthropic/v1/messages', { key, ...raw });
    expect(anthropic.status).toBe(400);
    expect(await json(anthropic)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'Malformed request body: expected valid JSON' } });
    const invalid = await t.call('POST', '/api/anthropic/v1/messages', { key, body: { model: 'mock/echo', messages: 'hi' } });
    expect(invalid.status).toBe(400);
    expect((await json(invalid)).error.type).toBe('invalid_request_error');
    const noKey = await t.call('POST', '/anthropic/v1/messages', { body: {} });
    expect([noKey.status, (await json(noKey)).error.type]).toEqual([401, 'authentication_error']);
    const openai = await t.call('POST', '/api/v1/responses', { key, ...raw });
    expect((await json(openai)).error.message).toContain('JSON');
    const stored = await t.call('GET', '/api/responses/resp_1', { key });
    expect(stored.status).toBe(400);
    expect((await json(stored)).error.message).toContain('not supported');
  });

  test('health reports each dependency and the writer', async () => {
    const r = await t.call('GET', '/health');
    expect(r.status).toBe(200);
    const body = await json(r);
    expect(body).toMatchObject({ dependencies: { database: 'up' }, span_writer: { storage: 'ok' } });
    // With Redis in the backend: up, or on the database's fallback until its first connection is made.
    expect(body.status).toBe(body.dependencies.redis === 'fallback' ? 'degraded' : 'ok');
  });

  test('the OpenAPI document lists the routes and the reference page is served', async () => {
    const doc = await json(await t.call('GET', '/openapi.json'));
    expect(doc.openapi).toStartWith('3.');
    expect(Object.keys(doc.paths)).toContain('/temporary-keys/');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/responses', '/v1/responses', '/anthropic/v1/messages']));
    const page = await t.call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('openapi.json');
  });

});

describe('rendering', () => {
  test('unreachable shared state (fail_closed) is a 503 with Retry-After, in the OpenAI shape on proxy routes', async () => {
    const r = errorResponse(new SharedStateUnavailableError('budget'), 'openai');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(await r.json()).toMatchObject({ error: { type: 'server_error', code: 'shared_state_unavailable' }, retry_after: 1 });
  });
});
