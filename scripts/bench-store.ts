/**
 * The span store at scale, measured over HTTP only, as users drive it: a
 * gateway process (from source, or --binary) on a fresh data folder; spans
 * ingested through POST /api/request-logs/batch/create by concurrent clients
 * with random timestamps within the last day, in steps; at chosen sizes, each
 * list/summary/traces/threads/users query timed, and the proxy's latency at a
 * steady rate measured idle and while a client runs heavy reads back to back.
 *
 *   bun scripts/bench-store.ts [--spans 10000000] [--step 1000000] [--queries-at 1000000,10000000]
 *     [--clients 4] [--batch 1000] [--runs 20] [--rate 500] [--data-dir DIR] [--binary dist/switchyard]
 *     [--database-url postgres://...] [--redis-url redis://...]   (PostgreSQL, + Redis, instead of SQLite)
 *     [--timestamps random|recent]   (random: within the day before each step starts, the worst case;
 *                    recent: each span a moment old when its batch is sent, as a gateway's own or an SDK's spans arrive)
 *     [--start N]   (the kept --data-dir or database already holds N spans of an earlier run: go on from there;
 *                    --start N --spans N --queries-at N only measures the queries)
 *
 * Prints markdown tables (docs/benchmarks.md keeps the latest).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SQL } from 'bun';
import { BUCKET_MS } from '../src/lib/periods.ts';
import { startGateway } from './bench/gateway.ts';

const { values: v } = parseArgs({
  options: {
    spans: { type: 'string', default: '10000000' },
    step: { type: 'string', default: '1000000' },
    'queries-at': { type: 'string', default: '1000000,10000000' },
    clients: { type: 'string', default: '4' },
    batch: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '20' },
    rate: { type: 'string', default: '500' },
    'data-dir': { type: 'string' },
    binary: { type: 'string' },
    'database-url': { type: 'string' },
    'redis-url': { type: 'string' },
    start: { type: 'string', default: '0' },
    timestamps: { type: 'string', default: 'random' },
  },
});
const DATABASE_URL = v['database-url'];
if (v.timestamps !== 'random' && v.timestamps !== 'recent') throw new Error('--timestamps is random or recent');
const RECENT = v.timestamps === 'recent';
const TOTAL = Number(v.spans);
const STEP = Number(v.step);
const QUERIES_AT = new Set(String(v['queries-at']).split(',').map(Number));
const CLIENTS = Number(v.clients);
const BATCH = Number(v.batch);
const RUNS = Number(v.runs);
const RATE = Number(v.rate);
const KEY = 'benchkey.abcdefghijklmnopqrstuvwxyz012345';
const dir = v['data-dir'] ?? mkdtempSync(join(tmpdir(), 'switchyard-store-bench-'));
mkdirSync(dir, { recursive: true });

// What an operator sets for a metadata key they filter and break down by.
const configFile = join(dir, 'bench-config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    rollups: { metadata_keys: ['tier'] },
    ...(DATABASE_URL ? { database: { url: DATABASE_URL } } : {}),
    ...(v['redis-url'] ? { redis: { url: v['redis-url'] } } : {}),
  }),
);
const gateway = await startGateway({ dataDir: dir, key: KEY, config: configFile, binary: v.binary });
const base = gateway.base;
const server = gateway.proc;
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

// ---- data: 2,000 customers (skewed), 10 models, ~10 spans per trace, 10% in threads.
let seq = 0;
let rnd = 12345;
const random = () => {
  rnd = (rnd * 1103515245 + 12345) & 0x7fffffff;
  return rnd / 0x7fffffff;
};
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o3-mini', 'claude-3-5-sonnet-20241022', 'claude-3-5-haiku-20241022', 'gemini-1.5-pro', 'gemini-1.5-flash', 'mistral-small-latest'];
const TIERS = ['free', 'pro', 'gold', 'enterprise'];
function log(now: number) {
  const i = seq++;
  const customer = `cust-${Math.floor(random() ** 3 * 2000)}`;
  const trace = Math.floor(i / 10);
  const body: Record<string, unknown> = {
    model: MODELS[i % MODELS.length],
    prompt_messages: [{ role: 'user', content: `question ${i} about the order of ${customer}` }],
    completion_message: { role: 'assistant', content: `answer ${i}: it ships tomorrow` },
    prompt_tokens: 20 + (i % 50),
    completion_tokens: 10 + (i % 30),
    cost: 0.0001 * (1 + (i % 17)),
    latency: 0.2 + random() * 3,
    customer_identifier: customer,
    timestamp: new Date(RECENT ? Date.now() - Math.floor(random() * 2_000) : now - Math.floor(random() * 86_400_000)).toISOString(),
    trace_unique_id: `trace-${trace}`,
    span_unique_id: `span-${i}`,
    span_name: i % 10 === 0 ? 'workflow' : 'llm.call',
    metadata: { tier: TIERS[i % 4], region: i % 3 === 0 ? 'eu' : 'us' },
  };
  if (i % 10 !== 0) body.span_parent_id = `span-${trace * 10}`;
  if (trace % 10 === 0) body.thread_identifier = `thread-${Math.floor(trace / 10)}`;
  return body;
}

/** The gateway's I/O so far (/proc/PID/io, every thread): bytes it dirtied for the disk, and read through the OS (page cache included). */
function gatewayIo(): { written: number; rchar: number } {
  if (pg) return { written: 0, rchar: 0 };
  const text = readFileSync(`/proc/${server.pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { written: field('write_bytes'), rchar: field('rchar') };
}

/** CPU the gateway has used, ms (every thread: /proc/PID/stat utime + stime, in clock ticks of 10 ms). */
function gatewayCpuMs(): number {
  const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rss(): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}
const pg = DATABASE_URL ? new SQL(DATABASE_URL) : null;

async function dbMb(): Promise<number> {
  if (pg) {
    const [row] = await pg`SELECT pg_database_size(current_database())::float8 AS bytes`;
    return Number((row as { bytes: number }).bytes) / 1024 / 1024;
  }
  let bytes = 0;
  for (const f of ['switchyard.db', 'switchyard.db-wal']) {
    try {
      bytes += statSync(join(dir, f)).size;
    } catch {}
  }
  return bytes / 1024 / 1024;
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const f1 = (x: number) => x.toFixed(1);

async function ingest(upTo: number): Promise<number> {
  const now = Date.now();
  const t0 = performance.now();
  const start = seq;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (seq < upTo) {
        const n = Math.min(BATCH, upTo - seq);
        const logs = Array.from({ length: n }, () => log(now));
        const r = await fetch(`${base}/api/request-logs/batch/create`, { method: 'POST', headers, body: JSON.stringify({ logs }) });
        if (r.status !== 200) throw new Error(`ingest answered ${r.status}: ${await r.text()}`);
        await r.arrayBuffer();
        if (seq % 100_000 < n) process.stderr.write(`\r  ingested ${seq.toLocaleString()} spans`);
      }
    }),
  );
  process.stderr.write('\n');
  return ((seq - start) / (performance.now() - t0)) * 1000;
}

const iso = (ms: number) => new Date(ms).toISOString();
function queries(now: number): [string, string, string, unknown?][] {
  const day = 86_400_000;
  const w = (d: number) => `start_time=${iso(now - d)}&end_time=${iso(now)}`;
  const midBucket = Math.floor((now - 3_600_000) / BUCKET_MS) * BUCKET_MS + BUCKET_MS / 2;
  const filters2 = { model: { operator: '', value: ['gpt-4o'] }, customer_identifier: { operator: '', value: ['cust-7'] } };
  return [
    ['list 1 h, no filter, -id', 'GET', `/api/request-logs/list/?${w(3_600_000)}`],
    ['list 30 d, no filter, -id', 'GET', `/api/request-logs/list/?${w(30 * day)}`],
    ['list 7 d, model + customer, -cost', 'POST', `/api/request-logs/list/?${w(7 * day)}&sort_by=-cost`, { filters: filters2 }],
    ['list 7 d, customer icontains, -timestamp', 'POST', `/api/request-logs/list/?${w(7 * day)}&sort_by=-timestamp`, { filters: { customer_identifier: { operator: 'icontains', value: ['ust-12'] } } }],
    ['list 24 h, metadata__tier = gold, -timestamp', 'GET', `/api/request-logs/list/?${w(day)}&sort_by=-timestamp&metadata__tier=gold`],
    ['summary 30 d, no filter', 'POST', `/api/request-logs/summary/?${w(30 * day)}`, {}],
    // Ending an hour ago, halfway into a 15-minute bucket: that half is read from spans.
    ['summary 30 d ending mid-bucket 1 h ago, no filter', 'POST', `/api/request-logs/summary/?start_time=${iso(now - 30 * day)}&end_time=${iso(midBucket)}`, {}],
    ['summary 7 d, model + customer', 'POST', `/api/request-logs/summary/?${w(7 * day)}`, { filters: filters2 }],
    ['summary 24 h, metadata__tier = gold (rolled-up key)', 'POST', `/api/request-logs/summary/?${w(day)}&metadata__tier=gold`, {}],
    ['summary 24 h, metadata__region = eu (span scan)', 'POST', `/api/request-logs/summary/?${w(day)}&metadata__region=eu`, {}],
    ['traces 7 d, -start_time', 'GET', `/api/traces/list/?${w(7 * day)}`],
    ['traces 30 d, -total_cost', 'GET', `/api/traces/list/?${w(30 * day)}&sort_by=-total_cost`],
    ['threads 7 d', 'GET', `/api/log_threads/?${w(7 * day)}`],
    ['users, monthly', 'GET', '/api/users/?summary_type=monthly&page_size=50'],
    ['overview: summary 30 d', 'GET', `/api/analytics/summary/?${w(30 * day)}`],
    ['overview: timeseries 7 d', 'GET', `/api/analytics/timeseries/?${w(7 * day)}`],
    ['overview: by model 30 d', 'GET', `/api/analytics/breakdown/?${w(30 * day)}&by=model`],
    ['overview: by customer 30 d', 'GET', `/api/analytics/breakdown/?${w(30 * day)}&by=customer`],
    ['overview: by metadata.tier 30 d', 'GET', `/api/analytics/breakdown/?${w(30 * day)}&by=metadata.tier`],
    ['span by id', 'GET', '/api/request-logs/LAST/'],
  ];
}

/** A read past the store's time budget answers 503 query_timeout: a result to report, not a failure of the run. */
class OverBudget extends Error {}

async function timeQuery(method: string, path: string, body: unknown): Promise<number> {
  const t = performance.now();
  const r = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (r.status === 503 && text.includes('time budget')) throw new OverBudget(text);
  if (r.status !== 200) throw new Error(`${method} ${path} answered ${r.status}: ${text.slice(0, 300)}`);
  return performance.now() - t;
}

async function lastId(): Promise<string> {
  // A kept store's newest span may be older than the list's default window of an hour.
  const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const r = await fetch(`${base}/api/request-logs/list/?page_size=1&start_time=${from}`, { headers });
  return ((await r.json()) as { results: { unique_id: string }[] }).results[0]?.unique_id ?? 'none';
}

/** Open-loop chat calls at RATE per second for `seconds`, latency from each call's scheduled start. */
async function proxyLatency(seconds: number): Promise<number[]> {
  const lat: number[] = [];
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  const interval = 1000 / RATE;
  for (let i = 0; i < RATE * seconds; i++) {
    const at = t0 + i * interval;
    const wait = at - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    pending.push(
      fetch(`${base}/api/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
      }).then(async (r) => {
        await r.arrayBuffer();
        lat.push(performance.now() - at);
      }),
    );
  }
  await Promise.all(pending);
  return lat;
}

/**
 * The planner's statistics of new partitions come from autovacuum; a server
 * with it off (as test machines often are) plans every read as if the spans
 * table were empty. Then the bench analyzes, as autovacuum would, and says so.
 */
async function analyzeWithoutAutovacuum(): Promise<void> {
  if (!pg) return;
  const [row] = await pg`SELECT current_setting('autovacuum') AS on`;
  if (row?.on === 'on') return;
  const t = performance.now();
  await pg`ANALYZE`;
  console.log(`
(autovacuum is off on this server: ANALYZE run before the queries, ${f1((performance.now() - t) / 1000)} s)`);
}

async function checkpoint(size: number): Promise<void> {
  await analyzeWithoutAutovacuum();
  const now = Date.now();
  const last = await lastId();
  console.log(`\n### ${size.toLocaleString()} spans\n`);
  console.log('| query | p50 ms | p95 ms | max ms |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, method, path, body] of queries(now)) {
    const p = path.replace('LAST', last);
    const times: number[] = [];
    let overBudget = 0;
    for (let i = 0; i <= RUNS; i++) {
      try {
        const ms = await timeQuery(method, p, body);
        if (i > 0) times.push(ms); // the first run warms the caches
      } catch (err) {
        if (!(err instanceof OverBudget)) throw err;
        overBudget++;
      }
    }
    const over = overBudget ? ` (${overBudget} of ${RUNS + 1} answered 503 query_timeout)` : '';
    if (times.length === 0) console.log(`| ${name}${over} | - | - | - |`);
    else console.log(`| ${name}${over} | ${f1(pct(times, 50))} | ${f1(pct(times, 95))} | ${f1(Math.max(...times))} |`);
  }
  const idle = await proxyLatency(10);
  let reading = true;
  let heavy = 0;
  const readers = (async () => {
    const heavyQueries = queries(now).filter(([n]) => /30 d|7 d|span scan|icontains/.test(n));
    while (reading) {
      for (const [, method, path, body] of heavyQueries) {
        if (!reading) break;
        await timeQuery(method, path, body).catch(() => {});
        heavy++;
      }
    }
  })();
  const busy = await proxyLatency(10);
  reading = false;
  await readers;
  console.log(`\nProxy (mock/echo, ${RATE} req/s open loop, 10 s), latency from scheduled start:\n`);
  console.log('| while | p50 ms | p99 ms | max ms |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| idle | ${f1(pct(idle, 50))} | ${f1(pct(idle, 99))} | ${f1(Math.max(...idle))} |`);
  console.log(`| heavy reads back to back (${heavy} in 10 s) | ${f1(pct(busy, 50))} | ${f1(pct(busy, 99))} | ${f1(Math.max(...busy))} |`);
  console.log(`\nRSS ${f1(rss())} MB, database ${f1(await dbMb())} MB`);
}

const backend = DATABASE_URL ? `PostgreSQL${v['redis-url'] ? ' + Redis' : ''}` : 'SQLite';
console.log(
  `# span store at scale (${backend}): ${TOTAL.toLocaleString()} spans, ${CLIENTS} clients x ${BATCH} per batch, ${RECENT ? 'timestamps a moment old' : 'random timestamps within the day'}, rollups.metadata_keys [tier], ${new Date().toISOString()}\n`,
);
console.log('| spans | ingest (spans/s) in this step | KB written / span | KB read (rchar) / span | database MB | RSS MB | load average (1 min) | gateway CPU ms / 1k spans |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const rows: string[] = [];
const START = Number(v.start);
seq = START;
if (START > 0 && QUERIES_AT.has(START)) await checkpoint(START);
for (let size = START + STEP; size <= TOTAL; size += STEP) {
  const io0 = gatewayIo();
  const cpu0 = gatewayCpuMs();
  const rate = await ingest(size);
  const io1 = gatewayIo();
  const cpu = ((gatewayCpuMs() - cpu0) / STEP) * 1000;
  const perSpan = (bytes: number) => (pg ? '-' : f1(bytes / STEP / 1024));
  rows.push(
    `| ${size.toLocaleString()} | ${Math.round(rate).toLocaleString()} | ${perSpan(io1.written - io0.written)} | ${perSpan(io1.rchar - io0.rchar)} | ${f1(await dbMb())} | ${f1(rss())} | ${loadavg()[0]?.toFixed(1)} | ${Math.round(cpu)} |`,
  );
  console.log(rows[rows.length - 1]);
  if (QUERIES_AT.has(size)) await checkpoint(size);
}
await gateway.stop();
await pg?.close();
if (!v['data-dir']) rmSync(dir, { recursive: true, force: true });
