/**
 * Caller-supplied provider keys never reach a span, a log line or an error
 * message. A recognisable key goes through every override path, against an
 * upstream that echoes it back in every failure it can produce (401, 500,
 * bad JSON, an error inside a 200 stream, Anthropic's stream error event), a
 * dead upstream, and successes; then every response (body and headers), every
 * stored span (all fields, full_request and extra included, read back through
 * the API too) and every log line are searched for it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createLogger } from '../../../src/lib/log.ts';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';

/** One key in the shape of OpenAI's, one in no known shape (so pattern redaction cannot be what saves us). */
const KEYS = ['sk-proj-LEAKCHECK0123456789abcdefXYZ', 'PLAINKEY7LEAKCHECK0123456789'];

function keyOf(req: Request): string {
  return req.headers.get('x-api-key') ?? (req.headers.get('authorization') ?? '').replace(/^Bearer /, '');
}

const sseOf = (frames: string[]) =>
  new Response(frames.join(''), { headers: { 'content-type': 'text/event-stream' } });

function openaiAnswer(model: string, stream: boolean, key: string): Response {
  const chunk = (delta: unknown, finish: string | null) =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  switch (model) {
    case 'err-401':
      return Response.json({ error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error', code: key } }, { status: 401 });
    case 'err-500':
      return new Response(`upstream saw key ${key}`, { status: 500 });
    case 'bad-json':
      return new Response(`not json, key ${key}`, { headers: { 'content-type': 'application/json' } });
    case 'stream-error':
      return sseOf([chunk({ role: 'assistant', content: 'a' }, null), `data: ${JSON.stringify({ error: { message: `bad key ${key}`, code: 500 } })}\n\n`]);
    default:
      if (stream) return sseOf([chunk({ role: 'assistant', content: 'ok' }, null), chunk({}, 'stop'), 'data: [DONE]\n\n']);
      return Response.json({
        id: 'c1',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
  }
}

function anthropicAnswer(model: string, key: string): Response {
  if (model === 'err-401') {
    return Response.json({ type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${key}` } }, { status: 401 });
  }
  const ev = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  return sseOf([
    ev('message_start', { type: 'message_start', message: { id: 'm1', model, usage: { input_tokens: 1, output_tokens: 0 } } }),
    ev('error', { type: 'error', error: { type: 'overloaded_error', message: `overloaded for ${key}` } }),
  ]);
}

let upstream: ReturnType<typeof Bun.serve>;
let t: TestApp;
const logLines: string[] = [];
const responses: string[] = [];
let admin: string;

beforeAll(async () => {
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const body = (await req.json()) as { model: string; stream?: boolean };
      const key = keyOf(req);
      return new URL(req.url).pathname.startsWith('/an/') ? anthropicAnswer(body.model, key) : openaiAnswer(body.model, body.stream === true, key);
    },
  });
  const dead = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
  const deadBase = `http://127.0.0.1:${dead.port}`;
  await dead.stop(true);
  const base = `http://127.0.0.1:${upstream.port}`;
  t = await makeTestApp(
    {
      log_level: 'debug',
      providers: {
        oa: { kind: 'openai', api_base: `${base}/oa` },
        an: { kind: 'anthropic', api_base: `${base}/an` },
        dead: { kind: 'openai', api_base: deadBase },
        // The caller may also bring its own base to this one (its answers are then never passed on).
        own: { kind: 'openai', api_base: 'https://unused.invalid', allowed_api_bases: [`127.0.0.1:${upstream.port}`] },
      },
    },
    { log: createLogger('debug', (line) => logLines.push(line)) },
  );
  admin = await t.key('acme');
});
afterAll(async () => {
  await t.close();
  await upstream.stop(true);
});

/** Every way a request can carry a provider key, for `model` on `provider`. */
function paths(provider: string, model: string, key: string, base?: string): { body: Record<string, unknown>; headers?: Record<string, string> }[] {
  const creds = { api_key: key, ...(base ? { api_base: base } : {}) };
  return [
    { body: { customer_credentials: { [provider]: creds } } },
    { body: { credential_override: { [model]: creds } } },
    { body: { customer_api_keys: { [model]: key } } },
    { body: { loadbalance_models: [{ model, weight: 1, credentials: creds }] } },
    { body: { load_balance_group: { models: [{ model, weight: 1, credentials: creds }] } } },
    { body: {}, headers: { 'x-data-keywordsai-params': JSON.stringify({ customer_credentials: { [provider]: creds } }) } },
  ];
}

async function send(model: string, stream: boolean, p: { body: Record<string, unknown>; headers?: Record<string, string> }) {
  const r = await t.call('POST', '/api/chat/completions', {
    key: admin,
    body: { model, messages: [{ role: 'user', content: 'hi' }], stream, retry_params: { retry_enabled: false }, ...p.body },
    ...(p.headers ? { headers: p.headers } : {}),
  });
  responses.push(`${r.status} ${JSON.stringify([...r.headers])} ${await r.text()}`);
  return r.status;
}

test('a caller key never reaches a response, a span or a log line, whatever the upstream does', async () => {
  const statuses = new Set<number>();
  for (const key of KEYS) {
    for (const [model, stream] of [
      ['oa/ok', false],
      ['oa/ok', true],
      ['oa/err-401', false],
      ['oa/err-500', false],
      ['oa/bad-json', false],
      ['oa/stream-error', true],
      ['an/err-401', false],
      ['an/stream-error', true],
      ['dead/ok', false],
    ] as const) {
      const provider = model.split('/')[0] as string;
      for (const p of paths(provider, model, key)) statuses.add(await send(model, stream, p));
    }
    // Through an allowed caller base as well.
    for (const model of ['own/ok', 'own/err-401', 'own/err-500']) {
      for (const p of paths('own', model, key, `http://127.0.0.1:${upstream.port}/oa`)) statuses.add(await send(model, false, p));
    }
  }
  // Malformed credentials are refused without quoting them.
  for (const key of KEYS) {
    for (const creds of [{ api_key: key, apikey: key }, { api_key: [key] }, { api_key: { key } }, { api_key: key, api_base: 42 }]) {
      statuses.add(await send('oa/ok', false, { body: { customer_credentials: { oa: creds } } }));
      statuses.add(await send('oa/ok', false, { body: {}, headers: { 'x-data-keywordsai-params': JSON.stringify({ customer_credentials: { oa: creds } }) } }));
    }
  }
  // The scenarios really happened: successes, upstream errors, a dead upstream, refusals.
  for (const s of [200, 401, 422, 500, 502]) expect(statuses.has(s)).toBe(true);

  const answered = responses.filter((r) => !r.startsWith('422')).length;
  const offered = await t.spans(answered);
  expect(offered.length).toBe(answered);
  const listed = await json(await t.call('GET', '/api/request-logs/list/?page_size=1000', { key: admin }));
  expect(listed.results.length).toBe(answered);
  const details = await Promise.all(
    listed.results.slice(0, 50).map(async (s: { unique_id: string }) => (await t.call('GET', `/api/request-logs/${s.unique_id}/`, { key: admin })).text()),
  );
  const haystacks = {
    responses: responses.join('\n'),
    spans: JSON.stringify(offered),
    'listed spans': JSON.stringify(listed),
    'span details': details.join('\n'),
    logs: logLines.join('\n'),
  };
  for (const key of KEYS) {
    for (const [where, text] of Object.entries(haystacks)) expect([where, text.includes(key)]).toEqual([where, false]);
  }
  // The redaction left its mark where the upstream echoed the key.
  expect(haystacks.responses).toContain('[REDACTED]');
});
