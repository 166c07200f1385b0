/**
 * The long fuzz campaign of issue 17: the suite of test/fuzz/ with many more
 * requests per route and /health held to 100 ms.
 *
 *   bun scripts/fuzz.ts [--per-route 20000] [--seed N] [--concurrency 8] [--health-ms 100]
 *                       [--routes REGEX] [--findings FILE] [--fresh-per-route]
 *
 * Prints a progress line while it runs, then the per-route status counts and
 * the gateway's own event-loop lag per route as a markdown table, and every
 * invariant violation with a request that reproduces it (also appended to
 * --findings when given). Exits 1 on any violation. A route's requests depend
 * only on the seed and the route's place in the OpenAPI document, so
 * `--routes` repeats them. `--fresh-per-route` gives each route a gateway on
 * a fresh data folder: what earlier routes stored (hundreds of thousands of
 * fuzzed spans at 20,000 per route) then does not slow the list routes'
 * scans. See docs/fuzz.md.
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type FuzzGateway, startFuzzGateway } from '../test/fuzz/gateway.ts';
import { type FuzzResult, fuzzRoutes, runFuzz, statusTable, type Violation } from '../test/fuzz/runner.ts';

const { values: opts } = parseArgs({
  options: {
    'per-route': { type: 'string', default: '20000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    concurrency: { type: 'string', default: '8' },
    'health-ms': { type: 'string', default: '100' },
    routes: { type: 'string' },
    findings: { type: 'string' },
    'fresh-per-route': { type: 'boolean', default: false },
  },
});
const perRoute = Number(opts['per-route']);
const seed = Number(opts.seed);
const uptime = async () => (await new Response(Bun.spawn(['uptime'], { stdout: 'pipe' }).stdout).text()).trim();

/** One gateway's share of the run: its records checked before and after, its log read before it stops. */
interface Stint {
  unchanged: boolean;
  unhandled: string[];
}

async function endStint(gw: FuzzGateway, before: string): Promise<Stint> {
  const unchanged = (await gw.snapshot()) === before;
  const unhandled = gw.log().split('\n').filter((l) => l.includes('unhandled error'));
  await gw.stop();
  return { unchanged, unhandled };
}

const filter = opts.routes ? new RegExp(opts.routes) : null;
let gw = await startFuzzGateway();
let before = await gw.snapshot();
const all = await fuzzRoutes(gw);
const routes = [...all.entries()].filter(([, r]) => !filter || filter.test(`${r.method} ${r.path}`));
const total = routes.length * perRoute;
const loadBefore = await uptime();
const t0 = performance.now();
let lastPrint = 0;
const merged: FuzzResult = { counts: new Map(), violations: [], requests: 0, healthWorstMs: 0, slowestMs: 0, lag: new Map() };
const stints: Stint[] = [];
for (const [n, [index, route]] of routes.entries()) {
  if (opts['fresh-per-route'] && n > 0) {
    stints.push(await endStint(gw, before));
    gw = await startFuzzGateway();
    before = await gw.snapshot();
  }
  const doneBefore = merged.requests;
  const foundBefore = merged.violations.length;
  const r = await runFuzz(gw, [route], {
    perRoute,
    seed,
    firstRouteIndex: index,
    concurrency: Number(opts.concurrency),
    healthMs: Number(opts['health-ms']),
    requestMs: 5000,
    onViolation(v: Violation) {
      process.stderr.write(`\nVIOLATION ${v.route}: ${v.what.replaceAll('\n', ' ').slice(0, 400)} | ${v.request.slice(0, 400)}\n`);
    },
    progress(done, _total, violations) {
      const now = performance.now();
      if (now - lastPrint < 500) return;
      lastPrint = now;
      const sent = doneBefore + done;
      const rate = sent / ((now - t0) / 1000);
      const eta = (total - sent) / Math.max(rate, 1);
      process.stderr.write(`\r${sent}/${total} requests, ${rate.toFixed(0)}/s, ${foundBefore + violations} violations, ${(eta / 60).toFixed(1)} min left   `);
    },
  });
  for (const [k, v] of r.counts) merged.counts.set(k, v);
  for (const [k, v] of r.lag) merged.lag.set(k, v);
  merged.violations.push(...r.violations);
  merged.requests += r.requests;
  merged.healthWorstMs = Math.max(merged.healthWorstMs, r.healthWorstMs);
  merged.slowestMs = Math.max(merged.slowestMs, r.slowestMs);
}
stints.push(await endStint(gw, before));
process.stderr.write('\n');

const unchanged = stints.every((s) => s.unchanged);
const unhandled = stints.flatMap((s) => s.unhandled);
const minutes = ((performance.now() - t0) / 60_000).toFixed(1);
const mode = opts['fresh-per-route'] ? ', a fresh gateway per route' : '';
console.log(`## Fuzz campaign: ${merged.requests} requests, ${routes.length} routes x ${perRoute}, seed ${seed}${mode}, ${minutes} min\n`);
console.log(`load before: ${loadBefore}\nload after:  ${await uptime()}\n`);
console.log(`slowest request ${merged.slowestMs.toFixed(0)} ms; slowest /health ${merged.healthWorstMs.toFixed(0)} ms; keeper's records ${unchanged ? 'unchanged' : 'CHANGED'}; ${unhandled.length} unhandled errors logged\n`);
console.log(statusTable(merged.counts, merged.lag));
const lines = merged.violations.map((v) => `- \`${v.route}\`: ${v.what.replaceAll('\n', ' ')}\n  - request: \`${v.request.replaceAll('`', "'")}\``);
console.log(`\n### ${merged.violations.length} violations\n\n${lines.join('\n')}`);
if (unhandled.length) console.log(`\n### unhandled errors in the gateway's log\n\n${unhandled.map((l) => `    ${l.slice(0, 1500)}`).join('\n')}`);
if (opts.findings && lines.length) appendFileSync(opts.findings, `\n## scripts/fuzz.ts seed ${seed} (${new Date().toISOString()})\n\n${lines.join('\n')}\n`);
process.exit(merged.violations.length > 0 || !unchanged || unhandled.length > 0 ? 1 : 0);
