/**
 * Customer limits end to end: the proxy with the real budget gate, refusals
 * before any upstream call, and the check kept on each span.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { json } from '../../helpers/app.ts';
import { gateway, type Gateway } from './fixtures.ts';

let g: Gateway;
afterEach(() => g.t.close());

const ask = (customer_params: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  model: 'mock/echo',
  messages: [{ role: 'user', content: 'hello there' }],
  max_tokens: 10,
  customer_params,
  ...extra,
});

describe('customer limits in the proxy', () => {
  test('rate_limit answers 429 with retry_after once exhausted, and logs the refusal', async () => {
    g = await gateway();
    const body = ask({ customer_identifier: 'rl-user', rate_limit: 2 });
    for (let i = 0; i < 2; i++) expect((await g.t.call('POST', '/api/chat/completions', { key: g.key, body })).status).toBe(200);
    const r = await g.t.call('POST', '/api/chat/completions', { key: g.key, body });
    expect(r.status).toBe(429);
    const err = await json(r);
    expect(err.error.type).toBe('rate_limit_error');
    expect(err.retry_after).toBeGreaterThan(0);
    expect(g.fakes.mock.calls.length).toBe(2);
    const spans = await g.t.spans(3);
    const refused = spans.find((s) => s.status_code === 429);
    expect(refused?.customer_identifier).toBe('rl-user');
    expect(refused?.extra.limit_info).toBeDefined();
  });

  test('an exhausted total_budget is a 402 naming the budget; nothing goes upstream', async () => {
    g = await gateway();
    // Each call is estimated at about (4 prompt + 10 completion tokens) at 1/2 USD per 1M: ~24e-6 USD.
    const body = ask({ customer_identifier: 'tb-user', total_budget: 0.00005 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await g.t.call('POST', '/api/chat/completions', { key: g.key, body })).status);
      await g.t.writer.flush();
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.at(-1)).toBe(402);
    const r = await g.t.call('POST', '/api/chat/completions', { key: g.key, body });
    const err = await json(r);
    expect(r.status).toBe(402);
    expect(err.budget).toBe('total_budget');
    expect(err.limit).toBe(0.00005);
    expect(typeof err.used).toBe('number');
    expect(g.fakes.mock.calls.length).toBe(statuses.filter((s) => s === 200).length);
  });

  test('50 parallel calls from a customer with room for 10 do not all pass, and spend stays within the budget', async () => {
    g = await gateway();
    const budget = 0.0003;
    const body = ask({ customer_identifier: 'burst-user', period_budget: budget, budget_duration: 'daily' });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => g.t.call('POST', '/api/chat/completions', { key: g.key, body }).then((r) => r.status)),
    );
    const ok = results.filter((s) => s === 200).length;
    // Estimates leave room for 10 at once; a call that settles (for less) before later ones reserve frees room,
    // so how many pass depends on timing. What may not happen is spending past the budget.
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThan(50);
    expect(results.filter((s) => s === 402).length).toBe(50 - ok);
    expect(g.fakes.mock.calls.length).toBe(ok);
    await g.t.writer.flush();
    const { org } = await g.t.store.orgs.ensure('acme');
    expect(await g.t.store.customers.billed(org.id, 'prod', 'burst-user', null)).toBeLessThanOrEqual(budget + 1e-12);
  });

  test('admitted calls carry the check as limit_info and the customer in the users API', async () => {
    g = await gateway();
    const body = ask({ customer_identifier: 'seen-user', name: 'Ada', email: 'ada@example.com', period_budget: 1 });
    expect((await g.t.call('POST', '/api/chat/completions', { key: g.key, body })).status).toBe(200);
    const [span] = await g.t.spans(1);
    expect(span?.extra.limit_info).toBeDefined();
    expect(span?.extra.customer_params).toMatchObject({ customer_identifier: 'seen-user', email: 'ada@example.com' });
    const user = await json(await g.t.call('GET', '/api/users/seen-user/', { key: g.key }));
    expect(user).toMatchObject({ customer_identifier: 'seen-user', name: 'Ada', email: 'ada@example.com', period_budget: 1 });
    expect(user.total_requests ?? user.requests).toBe(1);
  });
});
