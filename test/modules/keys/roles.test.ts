import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(() => t.close());

const KEYS = '/api/temporary-keys/';

async function createKey(admin: string, body: Record<string, unknown>) {
  const r = await t.call('POST', KEYS, { key: admin, body: { name: 'k', ...body } });
  expect(r.status).toBe(201);
  return json(r) as Promise<{ id: string; api_key: string; role: string }>;
}

async function expectForbidden(r: Response, says: string | RegExp) {
  expect(r.status).toBe(403);
  const body = await json(r);
  // The management API's {"detail"}, or OpenAI's {"error"} on the proxy routes.
  const message: unknown = body.detail ?? body.error?.message;
  expect(typeof message).toBe('string');
  if (typeof says === 'string') expect(message).toContain(says);
  else expect(message).toMatch(says);
}

describe('issue 17 item 6: a limited temporary key cannot take over the organization', () => {
  test('it cannot lift its own limits, create a key, list keys or revoke another key', async () => {
    const admin = await t.key('acme');
    const other = await createKey(admin, { name: 'other' });
    const limited = await createKey(admin, { name: 'ci', spending_limit: 0.00001, max_usage: 5 });
    expect(limited.role).toBe('member');
    const key = limited.api_key;

    await expectForbidden(
      await t.call('PATCH', `${KEYS}${limited.id}/`, { key, body: { spending_limit: null, max_usage: -1 } }),
      'cannot change its own',
    );
    await expectForbidden(await t.call('POST', KEYS, { key, body: { name: 'free' } }), "role 'admin'");
    await expectForbidden(await t.call('GET', KEYS, { key }), "role 'admin'");
    await expectForbidden(await t.call('PATCH', `${KEYS}${other.id}/`, { key, body: { revoked: true } }), "another key's record");

    // Nothing changed: the limits hold, the other key works, no key was added.
    const rec = await t.store.keys.get((await t.store.orgs.getByName('acme'))!.id, limited.id);
    expect(rec).toMatchObject({ spending_limit: 0.00001, max_usage: 5, role: 'member' });
    expect((await t.call('GET', `${KEYS}${other.id}/`, { key: other.api_key })).status).toBe(200);
    expect((await json(await t.call('GET', KEYS, { key: admin }))).count).toBe(3);
  });
});

describe('roles of new keys', () => {
  test('keys created over HTTP are member unless an admin asks for admin', async () => {
    const admin = await t.key('acme');
    expect((await createKey(admin, {})).role).toBe('member');
    expect((await createKey(admin, { role: 'read_only' })).role).toBe('read_only');
    const second = await createKey(admin, { role: 'admin' });
    expect(second.role).toBe('admin');
    // The new admin key manages keys.
    expect((await t.call('GET', KEYS, { key: second.api_key })).status).toBe(200);
  });

  test('only admin keys create keys: a member cannot create even a read_only key', async () => {
    const member = await t.key('acme', 'prod', { role: 'member' });
    const ro = await t.key('acme', 'prod', { role: 'read_only' });
    for (const key of [member, ro]) {
      await expectForbidden(await t.call('POST', KEYS, { key, body: { name: 'x', role: 'read_only' } }), 'Creating keys');
    }
  });

  test('an unknown role is a 422 naming the field', async () => {
    const admin = await t.key('acme');
    const r = await t.call('POST', KEYS, { key: admin, body: { name: 'x', role: 'owner' } });
    expect(r.status).toBe(422);
    expect(Object.keys((await json(r)).errors)).toContain('role');
  });
});

describe('no key changes its own limits or role', () => {
  test('an admin cannot change its own role, limits or expiry, but may rename or revoke itself', async () => {
    const admin = await t.key('acme', 'prod', { spending_limit: 5 });
    const id = (await json(await t.call('GET', KEYS, { key: admin }))).results[0].id;
    for (const body of [
      { role: 'member' },
      { spending_limit: 50 },
      { spending_limit: 1 },
      { max_usage: 10 },
      { rate_limit: 100 },
      { expiry_date: '2030-01-01T00:00:00Z' },
    ]) {
      await expectForbidden(await t.call('PATCH', `${KEYS}${id}/`, { key: admin, body }), 'cannot change its own');
    }
    const renamed = await t.call('PATCH', `${KEYS}${id}/`, { key: admin, body: { name: 'renamed' } });
    expect(renamed.status).toBe(200);
    expect((await json(renamed)).spending_limit).toBe(5);
    expect((await t.call('PATCH', `${KEYS}${id}/`, { key: admin, body: { revoked: true } })).status).toBe(200);
    expect((await t.call('GET', KEYS, { key: admin })).status).toBe(401);
  });

  test('a member may read, rename and delete its own record', async () => {
    const admin = await t.key('acme');
    const m = await createKey(admin, { rate_limit: 10 });
    expect((await t.call('GET', `${KEYS}${m.id}/`, { key: m.api_key })).status).toBe(200);
    // Without knowing its id, too; any role.
    const me = await t.call('GET', `${KEYS}me/`, { key: m.api_key });
    expect(await json(me)).toMatchObject({ id: m.id, role: 'member' });
    const ro = await createKey(admin, { role: 'read_only' });
    expect((await json(await t.call('GET', `${KEYS}me`, { key: ro.api_key }))).id).toBe(ro.id);
    expect((await t.call('PATCH', `${KEYS}${m.id}/`, { key: m.api_key, body: { name: 'mine' } })).status).toBe(200);
    await expectForbidden(await t.call('PATCH', `${KEYS}${m.id}/`, { key: m.api_key, body: { role: 'admin' } }), 'own role');
    await expectForbidden(await t.call('PATCH', `${KEYS}${m.id}/`, { key: m.api_key, body: { rate_limit: null } }), 'own rate_limit');
    expect((await t.call('DELETE', `${KEYS}${m.id}/`, { key: m.api_key })).status).toBe(204);
    expect((await t.call('GET', `${KEYS}${m.id}/`, { key: m.api_key })).status).toBe(401);
  });
});

describe('no key grants more than its own', () => {
  test('a limited admin cannot create a key with looser limits, one limit at a time', async () => {
    const expiry = Date.parse('2027-01-01T00:00:00Z');
    const admin = await t.key('acme', 'prod', { spending_limit: 5, max_usage: 100, rate_limit: 60, expires_at: expiry });
    const within = { spending_limit: 5, max_usage: 100, rate_limit: 60, expiry_date: '2027-01-01T00:00:00Z' };
    const cases: [Record<string, unknown>, string][] = [
      [{ spending_limit: 6 }, 'spending_limit 6 USD is looser than'],
      [{ spending_limit: null }, 'no spending_limit is looser'],
      [{ max_usage: 101 }, 'max_usage 101'],
      [{ max_usage: -1 }, 'unlimited max_usage'],
      [{ rate_limit: 61 }, 'rate_limit 61/min'],
      [{ rate_limit: null }, 'no rate_limit'],
      [{ expiry_date: '2027-01-02T00:00:00Z' }, 'expiry 2027-01-02'],
      [{ expiry_date: null }, 'no expiry'],
    ];
    for (const [loose, says] of cases) {
      await expectForbidden(await t.call('POST', KEYS, { key: admin, body: { name: 'x', ...within, ...loose } }), says);
    }
    // Omitting a limit asks for none, which is looser too.
    const { spending_limit: _s, ...noSpend } = within;
    await expectForbidden(await t.call('POST', KEYS, { key: admin, body: { name: 'x', ...noSpend } }), 'spending_limit');
    const ok = await t.call('POST', KEYS, { key: admin, body: { name: 'x', ...within, spending_limit: 1, max_usage: 0 } });
    expect(ok.status).toBe(201);
  });

  test('a limited admin cannot loosen another key beyond its own limits, but may tighten it', async () => {
    const admin = await t.key('acme', 'prod', { spending_limit: 5 });
    const m = await createKey(admin, { spending_limit: 2 });
    await expectForbidden(await t.call('PATCH', `${KEYS}${m.id}/`, { key: admin, body: { spending_limit: null } }), 'looser');
    await expectForbidden(await t.call('PATCH', `${KEYS}${m.id}/`, { key: admin, body: { spending_limit: 9 } }), 'looser');
    const tight = await t.call('PATCH', `${KEYS}${m.id}/`, { key: admin, body: { spending_limit: 1, role: 'read_only' } });
    expect(tight.status).toBe(200);
    expect(await json(tight)).toMatchObject({ spending_limit: 1, role: 'read_only' });
  });

  test('an unlimited admin may grant any limits and any role', async () => {
    const admin = await t.key('acme');
    const m = await createKey(admin, { spending_limit: 1 });
    const r = await t.call('PATCH', `${KEYS}${m.id}/`, { key: admin, body: { spending_limit: null, role: 'admin' } });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ spending_limit: null, role: 'admin' });
  });
});

describe("only an admin reads, lists, changes or revokes another key's record", () => {
  test('members and read_only keys get 403 on every other key; admins succeed', async () => {
    const admin = await t.key('acme');
    const target = await createKey(admin, { name: 'target' });
    for (const role of ['member', 'read_only'] as const) {
      const k = await createKey(admin, { role });
      const key = k.api_key;
      await expectForbidden(await t.call('GET', KEYS, { key }), 'Listing keys');
      await expectForbidden(await t.call('GET', `${KEYS}${target.id}/`, { key }), "Reading another key's record");
      await expectForbidden(await t.call('PATCH', `${KEYS}${target.id}/`, { key, body: { name: 'x' } }), "Changing another key's record");
      await expectForbidden(await t.call('PATCH', `${KEYS}${target.id}/`, { key, body: { revoked: true } }), "Changing another key's record");
      await expectForbidden(await t.call('DELETE', `${KEYS}${target.id}/`, { key }), "Deleting another key's record");
    }
    expect((await t.call('GET', `${KEYS}${target.id}/`, { key: admin })).status).toBe(200);
    expect((await t.call('PATCH', `${KEYS}${target.id}/`, { key: admin, body: { revoked: true } })).status).toBe(200);
    expect((await t.call('DELETE', `${KEYS}${target.id}/`, { key: admin })).status).toBe(204);
  });
});

describe('what each role may do', () => {
  const chat = { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] };
  const log = { model: 'gpt-4o', prompt_messages: [{ role: 'user', content: 'hi' }], completion_message: { role: 'assistant', content: 'yo' } };

  test('read_only reads data and nothing else', async () => {
    const key = await t.key('acme', 'prod', { role: 'read_only' });
    for (const [method, path, body] of [
      ['GET', '/api/request-logs/list/'],
      ['POST', '/api/request-logs/list/', {}],
      ['POST', '/api/request-logs/summary/', {}],
      ['GET', '/api/traces/list/'],
      ['POST', '/api/traces/list', {}],
      ['POST', '/api/log_threads/', {}],
      ['GET', '/api/users/'],
      ['POST', '/api/users/list/', {}],
      ['GET', '/api/prompts/'],
      ['GET', '/api/models/'],
    ] as [string, string, unknown?][]) {
      expect([method, path, (await t.call(method, path, { key, body })).status]).toEqual([method, path, 200]);
    }
    await expectForbidden(await t.call('POST', '/api/chat/completions', { key, body: chat }), "POST /api/chat/completions needs an API key with role 'member'; this key's role is 'read_only'");
    await expectForbidden(await t.call('POST', '/api/request-logs/create/', { key, body: log }), "role 'member'");
    await expectForbidden(await t.call('POST', '/api/embeddings', { key, body: { model: 'mock/embed', input: 'x' } }), "role 'member'");
    await expectForbidden(await t.call('POST', '/api/responses', { key, body: { model: 'mock/echo', input: 'hi' } }), "role 'member'");
    await expectForbidden(
      await t.call('POST', '/anthropic/v1/messages', { key, body: { model: 'mock/echo', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } }),
      "role 'member'",
    );
  });

  test('member calls the gateway and ingests, but does not manage or delete', async () => {
    const admin = await t.key('acme');
    const key = await t.key('acme', 'prod', { role: 'member' });
    expect((await t.call('POST', '/api/chat/completions', { key, body: chat })).status).toBe(200);
    const created = await t.call('POST', '/api/request-logs/create/', { key, body: log });
    expect(created.status).toBeLessThan(300);
    const id = (await json(created)).unique_id as string;
    await t.writer.flush();
    expect((await t.call('PATCH', `/api/request-logs/${id}/`, { key, body: { metadata: { reviewed: true } } })).status).toBe(200);
    await expectForbidden(await t.call('DELETE', `/api/request-logs/${id}/`, { key }), "role 'admin'");
    await expectForbidden(await t.call('DELETE', '/api/traces/some-trace/', { key }), "role 'admin'");
    await expectForbidden(await t.call('POST', '/api/prompts/', { key, body: { name: 'p' } }), "role 'admin'");
    await expectForbidden(await t.call('POST', '/api/models/', { key, body: { model_name: 'm', provider_id: 'mock', input_cost: 1, output_cost: 1 } }), "role 'admin'");
    await expectForbidden(await t.call('PATCH', '/api/users/cust/', { key, body: { period_budget: 100 } }), "role 'admin'");
    await expectForbidden(await t.call('DELETE', '/api/users/cust/', { key }), "role 'admin'");
    // The admin can do all of it.
    expect((await t.call('DELETE', `/api/request-logs/${id}/`, { key: admin })).status).toBe(204);
    expect((await t.call('POST', '/api/prompts/', { key: admin, body: { name: 'p' } })).status).toBe(201);
  });

  test('on the proxy routes the 403 comes in the OpenAI error shape', async () => {
    const key = await t.key('acme', 'prod', { role: 'read_only' });
    const r = await t.call('POST', '/api/chat/completions', { key, body: chat });
    expect(r.status).toBe(403);
    const body = await json(r);
    expect(body.error).toMatchObject({ type: 'permission_error', code: 'forbidden' });
    expect(body.error.message).toContain("role 'member'");
  });
});
