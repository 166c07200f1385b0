import { afterEach, describe, expect, test } from 'bun:test';
import { json } from '../../helpers/app.ts';
import { type Gateway, gateway } from '../chat/fixtures.ts';

let g: Gateway;
afterEach(() => g.t.close());

describe('GET /api/models/public', () => {
  test('no auth; models with provider, context window and per-1M prices', async () => {
    g = await gateway({ models: [{ model_name: 'house-model', provider_id: 'mock', input_cost: 5, output_cost: 7 }] });
    const r = await g.t.call('GET', '/api/models/public');
    expect(r.status).toBe(200);
    const { models } = await json(r);
    const mini = models.find((m: { model_name: string }) => m.model_name === 'gpt-4o-mini');
    expect(mini.provider).toEqual({ provider_name: 'OpenAI', provider_id: 'openai' });
    expect(mini.input_cost).toBe(0.15);
    expect(mini.output_cost).toBe(0.6);
    expect(mini.max_context_window).toBe(128000);
    // The config file's models are listed too.
    expect(models.find((m: { model_name: string }) => m.model_name === 'house-model').input_cost).toBe(5);
  });
});

describe('custom models /api/models/', () => {
  test('create, route and price by it, patch, delete; other orgs do not see it', async () => {
    g = await gateway();
    const body = { model_name: 'team/fast', base_model_name: 'echo', provider_id: 'mock', input_cost: 10, output_cost: 20 };
    const created = await g.t.call('POST', '/api/models/', { key: g.key, body });
    expect(created.status).toBe(201);
    expect((await json(created)).model_name).toBe('team/fast');

    const chat = await g.t.call('POST', '/api/chat/completions', {
      key: g.key,
      body: { model: 'team/fast', messages: [{ role: 'user', content: 'Hello there' }] },
    });
    expect(chat.status).toBe(200);
    // Routed to the mock provider under the base model's name.
    expect(g.fakes.mock.calls[0]!.model).toBe('echo');
    const [s] = await g.t.spans();
    // 2 prompt + 3 completion tokens (the fake counts words) at $10 / $20 per 1M.
    expect(s!.cost).toBeCloseTo((2 * 10 + 3 * 20) / 1e6, 15);

    const one = await g.t.call('GET', '/api/models/team/fast/', { key: g.key });
    expect((await json(one)).input_cost).toBe(10);
    const patched = await g.t.call('PATCH', '/api/models/team%2Ffast', { key: g.key, body: { input_cost: 1 } });
    expect((await json(patched)).input_cost).toBe(1);
    await g.t.call('POST', '/api/chat/completions', {
      key: g.key,
      body: { model: 'team/fast', messages: [{ role: 'user', content: 'Hello there' }] },
    });
    const spans = await g.t.spans(2);
    // The change is visible to routing at once.
    expect(spans[1]!.cost).toBeCloseTo((2 * 1 + 3 * 20) / 1e6, 15);

    const other = await g.t.key('other');
    expect((await json(await g.t.call('GET', '/api/models/', { key: other }))).count).toBe(0);
    const list = await json(await g.t.call('GET', '/api/models/', { key: g.key }));
    expect(list.results.map((m: { model_name: string }) => m.model_name)).toEqual(['team/fast']);

    expect((await g.t.call('DELETE', '/api/models/team/fast/', { key: g.key })).status).toBe(204);
    const gone = await g.t.call('POST', '/api/chat/completions', {
      key: g.key,
      body: { model: 'team/fast', messages: [{ role: 'user', content: 'x' }] },
    });
    expect(gone.status).toBe(404);
  });

  test('validation: unknown provider 422, duplicate 400, unknown field 422, missing 404, auth 401', async () => {
    g = await gateway();
    const bad = await g.t.call('POST', '/api/models/', { key: g.key, body: { model_name: 'x', provider_id: 'nope' } });
    expect(bad.status).toBe(422);
    expect((await json(bad)).errors.provider_id[0]).toContain('nope');
    const body = { model_name: 'x', provider_id: 'mock' };
    expect((await g.t.call('POST', '/api/models/', { key: g.key, body })).status).toBe(201);
    expect((await g.t.call('POST', '/api/models/', { key: g.key, body })).status).toBe(400);
    expect((await g.t.call('PATCH', '/api/models/x/', { key: g.key, body: { input_cots: 1 } })).status).toBe(422);
    expect((await g.t.call('GET', '/api/models/missing/', { key: g.key })).status).toBe(404);
    expect((await g.t.call('GET', '/api/models/')).status).toBe(401);
  });
});
