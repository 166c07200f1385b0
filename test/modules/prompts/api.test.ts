/** The `/prompts/` REST API through the app. */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { type Json, json, makeTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
let key: string;

beforeEach(async () => {
  t = await makeTestApp();
  key = await t.key('acme');
});
afterEach(() => t.close());

const version = (content: string, extra: Record<string, unknown> = {}) => ({
  messages: [
    { role: 'system', content: 'You are {{persona}}.' },
    { role: 'user', content },
  ],
  model: 'mock/echo',
  ...extra,
});

async function createPrompt(k = key, name = 'support'): Promise<string> {
  const r = await t.call('POST', '/api/prompts/', { key: k, body: { name, description: 'answers tickets' } });
  expect(r.status).toBe(201);
  return (await json(r)).prompt_id;
}

async function addVersion(id: string, body: unknown, k = key): Promise<Json> {
  const r = await t.call('POST', `/api/prompts/${id}/versions/`, { key: k, body });
  expect(r.status).toBe(201);
  return json(r);
}

describe('prompts', () => {
  test('create, list, get, rename, delete', async () => {
    const id = await createPrompt();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const list = await json(await t.call('GET', '/api/prompts/', { key }));
    expect(list.count).toBe(1);
    expect(list.results[0]).toMatchObject({ prompt_id: id, name: 'support', description: 'answers tickets' });
    expect(list.results[0].current_version).toBeNull();
    expect(list.results[0].live_version).toBeNull();

    const patched = await t.call('PATCH', `/api/prompts/${id}/`, { key, body: { name: 'helpdesk' } });
    expect(patched.status).toBe(200);
    expect((await json(patched)).name).toBe('helpdesk');

    // Served without /api and without the trailing slash too.
    expect((await t.call('GET', `/prompts/${id}`, { key })).status).toBe(200);
    expect((await t.call('DELETE', `/api/prompts/${id}/`, { key })).status).toBe(204);
    expect((await t.call('GET', `/api/prompts/${id}/`, { key })).status).toBe(404);
  });

  test('versions are numbered 1, 2, ... and list their variables and parameters', async () => {
    const id = await createPrompt();
    const v1 = await addVersion(id, version('Help with {{ticket}}', { temperature: 0.3, stop: ['END'] }));
    expect(v1).toMatchObject({
      prompt_id: id,
      version: 1,
      variables: ['persona', 'ticket'],
      model: 'mock/echo',
      temperature: 0.3,
      stop: ['END'],
      max_tokens: null,
      is_deployed: false,
      deploy: false,
      editable: true,
      deployed_at: null,
    });
    const full = {
      max_tokens: 100,
      top_p: 0.9,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'auto',
      response_format: { type: 'json_object' },
      fallback_models: ['mock/backup'],
      load_balance_models: [
        { model: 'mock/a', weight: 3 },
        { model: 'mock/b', weight: 1 },
      ],
    };
    const v2 = await addVersion(id, version('json please', full));
    expect(v2.version).toBe(2);
    expect(v2).toMatchObject(full);
    const got = await json(await t.call('GET', `/api/prompts/${id}/versions/2/`, { key }));
    expect(got).toMatchObject({ version: 2, ...full });
    const list = await json(await t.call('GET', `/api/prompts/${id}/versions/`, { key }));
    expect(list.results.map((v: Json) => v.version)).toEqual([1, 2]);
    const detail = await json(await t.call('GET', `/api/prompts/${id}/`, { key }));
    expect(detail.version_count).toBe(2);
    expect(detail.current_version.version).toBe(2);
    expect(detail.versions.map((v: Json) => v.version)).toEqual([1, 2]);
  });

  test('concurrent creates get distinct consecutive numbers', async () => {
    const id = await createPrompt();
    const made = await Promise.all(Array.from({ length: 25 }, (_, i) => addVersion(id, version(`v${i}`))));
    expect(made.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  test('numbers are never reused after a delete', async () => {
    const id = await createPrompt();
    await addVersion(id, version('a'));
    await addVersion(id, version('b'));
    expect((await t.call('DELETE', `/api/prompts/${id}/versions/2/`, { key })).status).toBe(204);
    expect((await addVersion(id, version('c'))).version).toBe(3);
    expect((await t.call('GET', `/api/prompts/${id}/versions/2/`, { key })).status).toBe(404);
  });

  test('deploy: exactly one live version, switched by PATCH {"deploy": true}', async () => {
    const id = await createPrompt();
    await addVersion(id, version('a', { deploy: true }));
    await addVersion(id, version('b'));
    let detail = await json(await t.call('GET', `/api/prompts/${id}/`, { key }));
    expect(detail.live_version.version).toBe(1);
    expect(detail.current_version.version).toBe(2);

    const r = await t.call('PATCH', `/api/prompts/${id}/versions/2/`, { key, body: { deploy: true } });
    expect(r.status).toBe(200);
    expect((await json(r)).is_deployed).toBe(true);
    detail = await json(await t.call('GET', `/api/prompts/${id}/`, { key }));
    expect(detail.live_version.version).toBe(2);
    expect(detail.versions.filter((v: Json) => v.is_deployed).map((v: Json) => v.version)).toEqual([2]);
    // Version 1 was live once: still frozen, no longer live.
    expect(detail.versions[0]).toMatchObject({ is_deployed: false, editable: false });

    // Deploying the live version again is harmless.
    expect((await t.call('PATCH', `/api/prompts/${id}/versions/2/`, { key, body: { deploy: true } })).status).toBe(200);
  });

  test('a deployed version is immutable; a draft can be edited, then deployed in the same PATCH', async () => {
    const id = await createPrompt();
    await addVersion(id, version('a', { deploy: true }));
    const refused = await t.call('PATCH', `/api/prompts/${id}/versions/1/`, {
      key,
      body: { temperature: 1, messages: [{ role: 'user', content: 'changed' }] },
    });
    expect(refused.status).toBe(400);
    const body = await json(refused);
    expect(body.error).toBe('Cannot update immutable field');
    expect(body.detail).toContain('has been deployed and cannot be edited');
    expect(body.fields).toEqual(['temperature', 'messages']);
    const still = await json(await t.call('GET', `/api/prompts/${id}/versions/1/`, { key }));
    expect(still.messages[1].content).toBe('a');

    await addVersion(id, version('b'));
    const edited = await t.call('PATCH', `/api/prompts/${id}/versions/2/`, {
      key,
      body: { messages: [{ role: 'user', content: 'Hi {{name}}' }], temperature: null, max_tokens: 5, deploy: true },
    });
    expect(edited.status).toBe(200);
    expect(await json(edited)).toMatchObject({
      version: 2,
      variables: ['name'],
      temperature: null,
      max_tokens: 5,
      is_deployed: true,
      editable: false,
    });
  });

  test('the live version cannot be deleted or undeployed; others can', async () => {
    const id = await createPrompt();
    await addVersion(id, version('a', { deploy: true }));
    await addVersion(id, version('b'));
    const del = await t.call('DELETE', `/api/prompts/${id}/versions/1/`, { key });
    expect(del.status).toBe(400);
    expect((await json(del)).detail).toContain('is the live version');
    const undeploy = await t.call('PATCH', `/api/prompts/${id}/versions/1/`, { key, body: { deploy: false } });
    expect(undeploy.status).toBe(400);
    // deploy: false on a version that is not live changes nothing.
    expect((await t.call('PATCH', `/api/prompts/${id}/versions/2/`, { key, body: { deploy: false } })).status).toBe(200);
    expect((await t.call('DELETE', `/api/prompts/${id}/versions/2/`, { key })).status).toBe(204);
    // Deleting the whole prompt takes the live version with it.
    expect((await t.call('DELETE', `/api/prompts/${id}/`, { key })).status).toBe(204);
  });

  test('validation: clear 422s naming the field', async () => {
    const id = await createPrompt();
    const cases: [unknown, string][] = [
      [{ model: 'mock/echo' }, 'messages'],
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ ...version('x'), temprature: 1 }, 'temprature'],
      [{ ...version('x'), temperature: 3 }, 'temperature'],
      [{ ...version('Hi {{first name}}') }, 'messages.1.content'],
      [{ ...version('x'), load_balance_models: [{ model: 'a', weight: 0 }] }, 'load_balance_models'],
      [{ messages: [], model: 'm' }, 'messages'],
    ];
    for (const [body, field] of cases) {
      const r = await t.call('POST', `/api/prompts/${id}/versions/`, { key, body });
      expect(r.status).toBe(422);
      const errors = (await json(r)).errors;
      expect(Object.keys(errors).some((k) => k.startsWith(field))).toBe(true);
    }
    const bad = await t.call('GET', `/api/prompts/${id}/versions/first/`, { key });
    expect(bad.status).toBe(422);
    expect((await json(bad)).errors.version).toBeDefined();
    // Nothing above used up a version number.
    expect((await addVersion(id, version('ok'))).version).toBe(1);
  });

  test('unknown prompt and version are 404s', async () => {
    expect((await t.call('GET', '/api/prompts/nope/', { key })).status).toBe(404);
    expect((await t.call('GET', '/api/prompts/nope/versions/', { key })).status).toBe(404);
    expect((await t.call('POST', '/api/prompts/nope/versions/', { key, body: version('x') })).status).toBe(404);
    const id = await createPrompt();
    const r = await t.call('GET', `/api/prompts/${id}/versions/4/`, { key });
    expect(r.status).toBe(404);
    expect((await json(r)).detail).toBe(`Version 4 of prompt ${id} not found`);
  });

  test('authentication is required', async () => {
    expect((await t.call('GET', '/api/prompts/')).status).toBe(401);
  });
});

describe('organization isolation', () => {
  test("another organization's key sees nothing and can change nothing", async () => {
    const id = await createPrompt();
    await addVersion(id, version('a', { deploy: true }));
    await addVersion(id, version('b'));
    const intruder = await t.key('globex');
    expect((await json(await t.call('GET', '/api/prompts/', { key: intruder }))).count).toBe(0);
    const attempts: [string, string, unknown?][] = [
      ['GET', `/api/prompts/${id}/`],
      ['PATCH', `/api/prompts/${id}/`, { name: 'mine' }],
      ['GET', `/api/prompts/${id}/versions/`],
      ['POST', `/api/prompts/${id}/versions/`, version('c')],
      ['GET', `/api/prompts/${id}/versions/1/`],
      ['PATCH', `/api/prompts/${id}/versions/2/`, { deploy: true }],
      ['PATCH', `/api/prompts/${id}/versions/2/`, { temperature: 1 }],
      ['DELETE', `/api/prompts/${id}/versions/2/`],
      ['DELETE', `/api/prompts/${id}/`],
    ];
    for (const [method, path, body] of attempts) {
      const r = await t.call(method, path, { key: intruder, body });
      expect([method, path, r.status]).toEqual([method, path, 404]);
    }
    const detail = await json(await t.call('GET', `/api/prompts/${id}/`, { key }));
    expect(detail).toMatchObject({ name: 'support', version_count: 2 });
    expect(detail.live_version.version).toBe(1);
    expect(detail.versions[1].temperature).toBeNull();
  });

  test('a key of the same organization in the other environment shares its prompts', async () => {
    const id = await createPrompt();
    const testKey = await t.key('acme', 'test');
    expect((await t.call('GET', `/api/prompts/${id}/`, { key: testKey })).status).toBe(200);
  });
});
