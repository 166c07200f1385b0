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
import { runCli, type Served, serve } from './helpers/proc.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-multi-'));
const KEY = /[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}/;

/** An OpenAI-compatible upstream that counts calls and answers after `delayMs`. */
let upstreamCalls = 0;
let delayMs = 0;
const upstream = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(req) {
    upstreamCalls++;
    const body = (await req.json()) as { model: string };
    if (delayMs > 0) await Bun.sleep(delayMs);
    return Response.json({
      id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 0, completion_tokens: 1, total_tokens: 1 },
    });
  },
});

let gateways: Served[] = [];
let key = '';

async function call(g: Served, path: string, body?: unknown, k = key, method = body === undefined ? 'GET' : 'POST') {
  return fetch(`${g.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const chat = (g: Served, model: string, extra: Record<string, unknown> = {}, k = key) =>
  call(g, '/api/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1, ...extra }, k);

/** Polls `check` until it holds; returns how long that took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await check()) return performance.now() - t0;
    await Bun.sleep(20);
  }
  throw new Error(`not within ${ms} ms`);
}

beforeAll(async () => {
  const config = join(dir, 'switchyard.json');
  writeFileSync(
    config,
    JSON.stringify({
      providers: { up: { kind: 'openai', api_base: `http://127.0.0.1:${upstream.port}/v1`, api_key: 'sk-up' } },
      // One output token costs one dollar: a call with max_tokens 1 is estimated at exactly $1.
      models: [{ model_name: 'dollar', provider_id: 'up', input_cost: 0, output_cost: 1_000_000 }],
    }),
  );
  const data = join(dir, 'shared');
  const created = runCli(['keys', 'create', '--org', 'multi', '--data-dir', data]);
  key = KEY.exec(created.stdout)?.[0] ?? '';
  gateways = await Promise.all([0, 1, 2].map(() => serve(['--data-dir', data, '--config', config])));
}, 30_000);

afterAll(async () => {
  for (const g of gateways) g.proc.kill('SIGTERM');
  await Promise.all(gateways.map((g) => g.proc.exited));
  upstream.stop(true);
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
    delayMs = 300;
    const before = upstreamCalls;
    try {
      const customer = { customer_identifier: 'budgeted', period_budget: 10 };
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => chat(gateways[i % 3] as Served, 'dollar', { customer_params: customer })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.filter((s) => s === 402)).toHaveLength(40);
      expect(upstreamCalls - before).toBe(10);
    } finally {
      delayMs = 0;
    }
  }, 30_000);

  test('a customer rate limit of 4 per minute admits exactly 4 across the three', async () => {
    const before = upstreamCalls;
    const customer = { customer_identifier: 'limited', rate_limit: 4 };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => chat(gateways[i % 3] as Served, 'dollar', { customer_params: customer })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(16);
    expect(upstreamCalls - before).toBe(4);
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
      for (const g of pair) g.proc.kill('SIGTERM');
      await Promise.all(pair.map((g) => g.proc.exited));
    }
    const store = openSqliteStore({ path: join(data, 'switchyard.db') });
    expect((await store.orgs.ensure('default')).firstStart).toBe(false);
    expect((await store.orgs.getByName('default'))?.name).toBe('default');
    await store.close();
  }, 30_000);
});
