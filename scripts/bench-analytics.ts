/**
 * Overview panel latencies: each analytics endpoint's service call (what a
 * console panel waits for, through the store's reader threads, JSON included) over 1 hour, 24 hours and 7 days of
 * a database filled by scripts/seed-spans.ts. Prints a markdown table.
 * Usage: bun scripts/bench-analytics.ts --db /tmp/bench.db [--org org_bench] [--now 2026-06-15T12:00:00Z] [--runs 20]
 *        [--metadata-keys tier] (the keys the seed rolled up, as `rollups.metadata_keys`)
 */
import { parseArgs } from 'node:util';
import { AnalyticsService } from '../src/modules/analytics/service.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import type { AnalyticsDimension } from '../src/store/analytics-types.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: '/tmp/bench.db' },
    org: { type: 'string', default: 'org_bench' },
    now: { type: 'string', default: '2026-06-15T12:00:00Z' },
    runs: { type: 'string', default: '20' },
    'metadata-keys': { type: 'string', default: '' },
  },
});
const now = Date.parse(values.now as string);
const runs = Number(values.runs);
const metadataKeys = (values['metadata-keys'] as string).split(',').filter(Boolean);
const store = openSqliteStore({ path: values.db as string, settings: { metadataKeys } });
const service = new AnalyticsService(store.analytics, store.keys, () => now);
const scope = { orgId: values.org as string, environments: ['prod' as const] };
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;

const panels: [string, (from: number) => Promise<unknown>][] = [
  ['summary', (from) => service.summary(scope, { from, to: now, customer: null })],
  ['timeseries (default bucket)', (from) => service.timeseries(scope, { from, to: now, customer: null }, null)],
  ...(
    [
      ['model', { kind: 'model' }],
      ['provider', { kind: 'provider' }],
      ['customer', { kind: 'customer' }],
      ['api_key', { kind: 'api_key' }],
      ['metadata.tier', { kind: 'metadata', key: 'tier' }],
    ] as [string, AnalyticsDimension][]
  ).map(([name, by]): [string, (from: number) => Promise<unknown>] => [
    `breakdown by ${name}`,
    (from) => service.breakdown(scope, { from, to: now, customer: null }, by, 'requests', 10),
  ]),
  ['timeseries of one customer (1d)', (from) => service.timeseries(scope, { from, to: now, customer: 'customer_42' }, '1d')],
];

const total = await store.spans.count(scope);
console.log(`${total.toLocaleString()} spans in ${values.db}; ${runs} runs after 2 warm-ups\n`);
console.log('| panel | window | p50 ms | p95 ms |');
console.log('| --- | --- | ---: | ---: |');
for (const [window, hours] of [['1 h', 1], ['24 h', 24], ['7 d', 168]] as const) {
  for (const [name, run] of panels) {
    const from = now - hours * 3_600_000;
    for (let i = 0; i < 2; i++) JSON.stringify(await run(from));
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      JSON.stringify(await run(from));
      times.push(performance.now() - t);
    }
    console.log(`| ${name} | ${window} | ${pct(times, 0.5).toFixed(1)} | ${pct(times, 0.95).toFixed(1)} |`);
  }
}
await store.close();
