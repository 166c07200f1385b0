/**
 * Span store benchmark. Query latencies run against a database filled by
 * scripts/seed-spans.ts (store.list + the list view, as the endpoint does);
 * ingest rates go through the real HTTP endpoints of a server on 127.0.0.1
 * over a fresh database, in a child process. Prints markdown tables and the
 * query plans.
 * Usage: bun scripts/bench-spans.ts --db /tmp/bench.db [--org org_bench] [--now 2026-06-15T12:00:00Z]
 *        [--runs 50] [--no-queries] [--no-ingest] [--prof DIR]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { logView } from '../src/modules/logs/view.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { SqliteSpanStore } from '../src/store/sqlite/spans.ts';
import { SPAN_CATALOG } from '../src/query/catalogs.ts';
import { typeFilters } from '../src/query/filters.ts';
import type { SpanQuery } from '../src/store/types.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: '/tmp/bench.db' },
    org: { type: 'string', default: 'org_bench' },
    now: { type: 'string', default: '2026-06-15T12:00:00Z' },
    runs: { type: 'string', default: '50' },
    /** A directory: the ingest server runs under `bun --cpu-prof` and writes its profile there. */
    prof: { type: 'string' },
    'no-queries': { type: 'boolean', default: false },
    'no-ingest': { type: 'boolean', default: false },
  },
});
const now = Date.parse(values.now as string);
const runs = Number(values.runs);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number;

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function queries(): Promise<void> {
  const store = openSqliteStore({ path: values.db as string });
  const scope = { orgId: values.org as string, environments: ['prod' as const] };
  const total = await store.spans.count(scope);
  const filters = typeFilters(SPAN_CATALOG, [
    { field: 'model', operator: '', values: ['gpt-4o'] },
    { field: 'metadata__tier', operator: '', values: ['pro'] },
  ]);
  const q = (hours: number, sort: string, f = filters): SpanQuery => ({
    scope, from: now - hours * 3_600_000, to: now, filters: f,
    sort: { field: sort.replace('-', ''), descending: sort.startsWith('-') }, page: 1, pageSize: 100,
  });
  const ids = (await store.spans.list(q(24, '-id', []))).spans.map((s) => s.unique_id);
  const rows: [string, number[], string][] = [];
  const plans: [string, string[]][] = [];
  for (const [name, query] of [
    ['list 1 h, model + metadata__tier, -cost', q(1, '-cost')],
    ['list 24 h, model + metadata__tier, -cost', q(24, '-cost')],
    ['list 24 h, model + metadata__tier, -id', q(24, '-id')],
    ['list 24 h, model + metadata__tier, -timestamp', q(24, '-timestamp')],
    ['list 7 d (all), model + metadata__tier, -timestamp', q(24 * 7, '-timestamp')],
    ['list 7 d (all), model + metadata__tier, -cost', q(24 * 7, '-cost')],
    ['list 7 d (all), model + metadata__tier, -id', q(24 * 7, '-id')],
    // No index covers a metadata key: a value that matches nothing reads every row of the window.
    ['list 24 h, metadata__tier = none (0 matches), -timestamp', q(24, '-timestamp', typeFilters(SPAN_CATALOG, [{ field: 'metadata__tier', operator: '', values: ['none'] }]))],
    ['list 7 d (all), metadata__tier = none (0 matches), -timestamp', q(24 * 7, '-timestamp', typeFilters(SPAN_CATALOG, [{ field: 'metadata__tier', operator: '', values: ['none'] }]))],
    ['list 7 d (all), no filter, -cost', q(24 * 7, '-cost', [])],
  ] as const) {
    let matched = '';
    rows.push([name, await time(async () => {
      const page = await store.spans.list(query);
      matched = page.countExact ? page.count.toLocaleString() : `> ${(page.count - 1).toLocaleString()}`;
      JSON.stringify(page.spans.map(logView));
    }), matched]);
    if (store.spans instanceof SqliteSpanStore) plans.push([name, store.spans.explainList(query)]);
  }
  let k = 0;
  rows.push(['get by unique_id', await time(async () => store.spans.get(scope.orgId, ids[k++ % ids.length] as string)), '1']);
  await store.close();

  console.log(`spans stored: ${total.toLocaleString()}\n`);
  console.log('| query | matches | p50 ms | p95 ms | p99 ms |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, xs, m] of rows) {
    console.log(`| ${name} | ${m} | ${pct(xs, 50).toFixed(2)} | ${pct(xs, 95).toFixed(2)} | ${pct(xs, 99).toFixed(2)} |`);
  }
  console.log('\nQuery plans (EXPLAIN QUERY PLAN; the count query, then the page query):\n');
  for (const [name, lines] of plans) console.log(`- ${name}\n${lines.map((l) => `  - \`${l}\``).join('\n')}`);
}

async function ingest(): Promise<void> {
// Ingest over HTTP into a fresh database, served by a child process
// (scripts/bench-spans-server.ts) so the load generator has its own event loop.
const child = Bun.spawn([process.execPath, ...(values.prof ? ['--cpu-prof', `--cpu-prof-dir=${values.prof}`] : []), join(import.meta.dir, 'bench-spans-server.ts')], {
  stdin: 'pipe', stdout: 'pipe', stderr: 'inherit',
});
const reader = child.stdout.getReader();
let hello = '';
while (!hello.includes('\n')) {
  const { value, done } = await reader.read();
  if (done) throw new Error('bench server exited before listening');
  hello += new TextDecoder().decode(value);
}
const { port, key } = JSON.parse(hello) as { port: number; key: string };
const base = `http://127.0.0.1:${port}`;
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
const body = (i: number) => ({
  model: 'gpt-4o-mini', input: '[{"role":"user","content":"Hello"}]', output: '{"role":"assistant","content":"Hi"}',
  usage: { prompt_tokens: 10, completion_tokens: 8 }, customer_identifier: `c${i % 100}`, latency: 1.2,
  metadata: { tier: 'pro', n: i },
});

async function single(n: number, concurrency: number): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      const r = await fetch(`${base}/api/request-logs/create/`, { method: 'POST', headers, body: JSON.stringify(body(i)) });
      if (r.status !== 201) throw new Error(`single ingest answered ${r.status}`);
    }
  }));
  return n / ((performance.now() - t) / 1000);
}

async function batch(batches: number, size: number, concurrency: number): Promise<number> {
  const payload = JSON.stringify({ logs: Array.from({ length: size }, (_, i) => body(i)) });
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < batches) {
      const r = await fetch(`${base}/api/request-logs/batch/create`, { method: 'POST', headers, body: payload });
      if (r.status !== 200) throw new Error(`batch ingest answered ${r.status}`);
    }
  }));
  return (batches * size) / ((performance.now() - t) / 1000);
}

await single(2000, 64);
const singleRate = await single(30_000, 64);
await batch(5, 5000, 2);
const batchRate = await batch(40, 5000, 2);
const batchRate1k = await batch(200, 1000, 4);
child.stdin.end();
await child.exited;

console.log('\n| ingest over HTTP (block=true, committed before the answer) | spans/s |');
console.log('| --- | ---: |');
console.log(`| POST /api/request-logs/create/, one span per request, 64 concurrent clients | ${Math.round(singleRate).toLocaleString()} |`);
console.log(`| POST /api/request-logs/batch/create, 5,000 spans per request, 2 concurrent | ${Math.round(batchRate).toLocaleString()} |`);
console.log(`| POST /api/request-logs/batch/create, 1,000 spans per request, 4 concurrent | ${Math.round(batchRate1k).toLocaleString()} |`);
}

if (!values['no-queries']) await queries();
if (!values['no-ingest']) await ingest();
