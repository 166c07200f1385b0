/**
 * The long fuzz campaign of issue 17: the suite of test/fuzz/ with many more
 * requests per route and /health held to 100 ms.
 *
 *   bun scripts/fuzz.ts [--per-route 20000] [--seed N] [--concurrency 8] [--health-ms 100]
 *                       [--routes REGEX] [--findings FILE]
 *
 * Prints a progress line while it runs, then the per-route status counts as
 * a markdown table and every invariant violation with a request that
 * reproduces it (also appended to --findings when given). Exits 1 on any
 * violation. See docs/fuzz.md.
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startFuzzGateway } from '../test/fuzz/gateway.ts';
import { fuzzRoutes, runFuzz, statusTable } from '../test/fuzz/runner.ts';

const { values: opts } = parseArgs({
  options: {
    'per-route': { type: 'string', default: '20000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    concurrency: { type: 'string', default: '8' },
    'health-ms': { type: 'string', default: '100' },
    routes: { type: 'string' },
    findings: { type: 'string' },
  },
});
const perRoute = Number(opts['per-route']);
const seed = Number(opts.seed);
const uptime = async () => (await new Response(Bun.spawn(['uptime'], { stdout: 'pipe' }).stdout).text()).trim();

const gw = await startFuzzGateway();
let failed = true;
try {
  const before = await gw.snapshot();
  const filter = opts.routes ? new RegExp(opts.routes) : null;
  const routes = (await fuzzRoutes(gw)).filter((r) => !filter || filter.test(`${r.method} ${r.path}`));
  const loadBefore = await uptime();
  const t0 = performance.now();
  let lastPrint = 0;
  const r = await runFuzz(gw, routes, {
    perRoute,
    seed,
    concurrency: Number(opts.concurrency),
    healthMs: Number(opts['health-ms']),
    requestMs: 5000,
    onViolation(v) {
      process.stderr.write(`\nVIOLATION ${v.route}: ${v.what.replaceAll('\n', ' ').slice(0, 400)} | ${v.request.slice(0, 400)}\n`);
    },
    progress(done, total, violations) {
      const now = performance.now();
      if (now - lastPrint < 500 && done !== total) return;
      lastPrint = now;
      const rate = done / ((now - t0) / 1000);
      const eta = (total - done) / Math.max(rate, 1);
      process.stderr.write(`\r${done}/${total} requests, ${rate.toFixed(0)}/s, ${violations} violations, ${(eta / 60).toFixed(1)} min left   `);
    },
  });
  process.stderr.write('\n');
  const unchanged = (await gw.snapshot()) === before;
  const unhandled = gw.log().split('\n').filter((l) => l.includes('unhandled error'));
  const minutes = ((performance.now() - t0) / 60_000).toFixed(1);
  console.log(`## Fuzz campaign: ${r.requests} requests, ${routes.length} routes x ${perRoute}, seed ${seed}, ${minutes} min\n`);
  console.log(`load before: ${loadBefore}\nload after:  ${await uptime()}\n`);
  console.log(`slowest request ${r.slowestMs.toFixed(0)} ms; slowest /health ${r.healthWorstMs.toFixed(0)} ms; keeper's records ${unchanged ? 'unchanged' : 'CHANGED'}; ${unhandled.length} unhandled errors logged\n`);
  console.log(statusTable(r.counts));
  const lines = r.violations.map((v) => `- \`${v.route}\`: ${v.what.replaceAll('\n', ' ')}\n  - request: \`${v.request.replaceAll('`', "'")}\``);
  console.log(`\n### ${r.violations.length} violations\n\n${lines.join('\n')}`);
  if (unhandled.length) console.log(`\n### unhandled errors in the gateway's log\n\n${unhandled.map((l) => `    ${l.slice(0, 1500)}`).join('\n')}`);
  if (opts.findings && lines.length) appendFileSync(opts.findings, `\n## scripts/fuzz.ts seed ${seed} (${new Date().toISOString()})\n\n${lines.join('\n')}\n`);
  failed = r.violations.length > 0 || !unchanged || unhandled.length > 0;
} finally {
  await gw.stop();
}
process.exit(failed ? 1 : 0);
