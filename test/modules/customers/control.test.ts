/** Only admin keys set what a customer may spend (customer_params budgets, rate limit, markup). */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(() => t.close());

const chat = (customer_params: Record<string, unknown>) => ({
  model: 'mock/echo',
  messages: [{ role: 'user', content: 'hi' }],
  customer_params,
});
const log = (customer_params: Record<string, unknown>) => ({
  model: 'gpt-4o',
  prompt_messages: [{ role: 'user', content: 'hi' }],
  completion_message: { role: 'assistant', content: 'yo' },
  customer_params,
});

async function customer(id: string) {
  const org = await t.store.orgs.getByName('acme');
  return t.store.customers.get(org!.id, 'prod', id);
}

describe('customer_params control fields need an admin key', () => {
  test('a member call that sets any budget, rate limit or markup is refused, naming the field', async () => {
    const member = await t.key('acme', 'prod', { role: 'member' });
    for (const [field, value] of [
      ['period_budget', 1000],
      ['total_budget', null],
      ['budget_duration', 'yearly'],
      ['period_start', '2026-01-01'],
      ['period_end', '2027-01-01'],
      ['markup_percentage', -100],
      ['rate_limit', 100000],
    ] as const) {
      const r = await t.call('POST', '/api/chat/completions', { key: member, body: chat({ customer_identifier: 'c1', [field]: value }) });
      expect(r.status).toBe(403);
      const body = await json(r);
      expect(body.error.code).toBe('forbidden');
      expect(body.error.message).toContain(`customer_params.${field}`);
    }
    expect(await customer('c1')).toBeNull();
  });

  test('the header parameters are held to the same rule', async () => {
    const member = await t.key('acme', 'prod', { role: 'member' });
    const header = JSON.stringify({ customer_params: { customer_identifier: 'c1', total_budget: 99 } });
    const r = await t.call('POST', '/api/chat/completions', {
      key: member,
      body: { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] },
      headers: { 'x-data-keywordsai-params': header },
    });
    expect(r.status).toBe(403);
    expect((await json(r)).error.message).toContain('customer_params.total_budget');
  });

  test('a member may still name and describe its customer', async () => {
    const member = await t.key('acme', 'prod', { role: 'member' });
    const params = { customer_identifier: 'c2', name: 'Ada', email: 'ada@example.com', group_identifier: 'g', metadata: { tier: 'free' } };
    expect((await t.call('POST', '/api/chat/completions', { key: member, body: chat(params) })).status).toBe(200);
    await t.spans();
    expect(await customer('c2')).toMatchObject({ name: 'Ada', period_budget: null });
  });

  test('an admin sets the budget, and a member then cannot lift it', async () => {
    const admin = await t.key('acme');
    const member = await t.key('acme', 'prod', { role: 'member' });
    const set = await t.call('POST', '/api/chat/completions', { key: admin, body: chat({ customer_identifier: 'c3', total_budget: 0.5 }) });
    expect(set.status).toBe(200);
    await t.spans();
    const lift = await t.call('POST', '/api/chat/completions', { key: member, body: chat({ customer_identifier: 'c3', total_budget: 1e9 }) });
    expect(lift.status).toBe(403);
    await t.writer.flush();
    expect((await customer('c3'))?.total_budget).toBe(0.5);
  });

  test('ingest: one log, and a batch whose one item sets a budget, are refused whole', async () => {
    const member = await t.key('acme', 'prod', { role: 'member' });
    const one = await t.call('POST', '/api/request-logs/create/', { key: member, body: log({ customer_identifier: 'c4', period_budget: 5 }) });
    expect(one.status).toBe(403);
    expect((await json(one)).detail).toContain('customer_params.period_budget');
    const batch = await t.call('POST', '/api/request-logs/batch/create', {
      key: member,
      body: { logs: [log({ customer_identifier: 'c4' }), log({ customer_identifier: 'c4', rate_limit: 5 })] },
    });
    expect(batch.status).toBe(403);
    expect((await json(batch)).detail).toContain('logs.1.customer_params.rate_limit');
    await t.writer.flush();
    expect(await customer('c4')).toBeNull();
    // Without control fields the same batch goes in.
    const ok = await t.call('POST', '/api/request-logs/batch/create', { key: member, body: { logs: [log({ customer_identifier: 'c4' })] } });
    expect(ok.status).toBeLessThan(300);
  });
});
