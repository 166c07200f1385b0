/** `switchyard loadtest` as a user runs it (from source, as a child process) against servers in this process. */
import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { UsageError } from '../../src/cli/args.ts';
import { loadtestCommand } from '../../src/cli/loadtest.ts';
import type { LoadTestReport } from '../../src/loadtest/report.ts';
import { startMockUpstream } from '../../src/providers/mock/server.ts';

const MAIN = join(import.meta.dir, '../../src/main.ts');
const upstream = startMockUpstream({ ttft_ms: 2, tokens_per_second: 1000 });
const seen: { path: string; auth: string | null; body: Record<string, unknown> }[] = [];
const recorder = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(req) {
    seen.push({ path: new URL(req.url).pathname, auth: req.headers.get('authorization'), body: (await req.json()) as Record<string, unknown> });
    return Response.json({ ok: true });
  },
});
afterAll(() => Promise.all([upstream.stop(), recorder.stop(true)]));

/** Runs the CLI without blocking this process's servers (Bun.spawn, not spawnSync). */
async function loadtest(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn([process.execPath, MAIN, 'loadtest', ...args], { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { stdout, stderr, code };
}

describe('switchyard loadtest', () => {
  test('a progress line a second on stderr, the table on stdout', async () => {
    const r = await loadtest(['--url', upstream.url, '--rate', '50', '--duration', '2.2', '--model', 'm']);
    expect(r.code).toBe(0);
    // One line a second; a third ('finishing') only if the last answers took long on a loaded machine.
    const progress = r.stderr.trim().split('\n');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatch(/^target: \[1\/2\.2 s\] sent \d+ \(\d+\/s\), answered \d+, in flight \d+, errors 0 \| latency p50 [\d.]+ ms p99 [\d.]+ ms$/);
    expect(r.stdout).toContain('switchyard loadtest: 50 req/s open loop (up to 1000 connections), 2.2 s');
    expect(r.stdout).toMatch(/target\s+measure\s+req\/s\s+requests\s+errors\s+p50 ms\s+p90 ms\s+p99 ms\s+p99\.9 ms\s+max ms/);
    // 110 requests fall due in 2.2 s; req/s counts those sent within the window (all of them unless the machine starves the generator).
    expect(r.stdout).toMatch(/target\s+latency\s+\d+\.\d\s+110\s+0\s/);
    expect(r.stdout).toContain('answers by status: 200 x 1');
  });

  test('--json with --stream and --compare: both runs, TTFT and the added latency', async () => {
    const r = await loadtest(['--url', upstream.url, '--compare', `${upstream.url}/chat/completions`, '--rate', '40', '--duration', '1', '--stream', '--json', '--quiet', '--max-tokens', '8']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as LoadTestReport;
    expect(Object.keys(report)).toEqual(['target', 'compare', 'added_ms']);
    for (const run of [report.target, report.compare]) {
      expect(run?.url).toBe(`${upstream.url}/chat/completions`);
      expect(run).toMatchObject({ mode: 'rate', rate: 40, connections: 1000, duration_s: 1, errors: 0, status: { '200': 40 }, failures: {} });
      expect(run?.achieved_rps).toBeGreaterThanOrEqual(36);
      expect(run?.achieved_rps).toBeLessThanOrEqual(40);
      expect(Object.keys(run?.latency_ms ?? {})).toEqual(['count', 'min', 'mean', 'p50', 'p90', 'p99', 'p999', 'max']);
      expect(run?.ttft_ms?.p50).toBeGreaterThanOrEqual(2);
      // 8 tokens about 1 ms apart: some reads bring several tokens, but gaps are measured.
      expect(run?.chunk_gap_ms?.count).toBeGreaterThan(0);
      expect(Object.keys(run?.generator ?? {})).toEqual(['cpu_percent', 'pacing_lag_p99_ms', 'peak_connections', 'peak_queued']);
    }
    expect(report.added_ms?.latency.p50).toBeCloseTo((report.target.latency_ms.p50 - (report.compare?.latency_ms.p50 ?? 0)), 3);
    expect(Object.keys(report.added_ms?.ttft ?? {})).toEqual(['p50', 'p90', 'p99', 'p999', 'max']);
  });

  test('by default it loads this gateway, with its bootstrap key; --compare gets no key unless given one', async () => {
    seen.length = 0;
    const key = 'cliloadt.abcdefghijklmnopqrstuvwxyz012345';
    const r = await loadtest(['--rate', '20', '--duration', '0.5', '--quiet', '--prompt-tokens', '3', '--compare', `http://127.0.0.1:${recorder.port}/v1`], {
      SWITCHYARD_PORT: String(recorder.port),
      SWITCHYARD_BOOTSTRAP_KEY: key,
    });
    expect(r.code).toBe(0);
    const toGateway = seen.filter((s) => s.path === '/api/chat/completions');
    expect(toGateway.length).toBe(10);
    expect(toGateway[0]?.auth).toBe(`Bearer ${key}`);
    expect(toGateway[0]?.body).toEqual({ model: 'mock/loadtest', messages: [{ role: 'user', content: 'the quick brown' }], max_tokens: 64 });
    expect(seen.filter((s) => s.path === '/v1/chat/completions').every((s) => s.auth === null)).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(key.split('.')[1]);
  });

  test('https: the server certificate is verified (a test CA via NODE_EXTRA_CA_CERTS)', async () => {
    const fixtures = join(import.meta.dir, 'fixtures');
    const tls = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      tls: { cert: Bun.file(join(fixtures, 'localhost.crt')), key: Bun.file(join(fixtures, 'localhost.key')) },
      fetch: () => Response.json({ ok: true }),
    });
    try {
      const args = ['--url', `https://localhost:${tls.port}/v1`, '--rate', '20', '--duration', '0.5', '--json', '--quiet'];
      const trusted = await loadtest(args, { NODE_EXTRA_CA_CERTS: join(fixtures, 'localhost.crt') });
      expect(JSON.parse(trusted.stdout).target.status).toEqual({ '200': 10 });
      const untrusted = await loadtest(args);
      expect(untrusted.code).toBe(1);
      expect(JSON.parse(untrusted.stdout).target.failures).toEqual({ tls: 10 });
    } finally {
      await tls.stop(true);
    }
  });

  test('nothing answered: exit 1, the failures counted', async () => {
    const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
    const port = probe.port;
    await probe.stop(true);
    const r = await loadtest(['--url', `http://127.0.0.1:${port}`, '--rate', '10', '--duration', '0.5', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('failures without an answer: connect x 5');
  });

  test('bad flags are usage errors naming the flag (exit 2)', async () => {
    const r = await loadtest(['--rate', '0', '--url', upstream.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--rate must be more than 0');
    const io = { out: () => undefined, err: () => undefined, tty: false };
    const url = ['--url', upstream.url];
    for (const [args, message] of [
      [['--connections', '2.5', ...url], '--connections must be an integer'],
      [['--duration=-1', ...url], '--duration must be more than 0'],
      [['--body', 'b.json', '--prompt-tokens', '5', ...url], '--prompt-tokens builds a body'],
      [['--body', '/nonexistent.json', ...url], '--body: cannot read JSON from /nonexistent.json'],
      [['--url', 'ftp://host/v1'], '--url must be an http(s) URL'],
      [['--url', 'http://user:pw@host/v1'], '--url must not carry credentials'],
      [['--header', 'no colon', ...url], "--header must look like 'Name: value'"],
      [['--key', 'a\u00e9b', ...url], '--key must be printable ASCII'],
      [['--bogus', ...url], "Unknown option '--bogus'"],
    ] as const) {
      const err = await loadtestCommand([...args], {}, io).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toContain(message);
    }
  });
});
