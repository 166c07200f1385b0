/**
 * A streamed chat answer from an OpenAI-compatible upstream, end to end: the
 * client gets the upstream's events as they came (content chunks matched
 * against the stream's template, not parsed), and the span still has the
 * assembled output and the usage of the final event, whatever the network
 * reads cut. A broken event is refused as it always was.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type Json, makeTestApp, type TestApp } from '../../helpers/app.ts';

const head = (content: string) => `{"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"content":${content}},"finish_reason":null}]}`;
const CONTENT = ['Hello', ', ', 'wörld', ' "quoted"', '\nnew line', ' \\ back', ' 🚀', '', ' end'];
const EVENTS = [
  '{"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
  ...CONTENT.map((c) => head(JSON.stringify(c))),
  '{"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
  '{"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":9,"total_tokens":20,"prompt_tokens_details":{"cached_tokens":3}}}',
];
const SSE = `${EVENTS.map((e) => `data: ${e}\n\n`).join('')}data: [DONE]\n\n`;
/** Content chunks, then one whose string is not valid JSON (an unescaped quote). */
const BROKEN = `${EVENTS.slice(0, 4)
  .map((e) => `data: ${e}\n\n`)
  .join('')}data: ${head('"a"b"')}\n\ndata: ${EVENTS[5]}\n\ndata: [DONE]\n\n`;

/** `text` in reads cut at these offsets (each piece its own write, a pause between). */
function pieces(text: string, cuts: number[]): string[] {
  const out: string[] = [];
  let at = 0;
  for (const c of [...cuts, text.length]) {
    out.push(text.slice(at, c));
    at = c;
  }
  return out.filter((p) => p.length > 0);
}

let upstream: ReturnType<typeof Bun.serve>;
let t: TestApp;
let key: string;
let reads: string[] = [];

beforeAll(async () => {
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      await req.json();
      const parts = reads;
      const enc = new TextEncoder();
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (i > 0) await Bun.sleep(15);
          const p = parts[i++];
          if (p === undefined) c.close();
          else c.enqueue(enc.encode(p));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    },
  });
  t = await makeTestApp({ providers: { up: { kind: 'openai', api_base: `http://127.0.0.1:${upstream.port}/v1`, api_key: 'k' } } });
  key = await t.key('acme');
});
afterAll(async () => {
  await t.close();
  await upstream.stop(true);
});

/** The span's assembled output message. */
const output = (span: Json): Json => JSON.parse(span.output as string);

async function stream(sent: string[], body: Record<string, unknown> = {}): Promise<{ text: string; span: Json }> {
  reads = sent;
  const before = (await t.spans(0)).length;
  const r = await t.call('POST', '/api/chat/completions', {
    key,
    body: { model: 'up/m', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true }, ...body },
  });
  expect(r.status).toBe(200);
  const text = await r.text();
  const spans = await t.spans(before + 1);
  return { text, span: spans[before] };
}

describe('a stream passed on as it came', () => {
  test('byte for byte, with the output assembled and the usage of the final event on the span', async () => {
    const { text, span } = await stream([SSE]);
    expect(text).toBe(SSE);
    expect(span.status_code).toBe(200);
    expect(output(span)).toEqual({ role: 'assistant', content: CONTENT.join('') });
    expect([span.prompt_tokens, span.completion_tokens, span.cached_tokens]).toEqual([11, 9, 3]);
  });

  test('the same whatever the reads cut: inside an event, its JSON, its `data: `, between its two newlines', async () => {
    const second = SSE.indexOf('data: ', 10);
    const cutsets = [
      [second + 3],
      [second + 20, second + 21, SSE.indexOf('wörld') + 2],
      [SSE.indexOf('\n\n', second) + 1],
      [...SSE].map((_, i) => i).filter((i) => i % 97 === 5),
      EVENTS.map((_, i) => SSE.split('data: ').slice(0, i + 1).join('data: ').length),
    ];
    for (const cuts of cutsets) {
      const { text, span } = await stream(pieces(SSE, cuts));
      expect(text).toBe(SSE);
      expect(output(span).content).toBe(CONTENT.join(''));
      expect(span.prompt_tokens).toBe(11);
    }
  });

  test('without include_usage the usage chunk is not sent, and its tokens are still on the span', async () => {
    const { text, span } = await stream([SSE], { stream_options: undefined });
    expect(text).toBe(`${EVENTS.slice(0, -1).map((e) => `data: ${e}\n\n`).join('')}data: [DONE]\n\n`);
    expect(span.completion_tokens).toBe(9);
  });

  test('an event that does not parse: the chunks before it, then an error event; the span records it', async () => {
    for (const sent of [[BROKEN], pieces(BROKEN, [BROKEN.indexOf('"a"b"') + 2])]) {
      const { text, span } = await stream(sent);
      const frames = text.split('\n\n').filter(Boolean);
      expect(frames.slice(0, 4)).toEqual(EVENTS.slice(0, 4).map((e) => `data: ${e}`));
      const last = JSON.parse((frames[4] as string).slice(6)) as Json;
      expect(last.error.message).toContain('invalid JSON in stream');
      expect(frames).toHaveLength(5);
      expect(span.status_code).toBe(502);
      expect(output(span).content).toBe(CONTENT.slice(0, 3).join(''));
    }
  });
});
