/** /api/users/list/, detail, PATCH, DELETE and customer_params validation. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ValidationError } from '../../../src/errors.ts';
import { parseCustomerParams } from '../../../src/schemas/customer.ts';
import { json, makeTestApp, type Json, type TestApp } from '../../helpers/app.ts';
import { span } from '../../helpers/spans.ts';

let t: TestApp;
let key: string;
let orgId: string;
const NOW = Date.parse('2026-06-15T12:00:00Z');

beforeAll(async () => {
  t = await makeTestApp();
  key = await t.key('acme');
  orgId = (await t.store.orgs.getByName('acme'))?.id ?? '';
  const mk = (id: string, n: number, cost: number, daysAgo: number, params: Record<string, unknown> = {}) =>
    Array.from({ length: n }, (_, i) =>
      span({
        org_id: orgId, customer_identifier: id, cost, prompt_tokens: 10, completion_tokens: 5,
        timestamp: NOW - daysAgo * 86_400_000 + i * 1000,
        extra: i === 0 ? { customer_params: { customer_identifier: id, ...params } } : {},
      }),
    );
  await t.writer.write([
    ...mk('ann', 3, 0.1, 40, { name: 'Ann Lee', email: 'ann@example.com' }),
    ...mk('bob', 1, 1, 10, { name: 'Bob', email: 'bob@corp.io', markup_percentage: 50 }),
    ...mk('cy', 5, 0.01, 1, { name: 'Cy', metadata: { plan: 'pro' } }),
  ]);
});
afterAll(() => t.close());

const ids = (body: Json) => body.results.map((r: Json) => r.customer_identifier);

describe('GET/POST /api/users/list/', () => {
  test('default sort is -first_seen; sort_by and pagination', async () => {
    expect(ids(await json(await t.call('GET', '/api/users/list/', { key })))).toEqual(['cy', 'bob', 'ann']);
    expect(ids(await json(await t.call('GET', '/api/users/list/?sort_by=number_of_requests', { key })))).toEqual(['bob', 'ann', 'cy']);
    expect(ids(await json(await t.call('GET', '/api/users/list/?sort_by=-total_cost', { key })))).toEqual(['bob', 'ann', 'cy']);
    const p2 = await json(await t.call('GET', '/api/users/list/?page_size=2&page=2', { key }));
    expect([p2.count, ids(p2), p2.next]).toEqual([3, ['ann'], null]);
    expect(p2.previous).toContain('page=1');
  });

  test('filters: operators on text and number fields', async () => {
    const q = async (filters: unknown) => ids(await json(await t.call('POST', '/api/users/list/?sort_by=customer_identifier', { key, body: { filters } })));
    expect(await q({ total_cost: { operator: 'gte', value: [0.3] } })).toEqual(['ann', 'bob']); // bob billed 1.5 with markup
    expect(await q({ total_cost: { operator: 'gt', value: [1.4] } })).toEqual(['bob']);
    expect(await q({ number_of_requests: { operator: 'lt', value: [5] } })).toEqual(['ann', 'bob']);
    expect(await q({ email: { operator: 'icontains', value: ['EXAMPLE'] } })).toEqual(['ann']);
    expect(await q({ email: { operator: 'endswith', value: ['.io'] } })).toEqual(['bob']);
    expect(await q({ name: { operator: 'startswith', value: ['An'] } })).toEqual(['ann']);
    expect(await q({ customer_identifier: { operator: 'in', value: ['cy', 'ann'] } })).toEqual(['ann', 'cy']);
    expect(await q({ customer_identifier: { operator: 'not', value: ['cy'] } })).toEqual(['ann', 'bob']);
    expect(await q({ email: { operator: 'isnull', value: [true] } })).toEqual(['cy']);
    expect(await q({ customer_identifier: { value: ['bob'] } })).toEqual(['bob']);
    expect(await q({ active_days: { operator: '', value: [1] } })).toEqual(['ann', 'bob', 'cy']);
  });

  test('bad filters and parameters are 422 naming them', async () => {
    const bad = async (body: unknown, path = '/api/users/list/') => {
      const r = await t.call('POST', path, { key, body });
      expect(r.status).toBe(422);
      return Object.keys((await json(r)).errors);
    };
    expect(await bad({ filters: { nope: { value: [1] } } })).toEqual(['filters.nope']);
    expect(await bad({ filters: { total_cost: { operator: 'icontains', value: ['1'] } } })).toEqual(['filters.total_cost']);
    expect(await bad({ filters: { name: { operator: 'like', value: ['x'] } } })).toEqual(['filters.name']);
    expect(await bad({ filters: { total_tokens: { operator: 'gt', value: ['ten'] } } })).toEqual(['filters.total_tokens']);
    expect(await bad({}, '/api/users/list/?sort_by=cost')).toEqual(['sort_by']);
    expect(await bad({}, '/api/users/list/?page_size=0')).toEqual(['page_size']);
  });
});

describe('GET/PATCH/DELETE /api/users/{customer_identifier}/', () => {
  test('detail with budget usage; 404 for an unknown customer', async () => {
    const r = await t.call('GET', '/api/users/bob/', { key });
    expect(r.status).toBe(200);
    const d = await json(r);
    expect(d).toMatchObject({
      customer_identifier: 'bob', name: 'Bob', email: 'bob@corp.io', markup_percentage: 50, budget_duration: 'monthly',
      period_start: '2026-06-01T00:00:00.000Z', period_end: '2026-07-01T00:00:00.000Z', period_budget: null,
      total_budget: null, number_of_requests: 1, total_tokens: 15, active_days: 1, top_models: { 'gpt-4o-mini': 1 },
    });
    expect(d.total_usage).toBeCloseTo(1.5, 10);
    expect(d.total_period_usage).toBeCloseTo(1.5, 10);
    expect(d.total_cost_before_markup).toBeCloseTo(1, 10);
    expect(d.average_monthly_cost).toBeCloseTo(45, 10);
    // ann's spans are 40 days old: outside June.
    expect((await json(await t.call('GET', '/api/users/ann/', { key }))).total_period_usage).toBe(0);
    const missing = await t.call('GET', '/api/users/nobody/', { key });
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({ detail: 'Customer not found' });
    expect((await t.call('GET', '/api/users/cy/?all_envs=true', { key })).status).toBe(422);
  });

  test('PATCH sets and removes (null) budgets, merges metadata; bad values are 422', async () => {
    const r = await t.call('PATCH', '/api/users/cy/', {
      key, body: { period_budget: 10, budget_duration: 'weekly', total_budget: 100, metadata: { seats: 3 }, email: 'cy@x.org' },
    });
    expect(r.status).toBe(200);
    const d = await json(r);
    expect(d).toMatchObject({ period_budget: 10, budget_duration: 'weekly', total_budget: 100, email: 'cy@x.org',
      metadata: { plan: 'pro', seats: 3 }, period_start: '2026-06-15T00:00:00.000Z', period_end: '2026-06-22T00:00:00.000Z' });
    const cleared = await json(await t.call('PATCH', '/api/users/cy/', { key, body: { period_budget: null } }));
    expect(cleared.period_budget).toBeNull();
    expect(cleared.total_budget).toBe(100);
    for (const [body, field] of [
      [{ email: 'not-an-email' }, 'email'],
      [{ period_budget: -1 }, 'period_budget'],
      [{ budget_duration: 'hourly' }, 'budget_duration'],
      [{ period_start: '2026-13-01' }, 'period_start'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      const bad = await t.call('PATCH', '/api/users/cy/', { key, body });
      expect([field, bad.status]).toEqual([field, 422]);
      expect(Object.keys((await json(bad)).errors)).toEqual([field]);
    }
    expect((await t.call('PATCH', '/api/users/nobody/', { key, body: { name: 'x' } })).status).toBe(404);
  });

  test('DELETE answers 204, removes the customer and its share of the organization figures', async () => {
    await t.writer.write([span({ org_id: orgId, customer_identifier: 'gone', timestamp: NOW })]);
    const before = (await json(await t.call('GET', '/api/users/?summary_type=daily&date=2026-06-15', { key }))).aggregation_data;
    const r = await t.call('DELETE', '/api/users/gone/', { key });
    expect(r.status).toBe(204);
    expect((await t.call('GET', '/api/users/gone/', { key })).status).toBe(404);
    expect((await t.call('DELETE', '/api/users/gone/', { key })).status).toBe(404);
    const after = (await json(await t.call('GET', '/api/users/?summary_type=daily&date=2026-06-15', { key }))).aggregation_data;
    expect(after.total_users).toBe(before.total_users - 1);
    expect(after.daily_requests).toBe(before.daily_requests - 1);
    expect(after.daily_active_users).toBe(before.daily_active_users - 1);
    expect(after.montly_active_users).toBe(before.montly_active_users - 1);
  });
});

describe('customer_params validation (proxy and ingest)', () => {
  const fields = (params: unknown, ident?: unknown) => {
    try {
      parseCustomerParams(params, ident);
      return [];
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return Object.keys((e as ValidationError).errors);
    }
  };
  test('invalid values name the field', () => {
    expect(fields({ customer_identifier: 'a', email: 'nope' })).toEqual(['customer_params.email']);
    expect(fields({ customer_identifier: 'a', period_budget: -1 })).toEqual(['customer_params.period_budget']);
    expect(fields({ customer_identifier: 'a', total_budget: -5 })).toEqual(['customer_params.total_budget']);
    expect(fields({ customer_identifier: 'a', budget_duration: 'hourly' })).toEqual(['customer_params.budget_duration']);
    expect(fields({ customer_identifier: 'x'.repeat(121) })).toEqual(['customer_params.customer_identifier']);
    expect(fields(undefined, 'x'.repeat(121))).toEqual(['customer_identifier']);
    expect(fields({ customer_identifier: 'a', period_start: '2026-02-30' })).toEqual(['customer_params.period_start']);
    expect(fields({ customer_identifier: 'a', rate_limit: 0 })).toEqual(['customer_params.rate_limit']);
  });
  test('valid params; the top-level identifier fills in', () => {
    expect(parseCustomerParams({ name: 'A', period_budget: 5 }, 'u1')).toEqual({ customer_identifier: 'u1', name: 'A', period_budget: 5 });
    expect(parseCustomerParams(undefined, 'u1')).toEqual({ customer_identifier: 'u1' });
    expect(parseCustomerParams(undefined, undefined)).toBeNull();
    expect(fields({ customer_identifier: 'a', email: '', budget_duration: 'yearly', period_start: '2026-01-31', markup_percentage: 20 })).toEqual([]);
  });
});

describe('hostile customer list filters (issue 17, defect 3)', () => {
  test('an icontains value of 100,000 characters and other caps are 422s naming the field, not a driver error', async () => {
    const list = (filters: unknown) => t.call('POST', '/api/users/list/', { key, body: { filters } });
    const field = async (r: Response) => [r.status, Object.keys((await json(r)).errors ?? {})[0]];
    expect(await field(await list({ customer_identifier: { operator: 'icontains', value: ['x'.repeat(100_000)] } }))).toEqual([422, 'filters.customer_identifier']);
    expect(await field(await list({ customer_identifier: { operator: 'icontains', value: 'x'.repeat(100_000) } }))).toEqual([422, 'filters.customer_identifier']);
    const values = Array.from({ length: 20_000 }, (_, i) => `c${i}`);
    expect(await field(await list({ customer_identifier: { operator: 'in', value: values } }))).toEqual([422, 'filters.customer_identifier']);
    expect((await list({ customer_identifier: { operator: 'icontains', value: ['x'.repeat(4096)] } })).status).toBe(200);
    expect(await field(await t.call('GET', '/api/users/list/?is_test=maybe&all_envs=true', { key }))).toEqual([422, 'is_test']);
  });
});
