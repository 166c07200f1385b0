import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { json, makeTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(() => t.close());

const INVALID = { detail: 'Your API key is invalid or expired, please check your API key.' };

describe('authentication', () => {
  test('no key answers 401 with the reference body', async () => {
    const r = await t.call('GET', '/api/temporary-keys/');
    expect(r.status).toBe(401);
    expect(await json(r)).toEqual({ detail: 'Authentication credentials were not provided.' });
  });

  test('a wrong secret, a malformed key and an unknown prefix are all 401 invalid', async () => {
    const good = await t.key('acme');
    const [prefix] = good.split('.');
    for (const bad of [`${prefix}.${'x'.repeat(32)}`, 'not-a-key', `zzzzzzzz.${'a'.repeat(32)}`]) {
      const r = await t.call('GET', '/api/temporary-keys/', { key: bad });
      expect(r.status).toBe(401);
      expect(await json(r)).toEqual(INVALID);
    }
  });

  test('the accepted headers all work (X-Api-Key is how the Anthropic SDK sends it)', async () => {
    const key = await t.key('acme');
    for (const headers of <Record<string, string>[]>[
      { authorization: `Bearer ${key}` },
      { authorization: `Api-Key ${key}` },
      { 'x-auth-api-key': key },
      { 'x-api-key': key },
    ]) {
      const r = await t.call('GET', '/api/temporary-keys/', { headers });
      expect(r.status).toBe(200);
    }
  });

  test('a revoked key is refused at once', async () => {
    const key = await t.key('acme');
    const list = await json(await t.call('GET', '/temporary-keys', { key }));
    const id = list.results[0].id;
    const admin = await t.key('acme');
    expect((await t.call('PATCH', `/api/temporary-keys/${id}/`, { key: admin, body: { revoked: true } })).status).toBe(200);
    const r = await t.call('GET', '/api/temporary-keys/', { key });
    expect(r.status).toBe(401);
    expect(await json(r)).toEqual(INVALID);
  });

  test('an expired key is refused', async () => {
    const key = await t.key('acme', 'prod', { expires_at: t.clock.now + 1000 });
    expect((await t.call('GET', '/api/temporary-keys/', { key })).status).toBe(200);
    t.clock.now += 1000;
    expect((await t.call('GET', '/api/temporary-keys/', { key })).status).toBe(401);
  });

  test('max_usage counts requests and then refuses', async () => {
    const key = await t.key('acme', 'prod', { max_usage: 2 });
    expect((await t.call('GET', '/api/temporary-keys/', { key })).status).toBe(200);
    expect((await t.call('GET', '/api/temporary-keys/', { key })).status).toBe(200);
    expect((await t.call('GET', '/api/temporary-keys/', { key })).status).toBe(401);
  });

  test('a key rate limit answers 429 with retry_after', async () => {
    const key = await t.key('acme', 'prod', { rate_limit: 3 });
    for (let i = 0; i < 3; i++) expect((await t.call('GET', '/api/temporary-keys/', { key })).status).toBe(200);
    const r = await t.call('GET', '/api/temporary-keys/', { key });
    expect(r.status).toBe(429);
    const body = await json(r);
    expect(body.detail).toBe('Rate limit exceeded');
    expect(body.retry_after).toBeGreaterThan(0);
    expect(r.headers.get('retry-after')).toBe(String(body.retry_after));
  });
});

describe('organization isolation and environments', () => {
  test('a key of one organization never sees or changes keys of another', async () => {
    const a = await t.key('org-a');
    const b = await t.key('org-b');
    const aKeys = await json(await t.call('GET', '/api/temporary-keys/', { key: a }));
    const bKeys = await json(await t.call('GET', '/api/temporary-keys/', { key: b }));
    expect(aKeys.count).toBe(1);
    expect(bKeys.count).toBe(1);
    const aId = aKeys.results[0].id;
    expect((await t.call('GET', `/api/temporary-keys/${aId}/`, { key: b })).status).toBe(404);
    expect((await t.call('PATCH', `/api/temporary-keys/${aId}/`, { key: b, body: { revoked: true } })).status).toBe(404);
    expect((await t.call('DELETE', `/api/temporary-keys/${aId}/`, { key: b })).status).toBe(404);
    expect((await t.call('GET', '/api/temporary-keys/', { key: a })).status).toBe(200);
  });

  test('keys created over HTTP default to the caller key environment', async () => {
    const testKey = await t.key('acme', 'test');
    const r = await t.call('POST', '/api/temporary-keys/', { key: testKey, body: { name: 'ci' } });
    expect(r.status).toBe(201);
    const created = await json(r);
    expect(created.environment).toBe('test');
    expect(created.is_test).toBe(true);
    expect(created.api_key).toMatch(/^[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}$/);
    const prod = await json(await t.call('POST', '/api/temporary-keys/', { key: testKey, body: { name: 'p', is_test: false } }));
    expect(prod.environment).toBe('prod');
    // The new key works, and the secret is never shown again.
    const list = await json(await t.call('GET', '/api/temporary-keys/', { key: testKey }));
    expect(JSON.stringify(list)).not.toContain(created.api_key.split('.')[1]);
    const own = await t.call('GET', `/api/temporary-keys/${created.id}/`, { key: created.api_key });
    expect(own.status).toBe(200);
    expect(JSON.stringify(await json(own))).not.toContain(created.api_key.split('.')[1]);
  });

  test('only a hash of the key is stored', async () => {
    const key = await t.key('acme');
    const [prefix, secret] = key.split('.') as [string, string];
    const rec = await t.store.keys.findByPrefix(prefix);
    expect(JSON.stringify(rec)).not.toContain(secret);
  });
});

describe('temporary keys API', () => {
  test('create with limits, read, patch and delete', async () => {
    const admin = await t.key('acme');
    const r = await t.call('POST', '/api/temporary-keys/', {
      key: admin,
      body: { name: 'tmp', expiry_date: '2027-01-01T00:00:00Z', max_usage: 10, rate_limit: 60, spending_limit: 5 },
    });
    expect(r.status).toBe(201);
    const k = await json(r);
    expect(k).toMatchObject({ name: 'tmp', expiry_date: '2027-01-01T00:00:00.000Z', max_usage: 10, rate_limit: 60, spending_limit: 5 });
    const got = await json(await t.call('GET', `/api/temporary-keys/${k.id}`, { key: admin }));
    expect(got.api_key).toBeUndefined();
    const patched = await json(await t.call('PATCH', `/temporary-keys/${k.id}/`, { key: admin, body: { rate_limit: null, name: 'renamed' } }));
    expect(patched).toMatchObject({ name: 'renamed', rate_limit: null, max_usage: 10 });
    expect((await t.call('DELETE', `/api/temporary-keys/${k.id}/`, { key: admin })).status).toBe(204);
    expect((await t.call('GET', '/api/temporary-keys/', { key: k.api_key })).status).toBe(401);
  });

  test('invalid fields answer 422 naming the field', async () => {
    const admin = await t.key('acme');
    for (const [body, field] of [
      [{ name: 'x', max_usage: -5 }, 'max_usage'],
      [{ name: 'x', expiry_date: 'tomorrow' }, 'expiry_date'],
      [{ name: 'x', rate_limit: 'fast' }, 'rate_limit'],
      [{}, 'name'],
      [{ name: 'x', unknown_field: 1 }, 'unknown_field'],
    ] as const) {
      const r = await t.call('POST', '/api/temporary-keys/', { key: admin, body });
      expect(r.status).toBe(422);
      const j = await json(r);
      expect(j.detail).toBe('Validation error');
      expect(Object.keys(j.errors)).toContain(field);
    }
  });
});
