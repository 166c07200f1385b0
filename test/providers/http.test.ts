import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../src/errors.ts';
import { eventJson, parseErrorBody, parseRetryAfter, postJson, redact, type UpstreamCall } from '../../src/providers/shared/http.ts';
import type { CallContext } from '../../src/providers/types.ts';

const KEY = 'sk-live-abcdefghijklmnop';

function call(fetchImpl: (input: string | URL | Request, init?: RequestInit) => Promise<Response>, signal = new AbortController().signal): UpstreamCall {
  const ctx: CallContext = {
    model: 'm',
    credentials: { api_key: KEY },
    callerCredentials: false,
    signal,
    fetch: Object.assign(fetchImpl, { preconnect: () => undefined }) as typeof fetch,
  };
  return { provider: 'p', ctx, url: 'http://127.0.0.1:1/x', headers: { authorization: `Bearer ${KEY}` }, body: { a: 1 } };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected failure');
}

describe('eventJson', () => {
  test("a stream event's JSON, or a retryable 502 naming the bad data", () => {
    const c = call(async () => new Response(''));
    expect(eventJson(c, { event: 'message', data: '{"a":1}' })).toEqual({ a: 1 });
    const err = (() => {
      try {
        eventJson(c, { event: 'message', data: '{"a":' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).status).toBe(502);
    expect((err as UpstreamError).retryable).toBe(true);
    expect((err as UpstreamError).message).toContain('invalid JSON in stream: {"a":');
  });
});

describe('parseRetryAfter', () => {
  const h = (o: Record<string, string>) => new Headers(o);
  test('seconds, fractional seconds, HTTP-date, retry-after-ms, junk', () => {
    expect(parseRetryAfter(h({ 'retry-after': '3' }))).toBe(3000);
    expect(parseRetryAfter(h({ 'retry-after': '0.5' }))).toBe(500);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter(h({ 'retry-after': 'Wed, 21 Oct 2015 07:28:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfter(h({ 'retry-after': 'Wed, 21 Oct 2015 07:27:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfter(h({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(parseRetryAfter(h({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(h({}))).toBeUndefined();
  });
});

describe('parseErrorBody', () => {
  test('OpenAI, Anthropic, Gemini and loose shapes', () => {
    expect(parseErrorBody({ error: { message: 'bad', type: 'invalid_request_error', code: 'x', param: 'temperature' } })).toEqual({
      message: 'bad',
      type: 'invalid_request_error',
      code: 'x',
      param: 'temperature',
    });
    expect(parseErrorBody({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).toEqual({ message: 'Overloaded', type: 'overloaded_error' });
    expect(parseErrorBody({ error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED' } })).toEqual({ message: 'quota', code: 'RESOURCE_EXHAUSTED' });
    expect(parseErrorBody({ error: 'plain' })).toEqual({ message: 'plain' });
    expect(parseErrorBody({ detail: 'Not Found' })).toEqual({ message: 'Not Found' });
    expect(parseErrorBody('nope')).toEqual({});
  });
});

describe('redact', () => {
  test('removes the credential and key-shaped strings', () => {
    expect(redact(`bad key ${KEY}!`, [KEY])).toBe('bad key [REDACTED]!');
    expect(redact('key sk-ant-api03-abcdefgh and AIzaSyA1234567890abcdefghijk')).toBe('key [REDACTED] and [REDACTED]');
    expect(redact('Authorization: Bearer abcdefghijkl')).toBe('Authorization: [REDACTED]');
    expect(redact('custom secret hunter2xyz', ['hunter2xyz'])).toBe('custom secret [REDACTED]');
  });
});

describe('postJson', () => {
  test('sends JSON with headers and signal', async () => {
    let seen: RequestInit | undefined;
    const c = call(async (_u, init) => {
      seen = init;
      return new Response('{}');
    });
    await postJson(c);
    expect(seen?.method).toBe('POST');
    expect(seen?.body).toBe('{"a":1}');
    expect(new Headers(seen?.headers).get('content-type')).toBe('application/json');
    expect(seen?.signal).toBe(c.ctx.signal);
  });

  test('non-JSON error body becomes the message; credential in it is redacted', async () => {
    const e = await failure(postJson(call(async () => new Response(`upstream exploded with ${KEY}`, { status: 502, statusText: 'Bad Gateway' }))));
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).message).toBe('upstream exploded with [REDACTED]');
    expect((e as UpstreamError).upstreamStatus).toBe(502);
  });

  test('empty error body falls back to the status line', async () => {
    const e = await failure(postJson(call(async () => new Response('', { status: 503, statusText: 'Service Unavailable' }))));
    expect((e as UpstreamError).message).toBe('HTTP 503 Service Unavailable');
  });

  test('network failure -> status 0 with redacted message', async () => {
    const e = await failure(postJson(call(async () => Promise.reject(new TypeError(`connect failed for ${KEY}`)))));
    expect((e as UpstreamError).upstreamStatus).toBe(0);
    expect((e as UpstreamError).status).toBe(502);
    expect((e as UpstreamError).retryable).toBe(true);
    expect((e as UpstreamError).message).not.toContain(KEY);
  });

  test('abort rethrows the signal reason, not an UpstreamError', async () => {
    const ac = new AbortController();
    const reason = new Error('timeout');
    ac.abort(reason);
    const e = await failure(postJson(call(async () => Promise.reject(new DOMException('aborted', 'AbortError')), ac.signal)));
    expect(e).toBe(reason);
  });
});
