/**
 * `switchyard migrate-store`: a SQLite deployment seeded through the API
 * (keys, a prompt with versions, a custom model, customers with budgets,
 * proxied calls, logs, a trace and a thread) is copied into a fresh
 * PostgreSQL database, and a gateway on that database answers the same
 * logs, users page, customer totals, traces, threads, prompts, models and
 * keys as the SQLite gateway did; new records continue after the copied
 * ids. A non-empty target is refused unless allowed, and running the copy
 * again then adds nothing.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json } from '../helpers/app.ts';
import { call, chat, countingUpstream, stopAll, upstreamConfig, within } from '../helpers/gateways.ts';
import { freshDatabase, needPostgres, type TestDatabase } from '../helpers/postgres.ts';
import { runCli, type Served, serve } from '../helpers/proc.ts';

const KEY = /[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}/;

if (await needPostgres('migrate-store')) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-migrate-'));
  const data = join(dir, 'data');
  const config = join(dir, 'switchyard.json');
  const upstream = countingUpstream();
  let db: TestDatabase;
  let key = '';
  const gateways: Served[] = [];

  /** What a person reads through the API, as the SQLite gateway answered it. */
  let before: Record<string, unknown> = {};
  const READS = [
    '/api/request-logs/list/?page_size=1000&sort_by=-id&all_envs=true&start_time=2020-01-01T00:00:00Z',
    '/api/users/?summary_type=all',
    '/api/users/list/?sort_by=-total_cost',
    '/api/users/alice/',
    '/api/traces/list/?start_time=2020-01-01T00:00:00Z',
    '/api/traces/trace-1/',
    '/api/log_threads/th-1/',
    '/api/prompts/',
    '/api/models/',
    '/api/temporary-keys/',
  ];
  const readAll = async (g: Served) => {
    const out: Record<string, unknown> = {};
    for (const path of READS) {
      const r = await call(g, key, path);
      out[path] = { status: r.status, body: await json(r) };
    }
    return out;
  };

  beforeAll(async () => {
    db = await freshDatabase('migrate');
    writeFileSync(config, upstreamConfig(upstream));
    key = KEY.exec(runCli(['keys', 'create', '--org', 'moving', '--data-dir', data]).stdout)?.[0] ?? '';
    const g = await serve(['--data-dir', data, '--config', config]);
    gateways.push(g);
    const ok = async (r: Promise<Response>) => {
      const res = await r;
      expect(res.status).toBeLessThan(300);
      return json(res);
    };
    const prompt = await ok(call(g, key, '/api/prompts/', { name: 'greeter' }));
    await ok(call(g, key, `/api/prompts/${prompt.prompt_id}/versions/`, { messages: [{ role: 'user', content: 'Hi {{name}}' }], model: 'dollar', deploy: true }));
    await ok(call(g, key, `/api/prompts/${prompt.prompt_id}/versions/`, { messages: [{ role: 'user', content: 'Hello {{name}}' }], model: 'dollar' }));
    await ok(call(g, key, '/api/models/', { model_name: 'house', provider_id: 'up', input_cost: 1, output_cost: 2 }));
    const made = await ok(call(g, key, '/api/temporary-keys/', { name: 'revoked one' }));
    await ok(call(g, key, `/api/temporary-keys/${made.id}/`, { revoked: true }, 'PATCH'));
    for (let i = 0; i < 3; i++) {
      await ok(chat(g, key, 'dollar', { customer_params: { customer_identifier: 'alice', period_budget: 50, name: 'Alice' }, metadata: { n: i } }));
    }
    await ok(chat(g, key, 'house', { customer_identifier: 'bob', thread_identifier: 'th-1' }));
    await ok(call(g, key, '/api/v1/traces/ingest', [
      { trace_unique_id: 'trace-1', span_unique_id: 'a', span_name: 'root', log_type: 'workflow', customer_identifier: 'alice' },
      { trace_unique_id: 'trace-1', span_unique_id: 'b', span_parent_id: 'a', span_name: 'llm', model: 'gpt-4o', prompt_tokens: 10, completion_tokens: 5 },
    ]));
    await ok(call(g, key, '/api/request-logs/create/', { model: 'gpt-4o', thread_identifier: 'th-1', customer_identifier: 'bob', cost: 0.25, metadata: { tier: 'gold' } }));
    await ok(call(g, key, '/api/request-logs/create/', { model: 'gpt-4o', is_test: true, input: 'nul \u0000 inside' }));
    before = await readAll(g);
    await stopAll(gateways.splice(0));
  }, 60_000);

  afterAll(async () => {
    await stopAll(gateways);
    upstream.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('copies every table with a count check; a gateway on PostgreSQL answers what the SQLite one did', async () => {
    const run = runCli(['migrate-store', '--from', data, '--to', db.url, '--batch', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('every table checked');
    expect(run.stdout).not.toContain('MISMATCH');
    // Progress goes to stderr, one line per table at least.
    expect(run.stderr).toContain('spans: 8/8 rows (100%)');
    expect(run.stdout).toMatch(/\| customers\s+\|\s+2 \|\s+0 \|\s+2 \|\s+2 \|\s+ok/);

    const g = await serve(['--database-url', db.url, '--config', config]);
    gateways.push(g);
    const after = await readAll(g);
    // PostgreSQL text holds no NUL: the one in a stored input reads back as U+FFFD, as with any span stored there.
    const expected = JSON.parse(JSON.stringify(before).replaceAll('\\u0000', '\\ufffd'));
    for (const path of READS) expect({ path, ...(after[path] as object) }).toEqual({ path, ...expected[path] });

    // Ids continue after the copied ones: a new version, a new customer and a new span are stored, the span listed first.
    const promptId = (await json(await call(g, key, '/api/prompts/'))).results[0].prompt_id;
    const version = await call(g, key, `/api/prompts/${promptId}/versions/`, { messages: [{ role: 'user', content: 'Hey' }], model: 'dollar' });
    expect([version.status, (await json(version)).version]).toEqual([201, 3]);
    expect((await chat(g, key, 'dollar', { customer_identifier: 'carol' })).status).toBe(200);
    const list = await within(5000, async () => (await json(await call(g, key, READS[0] as string))).results.length === 9)
      .then(async () => json(await call(g, key, READS[0] as string)));
    expect(list.results[0].customer_identifier).toBe('carol');
  }, 60_000);

  test('a non-empty target is refused unless allowed; then the copy adds nothing twice', async () => {
    const refused = runCli(['migrate-store', '--from', data, '--to', db.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already holds records');
    const again = runCli(['migrate-store', '--from', data, '--to', db.url, '--allow-non-empty']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\| spans\s+\|\s+8 \|\s+9 \|\s+0 \|\s+9 \|\s+ok/);
  }, 30_000);

  test('names what it needs', () => {
    const r = runCli(['migrate-store', '--from', data]);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('--to postgres://')]);
    const nowhere = runCli(['migrate-store', '--from', join(dir, 'nowhere'), '--to', db.url]);
    expect([nowhere.code, nowhere.stderr]).toEqual([2, expect.stringContaining('no SQLite database')]);
    const sideways = runCli(['migrate-store', '--from', data, '--to', join(dir, 'other')]);
    expect([sideways.code, sideways.stderr]).toEqual([2, expect.stringContaining('--to must be a postgres:// URL')]);
  }, 30_000);
}
