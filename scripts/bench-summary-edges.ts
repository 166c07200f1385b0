/**
 * A 30-day summary whose window ends halfway into a bucket (and half a
 * minute into a minute), at 10M spans a day where it matters: the two
 * buckets the window cuts hold ~104,000 spans each, everything else is read
 * from rollups whatever its size. Through the store API on a SQLite file
 * store (write thread, reader pool), so a checkout without the HTTP bench's
 * hours of ingest can be compared with another: --root names the checkout
 * whose src/ is measured (another worktree of this repository).
 *
 *   bun scripts/bench-summary-edges.ts --data-dir DIR fill [--root CHECKOUT]
 *   bun scripts/bench-summary-edges.ts --data-dir DIR query [--root CHECKOUT] [--runs 30]
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

type StoreModule = typeof import('../src/store/sqlite/index.ts');
type SpansModule = typeof import('../test/helpers/spans.ts');

const { values: v, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'data-dir': { type: 'string' },
    root: { type: 'string', default: resolve(import.meta.dir, '..') },
    runs: { type: 'string', default: '30' },
  },
});
const dir = v['data-dir'];
const mode = positionals[0];
if (!dir || (mode !== 'fill' && mode !== 'query')) throw new Error('usage: --data-dir DIR fill|query [--root CHECKOUT] [--runs N]');
mkdirSync(dir, { recursive: true });
const root = String(v.root);
const { openSqliteStore } = (await import(join(root, 'src/store/sqlite/index.ts'))) as StoreModule;
const { span } = (await import(join(root, 'test/helpers/spans.ts'))) as SpansModule;

const BUCKET = 15 * 60_000;
// Halfway into a bucket and half a minute into a minute, as an API client's arbitrary end time.
const to = Date.parse('2026-11-29T12:07:30Z');
const from = to - 30 * 86_400_000;
const scope = { orgId: 'org_edges', environments: ['prod' as const] };
const store = openSqliteStore({ path: join(dir, 'switchyard.db') });

if (mode === 'fill') {
  const perBucket = Math.round(10_000_000 / 96);
  let seed = 1;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const models = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-haiku', 'gemini-1.5-flash'];
  for (const edge of [from, to]) {
    const start = Math.floor(edge / BUCKET) * BUCKET;
    for (let i = 0; i < perBucket; i += 1000) {
      const batch = Array.from({ length: 1000 }, (_, j) => {
        const t = start + Math.floor(rand() * BUCKET);
        return span({ org_id: scope.orgId, timestamp: t, start_time: t - 500, model: models[(i + j) % models.length] ?? null, cost: 0.001 });
      });
      await store.spans.insertBatch(batch);
    }
  }
  console.log(`filled: ${await store.spans.count(scope)} spans`);
} else {
  const runs = Number(v.runs);
  const times: number[] = [];
  let n = 0;
  // Three warm-up runs, not counted.
  for (let i = 0; i < runs + 3; i++) {
    const t0 = performance.now();
    n = (await store.spans.summary({ scope, from, to, filters: [] })).number_of_requests;
    if (i >= 3) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(1);
  console.log(`${root}: ${n} spans in the window; p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms; load ${loadavg()[0]?.toFixed(1)}`);
}
await store.close();
