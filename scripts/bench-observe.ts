/**
 * What the request observer (request ids, the request context), the metrics
 * and the access log cost per proxy call, measured in process: the app's fetch
 * is called directly (no sockets) with the built-in mock provider, 32 calls at
 * a time, in variants that differ by one setting each. Variants take turns
 * round after round, so a busy neighbour on a shared machine slows them all
 * alike; the table shows each one's median CPU time per call, and the median
 * of its differences to the variant before it, round by round (paired, so
 * that drift between rounds cancels).
 *
 * Usage: bun scripts/bench-observe.ts [--calls 10000] [--rounds 11]
 */
import { openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { createApp } from '../src/app.ts';
import { type Config, ConfigSchema } from '../src/config.ts';
import { currentRequest } from '../src/http/request-context.ts';
import { createLogger, type LogFormat } from '../src/lib/log.ts';
import { openBackend } from '../src/store/open.ts';
import { buildAppDeps } from '../src/wiring.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '11' } } });
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const CONCURRENCY = 32;
const progress = (msg: string) => process.stderr.write(`[bench-observe] ${msg}\n`);
// Log lines cost their formatting and a write(2), as on a real stderr; /dev/null keeps the disk out of it.
const devNull = openSync('/dev/null', 'w');

interface Variant {
  name: string;
  observer: boolean;
  metrics: boolean;
  accessLog: LogFormat | null;
}

const VARIANTS: Variant[] = [
  { name: 'app.fetch alone, metrics off', observer: false, metrics: false, accessLog: null },
  { name: '+ request observer (ids, context)', observer: true, metrics: false, accessLog: null },
  { name: '+ metrics', observer: true, metrics: true, accessLog: null },
  { name: '+ access log, text', observer: true, metrics: true, accessLog: 'text' },
  { name: 'access log as json instead', observer: true, metrics: true, accessLog: 'json' },
];

async function setUp(v: Variant) {
  const config: Config = {
    ...(Value.Default(ConfigSchema, {}) as Config),
    log_level: v.accessLog ? 'info' : 'warn',
    metrics: { enabled: v.metrics, require_key: false, customer_label: false },
  };
  const log = createLogger(config.log_level, {
    format: v.accessLog ?? 'text',
    write: (l) => writeSync(devNull, l),
    context: () => {
      const r = currentRequest();
      return r ? { request_id: r.id } : undefined;
    },
  });
  const backend = await openBackend(config, { log, now: Date.now, memory: true });
  const deps = buildAppDeps(config, backend, { log, now: Date.now, version: 'bench' });
  const { org } = await backend.store.orgs.ensure('bench');
  const { key } = await deps.keys.create(org.id, { name: 'bench', environment: 'prod', role: 'member' });
  const app = createApp(deps);
  const fetch = v.observer ? deps.observer.wrap(app.fetch) : (r: Request) => app.fetch(r);
  const body = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 32 });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const one = async () => {
    const r = await fetch(new Request('http://bench/api/chat/completions', { method: 'POST', headers, body }));
    if (r.status !== 200) throw new Error(`${v.name}: answered ${r.status}: ${await r.text()}`);
    await r.arrayBuffer();
  };
  return { v, one, writer: deps.writer, cpu: [] as number[] };
}

/** CPU microseconds per call over `n` calls, `CONCURRENCY` at a time. */
async function run(one: () => Promise<void>, n: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i += CONCURRENCY) await Promise.all(Array.from({ length: CONCURRENCY }, one));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const setups: Awaited<ReturnType<typeof setUp>>[] = [];
for (const v of VARIANTS) setups.push(await setUp(v));
progress('warming up');
for (const s of setups) await run(s.one, 2000);
for (let r = 1; r <= rounds; r++) {
  progress(`round ${r}/${rounds}: ${calls} calls per variant`);
  for (const s of setups) {
    s.cpu.push(await run(s.one, calls));
    await s.writer.flush();
  }
}

console.log(`Bun ${Bun.version}; ${calls} proxy calls (mock/echo, in process) per variant and round, ${rounds} rounds, ${CONCURRENCY} at a time`);
console.log('');
console.log('| variant | CPU us per call (median) | min-max | vs the variant before (median of paired differences) |');
console.log('| --- | ---: | ---: | ---: |');
setups.forEach((s, i) => {
  const m = median(s.cpu);
  // The json access log is compared with the text one; every other variant with the row above it.
  const prev = setups[i - 1];
  let delta = '';
  if (prev) {
    const d = median(s.cpu.map((x, r) => x - (prev.cpu[r] as number)));
    delta = `${d >= 0 ? '+' : ''}${d.toFixed(2)} us (${((d / median(prev.cpu)) * 100).toFixed(1)}%)`;
  }
  console.log(`| ${s.v.name} | ${m.toFixed(2)} | ${Math.min(...s.cpu).toFixed(1)}-${Math.max(...s.cpu).toFixed(1)} | ${delta} |`);
});
