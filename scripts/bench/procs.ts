/** Child processes of a bench run: start, wait until they answer, sample memory, stop them all. */
import { readdirSync, readFileSync } from 'node:fs';
import type { Subprocess } from 'bun';

const children = new Set<Subprocess>();

export function spawnChild(cmd: string[], env: Record<string, string> = {}): Subprocess {
  const p = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdout: 'ignore', stderr: 'pipe', stdin: 'ignore' });
  children.add(p);
  p.exited.then(() => children.delete(p));
  return p;
}

export async function stopChild(p: Subprocess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
  p.kill(signal);
  const code = await Promise.race([p.exited, Bun.sleep(15_000).then(() => null)]);
  if (code === null) {
    p.kill('SIGKILL');
    return p.exited;
  }
  return code;
}

export function stopAll(): void {
  for (const p of children) p.kill('SIGKILL');
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    stopAll();
    process.exit(130);
  });
}
process.on('exit', stopAll);

/** A port the OS says is free now (bound and released at once). */
export function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

export async function waitForHttp(url: string, p: Subprocess, timeoutMs = 15_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (p.exitCode !== null) {
      const err = p.stderr instanceof ReadableStream ? await new Response(p.stderr).text() : '';
      throw new Error(`process exited (${p.exitCode}) before answering ${url}: ${err}`);
    }
    const ok = await fetch(url).then((r) => r.status < 500, () => false);
    if (ok) return performance.now() - started;
    await Bun.sleep(5);
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
}

export function rssMb(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the samples. */
export function sampleRss(pid: number, everyMs = 250): { stop(): number[] } {
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(rssMb(pid)), everyMs);
  return {
    stop() {
      clearInterval(timer);
      samples.push(rssMb(pid));
      return samples;
    },
  };
}

/** CPU time (ms) each thread of a process has used so far, by thread name (`/proc/PID/task`). */
export function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const tick = 1000 / 100; // USER_HZ is 100 on Linux.
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      // Fields after the parenthesised name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(f[11]) + Number(f[12])) * tick;
      out.set(name, (out.get(name) ?? 0) + ms);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Microseconds of CPU per request by thread between two `threadCpuMs` snapshots, busiest first. */
export function cpuPerRequest(before: Map<string, number>, after: Map<string, number>, requests: number): [string, number][] {
  const rows: [string, number][] = [];
  for (const [name, ms] of after) {
    const used = ms - (before.get(name) ?? 0);
    if (used > 0) rows.push([name, (used * 1000) / requests]);
  }
  return rows.sort((a, b) => b[1] - a[1]);
}
