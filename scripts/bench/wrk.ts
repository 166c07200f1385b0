/**
 * Drives load with wrk (Debian's `wrk` package): microsecond latencies, a
 * separate process from everything it measures. A generated Lua script sets
 * the request, paces each connection for a target rate, and prints the
 * percentiles as one JSON line when the run ends.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkOptions {
  url: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
  /** Requests per second in all; omitted = as fast as possible. */
  rate?: number;
}

export interface WrkResult {
  requests: number;
  rps: number;
  /** Microseconds. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  /** Non-2xx answers plus connect/read/write/timeout errors. */
  errors: number;
}

const luaString = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;

function luaScript(o: WrkOptions): string {
  const lines = [`wrk.method = ${luaString(o.method ?? 'GET')}`];
  if (o.body !== undefined) lines.push(`wrk.body = ${luaString(o.body)}`);
  for (const [k, v] of Object.entries(o.headers ?? {})) lines.push(`wrk.headers[${luaString(k)}] = ${luaString(v)}`);
  if (o.rate) {
    // Each connection waits this long after an answer: C connections at this
    // pace give close to the target rate while answers are much faster.
    const delayMs = (1000 * o.connections) / o.rate;
    lines.push(`function delay() return ${delayMs.toFixed(3)} end`);
  }
  lines.push(`function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), errors))
end`);
  return lines.join('\n');
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-wrk-'));
  const script = join(dir, 'bench.lua');
  writeFileSync(script, luaScript(o));
  try {
    const proc = Bun.spawn(
      ['wrk', '-t', '1', '-c', String(o.connections), '-d', `${o.durationS}s`, '--timeout', '10s', '-s', script, o.url],
      { stdout: 'pipe', stderr: 'pipe' },
    );
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    const line = /WRKJSON (\{.*\})/.exec(out)?.[1];
    if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${err || out}`);
    const r = JSON.parse(line) as { requests: number; duration_us: number; p50: number; p90: number; p99: number; p999: number; errors: number };
    return { requests: r.requests, rps: r.requests / (r.duration_us / 1e6), p50: r.p50, p90: r.p90, p99: r.p99, p999: r.p999, errors: r.errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Installs wrk from Debian's packages when it is missing (the bench runs as a developer, not in CI). */
export function ensureWrk(log: (msg: string) => void): void {
  if (Bun.which('wrk')) return;
  log('wrk not found: installing Debian package wrk (apt-get install -y wrk)');
  const install = Bun.spawnSync(['sh', '-c', 'apt-get install -y wrk || (apt-get update && apt-get install -y wrk)'], {
    stdout: 'inherit',
    stderr: 'inherit',
  });
  if (install.exitCode !== 0 || !Bun.which('wrk')) {
    throw new Error('wrk is needed: install it with `apt-get install wrk` (Debian/Ubuntu) and run again');
  }
}
