/**
 * Smoke test of the compiled binary: start it from an empty folder on a free
 * port, call /health and an authenticated endpoint, stop it with SIGTERM and
 * expect exit 0. Prints cold start, idle RSS and size. Also runs the binary's
 * own load generator against it (streaming, with --compare against the
 * binary's standalone mock upstream), and copies the folder it wrote into a
 * fresh PostgreSQL database with the binary's `migrate-store` (when the test
 * server is reachable; with CI set it must be), and runs docs/deploy.md's two
 * gateways on one PostgreSQL and one Redis as printed, with this binary.
 * Usage: bun scripts/smoke.ts [--binary dist/switchyard]
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/ports.ts';
import { freshDatabase, reachable, TEST_DATABASE_URL } from '../test/helpers/postgres.ts';

const { values } = parseArgs({ options: { binary: { type: 'string', default: 'dist/switchyard' } } });
const binary = resolve(values.binary as string);
const dir = mkdtempSync(join(tmpdir(), 'switchyard-smoke-'));
const key = 'smoke123.abcdefghijklmnopqrstuvwxyz012345';

function fail(msg: string): never {
  console.error(`smoke: FAILED: ${msg}`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const started = performance.now();
const proc = Bun.spawn([binary, 'serve', '--port', '0', '--data-dir', join(dir, 'data')], {
  cwd: dir,
  env: { ...process.env, SWITCHYARD_BOOTSTRAP_KEY: key, SWITCHYARD_LOG_LEVEL: 'warn' },
  stdout: 'pipe',
  stderr: 'inherit',
});

// The banner names the port the OS picked.
let banner = '';
const reader = proc.stdout.getReader();
let base = '';
while (!base) {
  const { value, done } = await reader.read();
  if (done) fail(`binary exited before listening (code ${await proc.exited})`);
  banner += new TextDecoder().decode(value);
  base = /listening on (http:\/\/\S+)/.exec(banner)?.[1] ?? '';
}

let health: Response | null = null;
while (!health || !health.ok) {
  health = await fetch(`${base}/health`).catch(() => null);
  if (performance.now() - started > 10_000) fail('no /health answer within 10 s');
}
const coldStartMs = performance.now() - started;
const auth = { authorization: `Bearer ${key}` };
const keys = await fetch(`${base}/api/temporary-keys/`, { headers: auth });
if (keys.status !== 200) fail(`GET /api/temporary-keys/ answered ${keys.status}`);
const anon = await fetch(`${base}/api/temporary-keys/`);
if (anon.status !== 401) fail(`an unauthenticated call answered ${anon.status}, expected 401`);
// OTLP protobuf decoding must work inside the binary (protobufjs + long are bundled there).
// A hand-made ExportTraceServiceRequest: one span, trace id 0102..10, span id 0102..08, name "x".
const otlp = Buffer.from('CiwSKhIoChABAgMEBQYHCAkKCwwNDg8QEggBAgMEBQYHCCoBeDkVzYU9/pyXFw==', 'base64');
const exported = await fetch(`${base}/api/v1/traces`, {
  method: 'POST',
  headers: { ...auth, 'content-type': 'application/x-protobuf' },
  body: otlp,
});
if (exported.status !== 200) fail(`POST /api/v1/traces (protobuf) answered ${exported.status}: ${await exported.text()}`);
const traced = await fetch(`${base}/api/traces/0102030405060708090a0b0c0d0e0f10/`, { headers: auth });
if (traced.status !== 200) fail(`the OTLP span's trace was not found (${traced.status})`);
await Bun.sleep(500);
const idleRss = rssMb(proc.pid);

/** The first line a child prints that matches `pattern` (its first group). */
async function printed(child: { stdout: ReadableStream<Uint8Array> }, pattern: RegExp, what: string): Promise<string> {
  const r = child.stdout.getReader();
  let text = '';
  for (;;) {
    const { value, done } = await r.read();
    if (done) fail(`${what} ended before printing ${pattern}: ${text}`);
    text += new TextDecoder().decode(value);
    const m = pattern.exec(text)?.[1];
    if (m) {
      r.releaseLock();
      return m;
    }
  }
}

// `switchyard loadtest` from the binary: this gateway by default (its port and bootstrap key from the
// environment, as serve reads them), streamed, compared with `switchyard mock` as the upstream.
const mock = Bun.spawn([binary, 'mock', '--port', '0', '--ttft-ms', '1', '--tokens-per-second', '2000'], { cwd: dir, stdout: 'pipe', stderr: 'inherit' });
const mockUrl = await printed(mock, /listening on (http:\/\/\S+)/, 'switchyard mock');
const load = Bun.spawn([binary, 'loadtest', '--rate', '50', '--duration', '1', '--stream', '--json', '--quiet', '--compare', mockUrl], {
  cwd: dir,
  env: { ...process.env, SWITCHYARD_PORT: new URL(base).port, SWITCHYARD_BOOTSTRAP_KEY: key },
  stdout: 'pipe',
  stderr: 'pipe',
});
const [loadOut, loadErr, loadCode] = await Promise.all([new Response(load.stdout).text(), new Response(load.stderr).text(), load.exited]);
mock.kill('SIGTERM');
if ((await mock.exited) !== 0) fail('switchyard mock did not exit 0 on SIGTERM');
if (loadCode !== 0) fail(`switchyard loadtest exited ${loadCode}: ${loadErr}${loadOut}`);
const loadReport = JSON.parse(loadOut) as { target: { status: Record<string, number>; ttft_ms: unknown }; compare: { status: Record<string, number> } };
for (const run of [loadReport.target, loadReport.compare]) {
  if ((run.status['200'] ?? 0) < 45) fail(`switchyard loadtest: expected ~50 answers of 200, got ${JSON.stringify(run.status)}`);
}
if (!loadReport.target.ttft_ms) fail('switchyard loadtest measured no time to first token on a stream');

proc.kill('SIGTERM');
const code = await proc.exited;
if (code !== 0) fail(`exit code ${code} after SIGTERM, expected 0`);

// `switchyard migrate-store` from the binary: the folder just written, into a fresh PostgreSQL database.
let migrated = 'skipped: PostgreSQL unreachable';
if (await reachable()) {
  const db = await freshDatabase('smoke');
  try {
    const copy = Bun.spawnSync([binary, 'migrate-store', '--from', join(dir, 'data'), '--to', db.url], { cwd: dir });
    const out = copy.stdout.toString();
    if (copy.exitCode !== 0 || !out.includes('every table checked')) fail(`switchyard migrate-store exited ${copy.exitCode}: ${copy.stderr}${out}`);
    migrated = /\| spans\s+\|\s+(\d+) \|/.exec(out)?.[1] ?? '?';
    if (migrated === '0' || migrated === '?') fail(`switchyard migrate-store copied no spans: ${out}`);
    migrated = `${migrated} spans copied, every table checked`;
  } finally {
    await db.drop();
  }
} else if (process.env.CI) {
  fail(`PostgreSQL at ${TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//')} is unreachable (CI is set)`);
}

// docs/deploy.md's "Two gateways on one host" as printed, with this binary: only the ports, the database
// name and the Redis key prefix differ, so the run collides with nothing else on the machine.
let deployExample = 'skipped: PostgreSQL unreachable';
if (await reachable()) {
  const doc = readFileSync(resolve(import.meta.dir, '../docs/deploy.md'), 'utf8');
  const from = doc.indexOf('### Two gateways on one host');
  const start = doc.indexOf('```sh\n', from) + 6;
  const [p1, p2] = [await freePort(), await freePort()];
  const dbName = `smoke_deploy_${process.pid}`;
  const script = `export SWITCHYARD_REDIS_KEY_PREFIX=${dbName}:\n${doc.slice(start, doc.indexOf('```\n', start))}`
    .replaceAll('./dist/switchyard', binary)
    .replaceAll(':8081', `:${p1}`).replaceAll('port 8081', `port ${p1}`)
    .replaceAll(':8082', `:${p2}`).replaceAll('port 8082', `port ${p2}`)
    .replaceAll('/switchyard\n', `/${dbName}\n`).replaceAll('postgres switchyard', `postgres ${dbName}`);
  const run = Bun.spawnSync(['bash', '-c', script], { cwd: dir, env: { ...process.env, PATH: process.env.PATH ?? '' }, timeout: 60_000 });
  Bun.spawnSync(['dropdb', '-h', '127.0.0.1', '-U', 'postgres', '--if-exists', dbName]);
  const out = run.stdout.toString();
  const healthy = out.split('\n').filter((l) => l.includes('"dependencies":{"database":"up","redis":"up"}')).length;
  if (run.exitCode !== 0 || !out.includes('"content":"through one"') || healthy !== 2) {
    fail(`docs/deploy.md's two-gateway example (exit ${run.exitCode}): ${out}${run.stderr}`);
  }
  deployExample = 'two gateways on one PostgreSQL and one Redis, a call through one read through the other';
}
rmSync(dir, { recursive: true, force: true });

const sizeMb = statSync(binary).size / 1024 / 1024;
console.log('| binary size | cold start to first /health | idle RSS |');
console.log('| --- | --- | --- |');
console.log(`| ${sizeMb.toFixed(1)} MB | ${coldStartMs.toFixed(0)} ms | ${idleRss.toFixed(1)} MB |`);
console.log(`switchyard loadtest: ${loadReport.target.status['200']} streamed answers through the gateway, ${loadReport.compare.status['200']} from switchyard mock`);
console.log(`switchyard migrate-store: ${migrated}`);
console.log(`docs/deploy.md example: ${deployExample}`);
console.log('smoke: OK');
