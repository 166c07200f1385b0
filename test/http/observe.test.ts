/** Request ids on every response and on the proxy's spans; one access log line per request, in both formats. */
import { afterEach, describe, expect, test } from 'bun:test';
import type { AppDeps } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import { RequestObserver } from '../../src/http/observe.ts';
import { currentRequest } from '../../src/http/request-context.ts';
import { createLogger, type LogFormat } from '../../src/lib/log.ts';
import { json } from '../helpers/app.ts';
import { type Gateway, gateway } from '../modules/chat/fixtures.ts';

let g: Gateway;
afterEach(() => g.t.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const messages = [{ role: 'user', content: 'hello there' }];

/** A gateway whose access log lines (and any other log line) are kept. */
async function logged(format: LogFormat, over: Partial<Config> = {}, deps: Partial<AppDeps> = {}): Promise<string[]> {
  const lines: string[] = [];
  const log = createLogger('info', {
    format,
    write: (l) => lines.push(l),
    context: () => {
      const r = currentRequest();
      return r ? { request_id: r.id } : undefined;
    },
  });
  g = await gateway(over, { log, observer: new RequestObserver({ metrics: null, log, accessLog: true }), ...deps });
  return lines;
}

describe('x-request-id', () => {
  test("the caller's id is kept when sane; otherwise, or when absent, a new one", async () => {
    g = await gateway();
    const id = async (header?: string) => {
      const r = await g.t.call('GET', '/health', header === undefined ? {} : { headers: { 'x-request-id': header } });
      return r.headers.get('x-request-id');
    };
    expect(await id('trace-0af7651916cd43dd8448eb211c80319c')).toBe('trace-0af7651916cd43dd8448eb211c80319c');
    expect(await id('01J9Z3K6Q2:abc/def+g=')).toBe('01J9Z3K6Q2:abc/def+g=');
    expect(await id()).toMatch(UUID);
    expect(await id('has spaces')).toMatch(UUID);
    expect(await id('<script>')).toMatch(UUID);
    expect(await id('x'.repeat(129))).toMatch(UUID);
    expect(await id('')).toMatch(UUID);
    const a = await id();
    expect(await id()).not.toBe(a);
  });

  test('errors and unknown routes carry it too', async () => {
    g = await gateway();
    const headers = { 'x-request-id': 'req-42' };
    expect((await g.t.call('GET', '/no/such/route', { headers })).headers.get('x-request-id')).toBe('req-42');
    const bad = await g.t.call('POST', '/api/chat/completions', { key: g.key, raw: '{nope', headers: { ...headers, 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-request-id')).toBe('req-42');
    expect((await g.t.call('GET', '/api/request-logs/list/', { headers })).headers.get('x-request-id')).toBe('req-42');
  });

  test('the proxy span records it, and the log detail shows it', async () => {
    g = await gateway();
    const r = await g.t.call('POST', '/api/chat/completions', { key: g.key, body: { model: 'mock/echo', messages }, headers: { 'x-request-id': 'call-1' } });
    expect(r.status).toBe(200);
    const s = await g.t.call('POST', '/api/chat/completions', { key: g.key, body: { model: 'mock/echo', messages, stream: true } });
    const streamId = s.headers.get('x-request-id');
    await s.text();
    const spans = await g.t.spans(2);
    expect(spans.map((x) => x.extra.request_id)).toEqual(['call-1', streamId]);
    const detail = await json(await g.t.call('GET', `/api/request-logs/${spans[0]!.unique_id}/`, { key: g.key }));
    expect(detail.request_id).toBe('call-1');
  });
});

describe('access log', () => {
  test('text: one line per request with method, path, status, then request id, route, latency, org, model', async () => {
    const lines = await logged('text');
    await g.t.call('POST', '/api/chat/completions', { key: g.key, body: { model: 'mock/echo', messages }, headers: { 'x-request-id': 'r1' } });
    await g.t.call('GET', '/health');
    expect(lines).toHaveLength(2);
    const [call, health] = lines as [string, string];
    expect(call).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO POST \/api\/chat\/completions 200 \{.*\}\n$/);
    const fields = JSON.parse(call.slice(call.indexOf('{')));
    expect(fields).toMatchObject({ request_id: 'r1', method: 'POST', route: '/chat/completions', status: 200, model: 'mock/echo' });
    expect(fields.org).toStartWith('org_');
    expect(fields.latency_ms).toBeGreaterThan(0);
    expect(health).toContain('INFO GET /health 200');
  });

  test('json: one object per line with time, level, message and the request fields', async () => {
    const lines = await logged('json');
    await g.t.call('POST', '/api/chat/completions', { key: g.key, body: { model: 'mock/echo', messages } });
    await g.t.call('POST', '/api/chat/completions', { key: g.key, body: { model: 'mock/echo' } });
    await g.t.call('GET', '/no/such/route');
    const rows = lines.map((l) => JSON.parse(l));
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(rows.map((r) => [r.level, r.message, r.status, r.route])).toEqual([
      ['info', 'POST /api/chat/completions 200', 200, '/chat/completions'],
      ['info', 'POST /api/chat/completions 422', 422, '/chat/completions'],
      ['info', 'GET /no/such/route 404', 404, null],
    ]);
    expect(Date.parse(rows[0].time)).toBeGreaterThan(0);
    expect(rows[0].request_id).toMatch(UUID);
    expect(rows[0].model).toBe('mock/echo');
    expect(rows[1].model).toBeUndefined();
  });

  test('a stream is logged at its end, with its whole duration and its model', async () => {
    const lines = await logged('json');
    g.fakes.mock.chunkDelayMs = 30;
    const r = await g.t.call('POST', '/api/chat/completions', { key: g.key, body: { model: 'mock/echo', messages, stream: true } });
    expect(r.status).toBe(200);
    expect(lines).toHaveLength(0);
    await r.text();
    await g.t.spans(1);
    expect(lines).toHaveLength(1);
    const row = JSON.parse(lines[0]!);
    expect(row).toMatchObject({ message: 'POST /api/chat/completions 200', model: 'mock/echo', status: 200 });
    // "hello there" arrives as two chunks 30 ms apart, after a first wait of 30 ms.
    expect(row.latency_ms).toBeGreaterThanOrEqual(55);
  });

  test('lines logged while serving a request carry its id', async () => {
    const failing = {
      async admit(): Promise<never> {
        throw new Error('gate exploded');
      },
    };
    const lines = await logged('json', {}, { gate: failing });
    const r = await g.t.call('POST', '/api/chat/completions', {
      key: g.key,
      body: { model: 'mock/echo', messages, customer_identifier: 'c1' },
      headers: { 'x-request-id': 'boom-1' },
    });
    expect(r.status).toBe(500);
    const rows = lines.map((l) => JSON.parse(l));
    expect(rows.find((x) => x.level === 'error')).toMatchObject({ request_id: 'boom-1', message: 'proxy call failed' });
    expect(rows.at(-1)).toMatchObject({ request_id: 'boom-1', status: 500 });
  });
});
