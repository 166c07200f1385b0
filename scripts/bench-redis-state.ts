/**
 * What one shared-state decision costs through Redis, next to the memory
 * implementations: a rate-limit hit, a reservation (alone, and its whole life:
 * reserve, settle, commit), a cache get (hit and miss). Latency one call at a
 * time, and throughput with many calls in flight (Bun's client pipelines).
 *
 * Usage: bun scripts/bench-redis-state.ts [--url redis://127.0.0.1:6379] [--n 3000] [--concurrency 64]
 * Writes under a prefix of its own and deletes it at the end.
 */
import { RedisClient } from 'bun';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/lib/log.ts';
import type { CacheEntry } from '../src/routing/cache.ts';
import { memoryState } from '../src/store/memory/index.ts';
import { openRedisState } from '../src/store/redis/index.ts';
import type { BudgetSubject, SharedState } from '../src/store/state-types.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.SWITCHYARD_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    n: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '64' },
  },
});
const url = values.url as string;
const N = Number(values.n);
const CONCURRENCY = Number(values.concurrency);
const prefix = `sybench:${process.pid}:`;

const source = { billed: async () => 0.5 };
const subject: BudgetSubject = { orgId: 'org_bench', environment: 'prod', identifier: 'customer-1' };
const limits = [
  { budget: 'period_budget' as const, limit: 1e9, window: { start: Date.now() - 86_400_000, end: Date.now() + 86_400_000 } },
  { budget: 'total_budget' as const, limit: 1e9, window: null },
];

/** A chat answer; `chunks` more tokens of text make it the size of a long streamed answer. */
function chatEntry(chunks: number): CacheEntry {
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
  const content = text + Array.from({ length: chunks }, (_, i) => `token${i} `).join('');
  return {
    body: {
      kind: 'chat',
      chat: {
        id: 'chatcmpl-bench',
        created: 1,
        model: 'gpt-4o-mini',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 20, completion_tokens: 200, total_tokens: 220 },
      },
    },
    model: 'gpt-4o-mini',
    provider: 'openai',
    storedAt: Date.now(),
  };
}

interface Op {
  name: string;
  run: (s: SharedState, i: number) => Promise<unknown>;
}

let seq = 0;
const ops: Op[] = [
  { name: 'rate-limit hit', run: (s, i) => s.rateLimiter.hit(`key:${i % 100}`, 1e9) },
  { name: 'tryReserve', run: (s) => s.ledger.tryReserve({ id: `res_${++seq}`, subject, amount: 0.001, limits }) },
  {
    name: 'reserve+settle+commit',
    run: async (s) => {
      const id = `res_${++seq}`;
      await s.ledger.tryReserve({ id, subject, amount: 0.001, limits });
      await s.ledger.settle(subject, id, 0.0005);
      await s.ledger.committed([{ subject, timestamp: Date.now(), billed: 0.0005, reservationId: id }]);
    },
  },
  { name: 'cache get (hit, 1 KB)', run: (s) => s.cache.get('small') },
  { name: 'cache get (hit, 200 chunks)', run: (s) => s.cache.get('stream') },
  { name: 'cache get (miss)', run: (s) => s.cache.get('absent') },
];

async function measure(s: SharedState, op: Op): Promise<{ mean: number; p50: number; p99: number; perSecond: number }> {
  for (let i = 0; i < 200; i++) await op.run(s, i);
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await op.run(s, i);
    times.push((performance.now() - t) * 1000);
  }
  times.sort((a, b) => a - b);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) await op.run(s, next++);
    }),
  );
  const perSecond = N / ((performance.now() - started) / 1000);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number;
  return { mean: times.reduce((a, b) => a + b, 0) / times.length, p50: at(0.5), p99: at(0.99), perSecond };
}

// A generous timeout: on a busy machine a slow reply should show in the figures, not abort the run.
const redis = openRedisState({ url, prefix, source, log: silentLogger, cache: { maxBytes: 64 * 1024 * 1024 }, commandTimeoutMs: 10_000 });
if (!(await redis.ready(5000))) {
  console.error(`Redis at ${url} is unreachable`);
  process.exit(1);
}
const memory = memoryState({ source, cacheMaxBytes: 64 * 1024 * 1024 });
const rows: string[][] = [];
try {
  for (const [backend, s] of [
    ['redis', redis],
    ['memory', memory],
  ] as const) {
    await s.cache.set('small', chatEntry(0), 600_000);
    await s.cache.set('stream', chatEntry(200), 600_000);
    for (const op of ops) {
      process.stderr.write(`${backend}: ${op.name} ...\n`);
      const r = await measure(s, op);
      rows.push([op.name, backend, r.mean.toFixed(1), r.p50.toFixed(1), r.p99.toFixed(1), Math.round(r.perSecond).toLocaleString('en-US')]);
    }
  }
} finally {
  await redis.close();
  await memory.close();
  const cleanup = new RedisClient(url);
  let cursor = '0';
  do {
    const [next, keys] = (await cleanup.send('SCAN', [cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])) as [string, string[]];
    if (keys.length > 0) await cleanup.send('DEL', keys);
    cursor = next;
  } while (cursor !== '0');
  cleanup.close();
}

const header = ['operation', 'backend', 'mean µs', 'p50 µs', 'p99 µs', `ops/s (${CONCURRENCY} in flight)`];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
console.log(`\nshared state, one call at a time (n=${N}) and ${CONCURRENCY} in flight; Bun ${Bun.version}, Redis at ${url}`);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const r of rows) console.log(line(r));
