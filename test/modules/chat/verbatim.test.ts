/**
 * An upstream's chat answer passed on unchanged is written as the upstream
 * sent it (not parsed and serialized again); whatever the gateway changes, or
 * cannot write back as it came, is serialized afresh.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type Json, makeTestApp, type TestApp } from '../../helpers/app.ts';

// Spaces after the colons: JSON.stringify would not write them, so they show which text reached the client.
const COMPLETION = '{"id": "c1", "object": "chat.completion", "created": 1, "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}';
const CHUNK = '{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": null}]}';
// One event whose data spans two lines: it cannot be written back as one `data:` line.
const SPLIT = 'data: {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",\ndata: "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n';
const USAGE = '{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}';

let upstream: ReturnType<typeof Bun.serve>;
let t: TestApp;
let key: string;

beforeAll(async () => {
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const body = (await req.json()) as { stream?: boolean };
      if (!body.stream) return new Response(COMPLETION, { headers: { 'content-type': 'application/json' } });
      const sse = `data: ${CHUNK}\n\n${SPLIT}data: ${USAGE}\n\ndata: [DONE]\n\n`;
      return new Response(sse, { headers: { 'content-type': 'text/event-stream' } });
    },
  });
  t = await makeTestApp({ providers: { up: { kind: 'openai', api_base: `http://127.0.0.1:${upstream.port}/v1`, api_key: 'k' } } });
  key = await t.key('acme');
});
afterAll(async () => {
  await t.close();
  await upstream.stop(true);
});

const call = (body: Record<string, unknown>) =>
  t.call('POST', '/api/chat/completions', { key, body: { model: 'up/m', messages: [{ role: 'user', content: 'hi' }], ...body } });

test('a completion is passed on as the upstream wrote it', async () => {
  const r = await call({});
  expect(r.status).toBe(200);
  expect(await r.text()).toBe(COMPLETION);
});

test('a completion the gateway adds to is serialized with its addition', async () => {
  const r = await call({ request_breakdown: true });
  const text = await r.text();
  expect(text).not.toBe(COMPLETION);
  const body = JSON.parse(text) as Json;
  expect(body.choices[0].message.content).toBe('hi');
  expect(body.request_breakdown.prompt_tokens).toBe(3);
});

test('stream chunks go out as they came, except data on several lines and usage the client did not ask for', async () => {
  const r = await call({ stream: true });
  const frames = (await r.text()).split('\n\n').filter(Boolean);
  expect(frames[0]).toBe(`data: ${CHUNK}`);
  // The two-line event is one line again, and still the same chunk.
  expect(frames[1]?.split('\n')).toHaveLength(1);
  expect(JSON.parse((frames[1] as string).slice(6))).toEqual(JSON.parse(SPLIT.replaceAll('data: ', '').replace('\n', ' ')));
  // Usage was asked upstream by the gateway, not by this client: its usage-only chunk is not sent.
  expect(frames.slice(2)).toEqual(['data: [DONE]']);
});

test('with include_usage the usage chunk is passed on as it came', async () => {
  const r = await call({ stream: true, stream_options: { include_usage: true } });
  const frames = (await r.text()).split('\n\n').filter(Boolean);
  expect(frames.slice(2)).toEqual([`data: ${USAGE}`, 'data: [DONE]']);
});
