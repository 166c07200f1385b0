/**
 * Latency of the customers endpoints over a database seeded by
 * scripts/seed-customers.ts (1M spans, 10k customers by default).
 *   node_modules/.bin/bun scripts/bench-users.ts [--data-dir DIR] [--n 300]
 * Requests go through the real app (auth, routing, validation, store) with
 * app.handle, in process: no socket, so the figures are the server's own time.
 * Dates and timezone offsets vary per request across the seeded year, so no
 * two consecutive requests ask for the same period.
 */
import { Value } from '@sinclair/typebox/value';
import { createApp } from '../src/app.ts';
import { buildAppDeps } from '../src/wiring.ts';
import { type Config, ConfigSchema } from '../src/config.ts';
import { silentLogger } from '../src/lib/log.ts';
import { openBackend } from '../src/store/open.ts';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? def) : def;
}
const DIR = arg('data-dir', './data/bench-customers');
const N = Number(arg('n', '300'));

const config = { ...(Value.Default(ConfigSchema, {}) as Config), data_dir: DIR };
const backend = await openBackend(config, { log: silentLogger, now: Date.now });
const { store } = backend;
const org = await store.orgs.getByName('bench');
if (!org) throw new Error(`no "bench" organization in ${DIR}; run scripts/seed-customers.ts first`);
const deps = buildAppDeps(config, backend, { log: silentLogger, now: Date.now, version: 'bench' });
const { keys } = deps;
const app = createApp(deps);
const { key } = await keys.create(org.id, { name: 'bench', environment: 'prod', role: 'admin' });

const offsets = [0, 8, -5.5, -5.75, 3, -9.5];
function randomDate(i: number): string {
  const ms = Date.now() - ((i * 7919) % 360) * 86_400_000 - ((i * 104729) % 86_400) * 1000;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

async function call(method: string, path: string, body?: unknown): Promise<number> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${key}` } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const t0 = performance.now();
  const r = await app.handle(new Request(`http://localhost${path}`, init));
  await r.arrayBuffer();
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status}`);
  return ms;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

interface Case {
  name: string;
  run: (i: number) => Promise<number>;
}
const cases: Case[] = [];
for (const type of ['all', 'daily', 'weekly', 'monthly', 'yearly']) {
  cases.push({
    name: `GET /api/users/?summary_type=${type}&page_size=50`,
    run: (i) => {
      const q = new URLSearchParams({ summary_type: type, page_size: '50', page: String(1 + (i % 20)), date: randomDate(i), timezone_offset: String(offsets[i % offsets.length]) });
      return call('GET', `/api/users/?${q}`);
    },
  });
}
cases.push({ name: 'GET /api/users/list/ (page_size=50, -first_seen)', run: (i) => call('GET', `/api/users/list/?page=${1 + (i % 20)}`) });
cases.push({ name: 'GET /api/users/list/?sort_by=-total_cost', run: (i) => call('GET', `/api/users/list/?sort_by=-total_cost&page=${1 + (i % 20)}`) });
cases.push({
  name: 'POST /api/users/list/ filters total_cost gt + icontains',
  run: (i) => call('POST', `/api/users/list/?page=${1 + (i % 5)}`, { filters: { total_cost: { operator: 'gt', value: [0.5] }, email: { operator: 'icontains', value: ['1'] } } }),
});
cases.push({ name: 'GET /api/users/{id}/ (detail)', run: (i) => call('GET', `/api/users/customer-${(i * 37) % 10000}/`) });

const rows: string[] = [];
for (const c of cases) {
  for (let i = 0; i < 20; i++) await c.run(i + 1000); // warm-up
  const times: number[] = [];
  for (let i = 0; i < N; i++) times.push(await c.run(i));
  rows.push(`| ${c.name} | ${N} | ${pct(times, 50).toFixed(2)} | ${pct(times, 95).toFixed(2)} | ${pct(times, 99).toFixed(2)} |`);
}
await backend.close();
console.log('| request | n | p50 ms | p95 ms | p99 ms |\n| --- | --- | --- | --- | --- |');
console.log(rows.join('\n'));
