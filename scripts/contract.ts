/**
 * The container image's contract, tested on the compiled binary (there is no
 * container engine on the build machines). The binary runs the way the
 * Dockerfile runs it:
 *   - as a non-root user (uid/gid 65534, via setpriv when this runs as root),
 *   - on a read-only root file system with only the data folder writable, like
 *     `docker run --read-only -v data:/data` (a private mount namespace with
 *     `/` remounted read-only, when this runs as root and unshare works),
 *     from a read-only working directory, with TMPDIR there too,
 *   - with no arguments and no config file: all configuration from the
 *     environment (listen address, data folder, key, log format, metrics port,
 *     a provider),
 * and must: answer /ready only once every migration is applied; serve, log
 * JSON lines, expose /metrics on its own port; pass `switchyard healthcheck`
 * (the image's HEALTHCHECK); on SIGTERM turn /ready to 503 at once while an
 * in-flight call finishes, store that call's span, and exit 0 within the
 * shutdown timeout.
 *
 * Usage: bun scripts/contract.ts [--binary dist/switchyard]
 */
import { Database } from 'bun:sqlite';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startMockUpstream } from '../src/providers/mock/server.ts';
import { migrations } from '../src/store/sqlite/migrations/index.ts';
import { freePort } from './bench/procs.ts';

const { values } = parseArgs({ options: { binary: { type: 'string', default: 'dist/switchyard' } } });
const NOBODY = 65534;
const KEY = 'contract.abcdefghijklmnopqrstuvwxyz012345';
const SHUTDOWN_TIMEOUT_MS = 5000;
const UPSTREAM_LATENCY_MS = 1500;
const asRoot = process.getuid?.() === 0;

const results: [string, string][] = [];
const root = mkdtempSync(join(tmpdir(), 'switchyard-contract-'));
const app = join(root, 'app');
const data = join(root, 'data');
const upstream = startMockUpstream({ port: 0, ttft_ms: UPSTREAM_LATENCY_MS });
let proc: ReturnType<typeof Bun.spawn> | null = null;

function check(name: string, ok: boolean, detail: string): void {
  results.push([name, ok ? `ok: ${detail}` : `FAILED: ${detail}`]);
  if (!ok) finish(1);
}

function finish(code: number): never {
  proc?.kill('SIGKILL');
  void upstream.stop();
  console.log('| contract | result |\n| --- | --- |');
  for (const [name, r] of results) console.log(`| ${name} | ${r} |`);
  rmSync(root, { recursive: true, force: true });
  console.log(code === 0 ? 'contract: OK' : 'contract: FAILED');
  process.exit(code);
}

// The image's layout: the binary in a folder nobody may write, the data folder owned by the user.
chmodSync(root, 0o755);
mkdirSync(app, { mode: 0o555 });
const binary = join(app, 'switchyard');
copyFileSync(resolve(values.binary as string), binary);
chmodSync(binary, 0o555);
chmodSync(app, 0o555);
mkdirSync(data, { mode: 0o700 });
if (asRoot) chownSync(data, NOBODY, NOBODY);

const port = freePort();
const metricsPort = freePort();
const base = `http://127.0.0.1:${port}`;
// Nothing inherited: what the container's environment holds, and no more.
const env = {
  PATH: '/usr/bin:/bin',
  TMPDIR: app,
  SWITCHYARD_HOST: '127.0.0.1',
  SWITCHYARD_PORT: String(port),
  SWITCHYARD_DATA_DIR: data,
  SWITCHYARD_BOOTSTRAP_KEY: KEY,
  SWITCHYARD_LOG_FORMAT: 'json',
  SWITCHYARD_METRICS_PORT: String(metricsPort),
  SWITCHYARD_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  SWITCHYARD_PROVIDER_SLOWUP_KIND: 'openai',
  SWITCHYARD_PROVIDER_SLOWUP_API_BASE: upstream.url,
  SWITCHYARD_PROVIDER_SLOWUP_API_KEY: 'contract',
};
const asUser = (cmd: string[]) =>
  asRoot ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', ...cmd] : cmd;
// Each step execs the next, so the spawned pid ends up being the binary's.
const READ_ONLY_ROOT = 'mount --bind "$1" "$1" && mount -o remount,bind,ro / && shift && exec "$@"';
const readOnlyRoot =
  asRoot && Bun.spawnSync(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -o remount,bind,ro / && ! touch /.probe 2>/dev/null']).exitCode === 0;
const isolated = (cmd: string[]) =>
  readOnlyRoot ? ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', READ_ONLY_ROOT, 'sh', data, ...cmd] : cmd;
const appFiles = readdirSync(app).join(',');

const started = performance.now();
proc = Bun.spawn(isolated(asUser([binary])), { cwd: app, env, stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' });
const stderr = new Response(proc.stderr as ReadableStream<Uint8Array>).text();

// Readiness: refused or 503 until the first 200, and by then every migration is recorded.
let early = 0;
for (;;) {
  if (proc.exitCode !== null) check('starts', false, `exited ${proc.exitCode}: ${await stderr}`);
  if (performance.now() - started > 15_000) check('starts', false, 'no /ready 200 within 15 s');
  const r = await fetch(`${base}/ready`).catch(() => null);
  if (r?.status === 200) break;
  if (r && r.status !== 503) check('readiness before migrations', false, `/ready answered ${r.status}`);
  early++;
  await Bun.sleep(5);
}
const db = new Database(join(data, 'switchyard.db'), { readonly: true });
const applied = db.query<{ n: number }, []>('SELECT count(*) AS n FROM __switchyard_migrations').get()?.n ?? 0;
db.close();
check('ready only after migrations', applied === migrations.length, `first /ready 200 after ${(performance.now() - started).toFixed(0)} ms (${early} earlier probes refused or 503), ${applied}/${migrations.length} migrations applied by then`);

const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1];
// What the binary itself sees: its root mount's options, and its data folder's.
const mounts = readFileSync(`/proc/${proc.pid}/mounts`, 'utf8').split('\n').map((l) => l.split(' '));
const mountOf = (path: string) => mounts.findLast((m) => m[1] === path)?.[3]?.split(',')[0] ?? 'none';
const rootRo = mountOf('/') === 'ro' && mountOf(data) === 'rw';
check('non-root user', asRoot ? uid === String(NOBODY) : uid !== '0', asRoot ? `uid ${uid}` : `uid ${uid} (not run as root, so setpriv was not needed)`);

const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const keys = await fetch(`${base}/api/temporary-keys/`, { headers: auth });
check('configuration from the environment', keys.status === 200, `the bootstrap key from SWITCHYARD_BOOTSTRAP_KEY answers ${keys.status}`);
const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
check('metrics port from the environment', scrape.status === 200 && (await scrape.text()).includes('switchyard_build_info'), `/metrics on SWITCHYARD_METRICS_PORT answers ${scrape.status}`);

const health = Bun.spawnSync(asUser([binary, 'healthcheck']), { cwd: app, env });
check('healthcheck command', health.exitCode === 0, `\`switchyard healthcheck\` exits ${health.exitCode}: ${health.stdout.toString().trim().slice(0, 60)}`);

// SIGTERM while a call to the slow upstream (SWITCHYARD_PROVIDER_SLOWUP_*) is in flight.
const inFlight = fetch(`${base}/api/chat/completions`, {
  method: 'POST',
  headers: auth,
  body: JSON.stringify({ model: 'slowup/mock-model', messages: [{ role: 'user', content: 'still there?' }] }),
});
await Bun.sleep(200);
const termAt = performance.now();
proc.kill('SIGTERM');
let notReady: Response | null = null;
while (!notReady || notReady.status !== 503) {
  notReady = await fetch(`${base}/ready`);
  if (performance.now() - termAt > 1000) break;
}
check('not ready at SIGTERM', notReady.status === 503, `/ready answered ${notReady.status} ${(performance.now() - termAt).toFixed(0)} ms after SIGTERM`);
const answered = await inFlight;
check('in-flight call drains', answered.status === 200, `the call in flight at SIGTERM answered ${answered.status} after ${(performance.now() - termAt).toFixed(0)} ms`);
const code = await Promise.race([proc.exited, Bun.sleep(SHUTDOWN_TIMEOUT_MS + 2000).then(() => null)]);
const exitMs = performance.now() - termAt;
check('exit 0 within the shutdown timeout', code === 0 && exitMs <= SHUTDOWN_TIMEOUT_MS, `exit code ${code} ${exitMs.toFixed(0)} ms after SIGTERM (timeout ${SHUTDOWN_TIMEOUT_MS} ms)`);
proc = null;

const spans = new Database(join(data, 'switchyard.db'), { readonly: true });
const stored = spans.query<{ n: number }, []>("SELECT count(*) AS n FROM spans WHERE model = 'slowup/mock-model'").get()?.n ?? 0;
spans.close();
check('span of the drained call stored', stored === 1, `${stored} span`);
const lines = (await stderr).split('\n').filter(Boolean);
const json = lines.every((l) => {
  try {
    return typeof JSON.parse(l).message === 'string';
  } catch {
    return false;
  }
});
check('JSON logs from SWITCHYARD_LOG_FORMAT', json && lines.length > 0, `${lines.length} lines on stderr, each a JSON object with a message`);
const fs = readOnlyRoot ? 'the binary saw / mounted ro and its data folder rw' : 'root file system left writable (needs root and unshare)';
check('only the data folder written', readdirSync(app).join(',') === appFiles && rootRo === readOnlyRoot, `${fs}; working directory unchanged (${appFiles}); data folder: ${readdirSync(data).join(', ')}`);
finish(0);
