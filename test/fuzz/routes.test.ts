/**
 * Issue 17's fuzz suite, bounded for CI: every route of the OpenAPI document
 * gets FUZZ_PER_ROUTE (default 300) generated requests, each mutation kind and
 * key kind among them, against a gateway in its own process. Invariants: no
 * answer >= 500 except an upstream's 502/503/504 on a proxy route or a
 * documented overload; no request over 5 s; /health answering throughout
 * (within 2 s here: the CI machine is shared, and /health waits for a
 * database reader behind list queries; `scripts/fuzz.ts` holds it to
 * 100 ms); the records written before the run read back unchanged. The long
 * campaign is `bun scripts/fuzz.ts` (docs/fuzz.md).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type FuzzGateway, startFuzzGateway } from './gateway.ts';
import { fuzzRoutes, runFuzz, statusTable } from './runner.ts';

const PER_ROUTE = Number(process.env.FUZZ_PER_ROUTE ?? 300);
/**
 * 500s the fuzzer finds in per-field validation (issue 17 item 3), which the
 * branch harden-validate fixes: OTLP timestamps that are not digits, and an
 * `icontains` value past SQLite's LIKE pattern limit. Remove each entry when
 * its fix is on main; every other violation fails this test.
 */
const KNOWN_OPEN = [/^POST \/v1\/traces: 500 /, /^POST \/users\/list: 500 /];
/** The same two as the gateway logs them. */
const KNOWN_OPEN_LOG = [/otlp-map\.ts/, /LIKE or GLOB pattern too complex/];
let gw: FuzzGateway;
let before: string;
beforeAll(async () => {
  gw = await startFuzzGateway();
  before = await gw.snapshot();
}, 60_000);
afterAll(() => gw?.stop(), 30_000);

test(`every route, ${PER_ROUTE} fuzzed requests each: no 5xx, no hang, /health answers, stored data unchanged`, async () => {
  const routes = await fuzzRoutes(gw);
  expect(routes.length).toBeGreaterThan(50);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  const r = await runFuzz(gw, routes, { perRoute: PER_ROUTE, seed, concurrency: 8, healthMs: 2000, requestMs: 5000 });
  const report = r.violations
    .map((v) => `${v.route}: ${v.what}`.concat(`\n  ${v.request}`))
    .filter((line) => !KNOWN_OPEN.some((k) => k.test(line)))
    .join('\n');
  if (report) console.error(`fuzz seed ${seed}:\n${report}\n${statusTable(r.counts)}`);
  expect(report).toBe('');
  expect(r.requests).toBe(routes.length * PER_ROUTE);
  expect(await gw.snapshot()).toBe(before);
  const unhandled = gw.log().split('\n').filter((l) => l.includes('unhandled error') && !KNOWN_OPEN_LOG.some((k) => k.test(l)));
  expect(unhandled).toEqual([]);
}, 240_000);
