import { startFuzzGateway } from '/work/wt/harden-parse/test/fuzz/gateway.ts';
import { fuzzRoutes, runFuzz, statusTable } from '/work/wt/harden-parse/test/fuzz/runner.ts';
const gw = await startFuzzGateway();
try {
  console.log(gw.ids);
  const before = await gw.snapshot();
  const routes = await fuzzRoutes(gw);
  const t0 = performance.now();
  const r = await runFuzz(gw, routes, { perRoute: Number(process.argv[2] ?? 20), seed: 1, concurrency: 8, healthMs: 100, requestMs: 5000 });
  console.log('secs', ((performance.now() - t0) / 1000).toFixed(1), 'requests', r.requests, 'health worst', r.healthWorstMs.toFixed(0), 'slowest', r.slowestMs.toFixed(0));
  console.log(statusTable(r.counts));
  for (const v of r.violations.slice(0, 40)) console.log(v.route, '|', v.what.slice(0, 200), '|', v.request.slice(0, 400));
  console.log('violations', r.violations.length);
  console.log('snapshot same', before === await gw.snapshot());
  console.log(gw.log().split('\n').filter((l) => /error|unhandled/i.test(l)).slice(0, 10).join('\n'));
} finally { await gw.stop(); }
