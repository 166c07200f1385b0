/**
 * Issue 17 item 5: a caller's own api_base cannot make the gateway reach or
 * read internal services. An "internal service" on 127.0.0.1 answers with a
 * secret; it must never be called unless the config allows it, and even then
 * its words never come back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import type { Config } from '../../../src/config.ts';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';

const SECRET = 'INTERNAL-SECRET-DATA-7f3a';
const GATEWAY_KEY = 'sk-gateway-openai-key-000111';
const CALLER_KEY = 'sk-caller-own-key-000222';

interface Hit {
  path: string;
  authorization: string | null;
}
const hits: Hit[] = [];
let internal: ReturnType<typeof Bun.serve>;
let base: string;
let port: number;

beforeAll(() => {
  internal = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      hits.push({ path, authorization: req.headers.get('authorization') });
      if (path.startsWith('/json-error/')) {
        return Response.json({ error: { message: `denied: ${SECRET}`, type: 'secret_type', code: 'secret_code' } }, { status: 500 });
      }
      if (path.startsWith('/html/')) return new Response(`<html>${SECRET}</html>`, { headers: { 'content-type': 'text/html' } });
      if (path.startsWith('/redirect/')) return new Response(null, { status: 302, headers: { location: `${base}/metadata/` } });
      if (path.startsWith('/big-error/')) return new Response(`${'x'.repeat(20_000)}${SECRET}`, { status: 503 });
      return new Response(SECRET, { status: 404 });
    },
  });
  port = internal.port as number;
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => internal.stop(true));

let t: TestApp;
afterEach(() => t.close());

async function app(over: Partial<Config> = {}) {
  t = await makeTestApp({ providers: { openai: { api_key: GATEWAY_KEY } }, ...over });
  return t.key('acme', 'prod', { role: 'member' });
}

const ask = (extra: Record<string, unknown>) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  retry_params: { retry_enabled: false },
  ...extra,
});

async function expectRefused(r: Response, field: string) {
  expect(r.status).toBe(422);
  const body = await json(r);
  expect(body.error.param).toBe(field);
  expect(Object.keys(body.errors)).toEqual([field]);
  return body.error.message as string;
}

describe('caller api_bases are refused by default', () => {
  test('every field that can carry an api_base answers 422 naming it; nothing is called', async () => {
    const key = await app();
    hits.length = 0;
    const cases: [Record<string, unknown>, string][] = [
      [{ customer_credentials: { openai: { api_key: CALLER_KEY, api_base: base } } }, 'customer_credentials.openai.api_base'],
      [{ credential_override: { 'gpt-4o-mini': { api_base: base } } }, 'credential_override.gpt-4o-mini.api_base'],
      [{ loadbalance_models: [{ model: 'gpt-4o-mini', weight: 1, credentials: { api_base: base } }] }, 'loadbalance_models.0.credentials.api_base'],
      [
        { load_balance_group: { models: [{ model: 'gpt-4o', weight: 1 }, { model: 'gpt-4o-mini', weight: 1, credentials: { api_base: base } }] } },
        'load_balance_group.models.1.credentials.api_base',
      ],
    ];
    for (const [extra, field] of cases) {
      const message = await expectRefused(await t.call('POST', '/api/chat/completions', { key, body: ask(extra) }), field);
      expect(message).toContain("host '127.0.0.1' is not allowed");
    }
    // The same through the header parameters, and on embeddings.
    const header = JSON.stringify({ customer_credentials: { openai: { api_base: base } } });
    await expectRefused(
      await t.call('POST', '/api/chat/completions', { key, body: ask({}), headers: { 'x-data-keywordsai-params': header } }),
      'customer_credentials.openai.api_base',
    );
    await expectRefused(
      await t.call('POST', '/api/embeddings', {
        key,
        body: { model: 'text-embedding-3-small', input: 'x', customer_credentials: { openai: { api_base: base } } },
      }),
      'customer_credentials.openai.api_base',
    );
    expect(hits).toEqual([]);
  });

  test("a prompt version's load-balance credentials are held to the same rule", async () => {
    const key = await app();
    const admin = await t.key('acme');
    const p = await json(await t.call('POST', '/api/prompts/', { key: admin, body: { name: 'lb' } }));
    const v = await t.call('POST', `/api/prompts/${p.prompt_id}/versions/`, {
      key: admin,
      body: {
        messages: [{ role: 'user', content: 'hi' }],
        model: 'gpt-4o-mini',
        load_balance_models: [{ model: 'gpt-4o-mini', weight: 1, credentials: { api_base: `${base}/v1` } }],
        deploy: true,
      },
    });
    expect(v.status).toBe(201);
    hits.length = 0;
    const r = await t.call('POST', '/api/chat/completions', { key, body: { model: 'gpt-4o-mini', messages: [], prompt: { prompt_id: p.prompt_id } } });
    await expectRefused(r, 'prompt.load_balance_models.0.credentials.api_base');
    expect(hits).toEqual([]);
  });

  test('metadata, loopback spellings and other schemes are refused even with the * wildcard', async () => {
    const key = await app({ security: { allowed_api_bases: ['*:*'] } });
    hits.length = 0;
    for (const [b, says] of [
      ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
      [`http://[::ffff:127.0.0.1]:${port}/`, 'loopback'],
      [`http://2130706433:${port}/`, 'loopback'],
      [`http://0x7f.0.0.1:${port}/`, 'loopback'],
      [`http://0177.0.0.1:${port}/`, 'loopback'],
      [`http://[::1]:${port}/`, 'loopback'],
      [`http://0.0.0.0:${port}/`, 'unspecified'],
      [`http://localhost:${port}/`, 'loopback'],
      ['file:///etc/passwd', "scheme 'file'"],
      [`http://user:pw@127.0.0.1:${port}/`, 'user name or password'],
    ] as const) {
      const r = await t.call('POST', '/api/chat/completions', {
        key,
        body: ask({ customer_credentials: { openai: { api_key: CALLER_KEY, api_base: b } } }),
      });
      expect([b, (await expectRefused(r, 'customer_credentials.openai.api_base')).includes(says)]).toEqual([b, true]);
    }
    expect(hits).toEqual([]);
  });
});

describe('an allowed caller api_base', () => {
  const allowed = (): Partial<Config> => ({ providers: { openai: { api_key: GATEWAY_KEY, allowed_api_bases: [`127.0.0.1:${port}`] } } });

  test("never gets the gateway's configured key: without its own key the call is refused before any request", async () => {
    const key = await app(allowed());
    hits.length = 0;
    const r = await t.call('POST', '/api/chat/completions', { key, body: ask({ customer_credentials: { openai: { api_base: `${base}/json-error/` } } }) });
    expect(r.status).toBe(400);
    expect((await json(r)).error.message).toContain("configured key is never sent to a caller's api_base");
    expect(hits).toEqual([]);
  });

  test("passes on only the upstream's status, never its words, type or code; the span holds no more", async () => {
    const key = await app(allowed());
    for (const [path, status] of [
      ['/json-error/', 500],
      ['/big-error/', 503],
      ['/html/', 502],
      ['/nowhere/', 404],
    ] as const) {
      hits.length = 0;
      const r = await t.call('POST', '/api/chat/completions', {
        key,
        body: ask({ customer_credentials: { openai: { api_key: CALLER_KEY, api_base: `${base}${path}` } } }),
      });
      expect([path, r.status]).toEqual([path, status]);
      const text = await r.text();
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('secret_type');
      expect(text).not.toContain('secret_code');
      expect(hits).toEqual([{ path: `${path}chat/completions`, authorization: `Bearer ${CALLER_KEY}` }]);
    }
    const spans = await t.spans(4);
    expect(spans.length).toBe(4);
    for (const s of spans) expect(JSON.stringify(s)).not.toContain(SECRET);
    expect(spans[0]?.error_message).toContain('at the api_base given in the request');
  });

  test('a redirect is not followed', async () => {
    const key = await app(allowed());
    hits.length = 0;
    const r = await t.call('POST', '/api/chat/completions', {
      key,
      body: ask({ customer_credentials: { openai: { api_key: CALLER_KEY, api_base: `${base}/redirect/` } } }),
    });
    expect(r.status).toBe(502);
    expect(hits.map((h) => h.path)).toEqual(['/redirect/chat/completions']);
  });
});

test("a configured provider's error body is passed on, cut to size", async () => {
  t = await makeTestApp({ providers: { inhouse: { kind: 'openai', api_key: 'sk-inhouse', api_base: `${base}/big-error/` } } });
  const key = await t.key('acme');
  const r = await t.call('POST', '/api/chat/completions', { key, body: ask({ model: 'inhouse/m' }) });
  expect(r.status).toBe(503);
  const message = (await json(r)).error.message as string;
  expect(message.startsWith('xxxx')).toBe(true);
  expect(message.length).toBeLessThanOrEqual(1000);
  const own = await makeTestApp({ providers: { inhouse: { kind: 'openai', api_base: `${base}/json-error/` } } });
  try {
    const k = await own.key('acme');
    const e = await own.call('POST', '/api/chat/completions', { key: k, body: ask({ model: 'inhouse/m' }) });
    expect((await json(e)).error).toMatchObject({ message: `denied: ${SECRET}`, type: 'secret_type', code: 'secret_code' });
  } finally {
    await own.close();
  }
});
