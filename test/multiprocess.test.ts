/**
 * Three real gateway processes on one data folder behave as one gateway:
 * logs, keys, custom models, budgets and rate limits are shared through the
 * store and its shared state, not through any process's memory.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { json } from './helpers/app.ts';
import { call as callAs, chat as chatAs, countingUpstream, stopAll, upstreamConfig, within } from './helpers/gateways.ts';
import { runCli, type Served, serve } from './helpers/proc.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-multi-'));
const KEY = /[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}/;

const upstream = countingUpstream();
let gateways: Served[] = [];
let key = '';

const call = (g: Served, path: string, body?: unknown, k = key, method?: string) => callAs(g, k, path, body, method);
const chat = (g: Served, model: string, extra: Record<string, unknown> = {}) => chatAs(g, key, model, extra);

beforeAll(async () => {
  const config = join(dir, 'switchyard.json');
  writeFileSync(config, upstreamConfig(upstream));
  const data = join(dir, 'shared');
  const created = runCli(['keys', 'create', '--org', 'multi', '--data-dir', data]);
  key = KEY.exec(created.stdout)?.[0] ?? '';
  gateways = await Promise.all([0, 1, 2].map(() => serve(['--data-dir', data, '--config', config])));
}, 30_000);

afterAll(async () => {
  await stopAll(gateways);
  upstream.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('three gateways on one data folder', () => {
  test('a log written through one is read through another at once', async () => {
    const [a, b] = gateways as [Served, Served];
    const r = await call(a, '/api/request-logs/create/', { model: 'gpt-4o', prompt_messages: [{ role: 'user', content: 'x' }], completion_message: { role: 'assistant', content: 'y' } });
    expect(r.status).toBe(201);
    const { unique_id } = await json(r);
    expect((await call(b, `/api/request-logs/${unique_id}/`)).status).toBe(200);
  });

  test('a key revoked through one is refused by the others within 1 s', async () => {
    const [a, b, c] = gateways as [Served, Served, Served];
    const made = await json(await call(a, '/api/temporary-keys/', { name: 'short-lived' }));
    const temp = made.api_key as string;
    // A member key (the default over HTTP) reads its own record.
    const own = `/api/temporary-keys/${made.id}/`;
    expect((await call(b, own, undefined, temp)).status).toBe(200);
    expect((await call(c, own, undefined, temp)).status).toBe(200);
    expect((await call(a, own, undefined, key, 'DELETE')).status).toBe(204);
    const took = await within(1000, async () => {
      const [rb, rc] = await Promise.all([call(b, own, undefined, temp), call(c, own, undefined, temp)]);
      return rb.status === 401 && rc.status === 401;
    });
    expect(took).toBeLessThan(1000);
  });

  test('a custom model created or repriced through one is used by the others within 1 s', async () => {
    const [a, b] = gateways as [Served, Served];
    expect((await chat(b, 'house')).status).toBe(404);
    const created = await call(a, '/api/models/', { model_name: 'house', provider_id: 'up', input_cost: 0, output_cost: 1_000_000 });
    expect(created.status).toBeLessThan(300);
    await within(1000, async () => (await chat(b, 'house')).status === 200);
    expect((await call(a, '/api/models/house/', { output_cost: 2_000_000 }, key, 'PATCH')).status).toBe(200);
    await within(1000, async () => {
      const r = await chat(b, 'house', { request_breakdown: true });
      return (await json(r)).request_breakdown?.cost === 2;
    });
  });

  test('50 parallel calls over the three for a customer whose budget allows 10 admit exactly 10', async () => {
    // Held until all ten admitted calls are there, so none settles before the others reserve.
    upstream.hold = { count: 10, maxMs: 5000 };
    const before = upstream.calls;
    try {
      const customer = { customer_identifier: 'budgeted', period_budget: 10 };
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => chat(gateways[i % 3] as Served, 'dollar', { customer_params: customer })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.filter((s) => s === 402)).toHaveLength(40);
      expect(upstream.calls - before).toBe(10);
    } finally {
      upstream.hold = null;
    }
  }, 30_000);

  test('a customer rate limit of 4 per minute admits exactly 4 across the three', async () => {
    const before = upstream.calls;
    const customer = { customer_identifier: 'limited', rate_limit: 4 };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => chat(gateways[i % 3] as Served, 'dollar', { customer_params: customer })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(16);
    expect(upstream.calls - before).toBe(4);
  });
});

describe('two gateways started at the same instant on an empty folder', () => {
  test('both come up, with one default organization and one printed key', async () => {
    const data = join(dir, 'empty');
    const pair = await Promise.all([serve(['--data-dir', data]), serve(['--data-dir', data])]);
    try {
      for (const g of pair) expect((await fetch(`${g.base}/health`)).status).toBe(200);
      const printed = pair.filter((g) => g.stdout.includes('Development API key'));
      expect(printed).toHaveLength(1);
      const devKey = KEY.exec(printed[0]?.stdout ?? '')?.[0] ?? '';
      for (const g of pair) expect((await call(g, '/api/temporary-keys/', undefined, devKey)).status).toBe(200);
    } finally {
      await stopAll(pair);
    }
    const store = openSqliteStore({ path: join(data, 'switchyard.db') });
    expect((await store.orgs.ensure('default')).firstStart).toBe(false);
    expect((await store.orgs.getByName('default'))?.name).toBe('default');
    await store.close();
  }, 30_000);
});
