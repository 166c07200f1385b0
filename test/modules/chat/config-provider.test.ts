/** A provider declared only in the config file, speaking OpenAI's wire format, reached over real HTTP. */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type MockUpstream, startMockUpstream } from '../../../src/providers/mock/server.ts';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';

let upstream: MockUpstream;
let t: TestApp;
let key: string;
beforeAll(async () => {
  upstream = await startMockUpstream({ host: '127.0.0.1', port: 0 });
  t = await makeTestApp({
    providers: {
      inhouse: { kind: 'openai', api_key: 'sk-inhouse', api_base: upstream.url },
      chatonly: { kind: 'openai', api_key: 'sk-inhouse', api_base: upstream.url, responses_api: false },
    },
    models: [{ model_name: 'house-model', provider_id: 'inhouse', input_cost: 3, output_cost: 4 }],
  });
  key = await t.key('acme');
});
afterAll(async () => {
  await t.close();
  await upstream.stop();
});

test('a config model on a config provider answers and is priced with the config prices', async () => {
  const r = await t.call('POST', '/api/chat/completions', {
    key,
    body: { model: 'house-model', messages: [{ role: 'user', content: 'hello from the config' }] },
  });
  expect(r.status).toBe(200);
  const body = await json(r);
  expect(body.choices[0].message.role).toBe('assistant');
  const [span] = await t.spans(1);
  expect(span?.provider_id).toBe('inhouse');
  const u = body.usage;
  expect(span?.cost).toBeCloseTo((u.prompt_tokens * 3 + u.completion_tokens * 4) / 1e6, 12);
});

test('responses_api: false translates Responses calls for a server that serves chat completions only', async () => {
  const asIs = await t.call('POST', '/api/responses', { key, body: { model: 'inhouse/m', input: 'hello' } });
  // The mock upstream has no /responses: sent as is, it answers 404.
  expect(asIs.status).toBe(404);
  const translated = await t.call('POST', '/api/responses', { key, body: { model: 'chatonly/m', input: 'hello' } });
  expect(translated.status).toBe(200);
  expect((await json(translated)).output[0].content[0].text).toContain('hello');
});
