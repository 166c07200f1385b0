/**
 * A/B of two gateway binaries at saturation on this shared machine: both run
 * at once against one mock upstream (each with its own data folder), and wrk
 * drives them in turn, A B A B ..., beside the bare Bun proxy (the floor), so
 * that drift in the machine's load hits both alike. Prints every run and the
 * medians: req/s, p50/p99, and gateway CPU per request.
 *
 * Usage: bun scripts/bench-ab.ts A_BINARY B_BINARY [--runs 5] [--duration 6] [--connections 32] [--stream [--stream-tps N]] [--together]
 * (--together: A and B driven at the same time, each by its own wrk, so that both see the same
 * moment's load from whatever else shares the machine; each gets the CPU the other leaves)
 * (--stream-tps: the mock paces its tokens, so each chunk comes in a read of its own, as from a real
 * model; 0, the default, sends the whole answer at once)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuPerRequest, freePort, spawnChild, stopChild, threadCpuMs, waitForHttp } from './bench/procs.ts';
import { streamBody } from './bench/stream.ts';
import { ensureWrk, runWrk, type WrkOptions } from './bench/wrk.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '5' },
    duration: { type: 'string', default: '6' },
    connections: { type: 'string', default: '32' },
    stream: { type: 'boolean', default: false },
    'stream-tps': { type: 'string', default: '0' },
    together: { type: 'boolean', default: false },
  },
});
if (positionals.length !== 2) throw new Error('usage: bun scripts/bench-ab.ts A_BINARY B_BINARY [--runs 5] [--duration 6] [--stream]');
const [binA, binB] = positionals.map((p) => resolve(p)) as [string, string];
const root = resolve(import.meta.dir, '..');
const KEY = 'benchkey.abcdefghijklmnopqrstuvwxyz012345';
const log = (msg: string) => process.stderr.write(`[ab] ${msg}\n`);

async function startGateway(binary: string, dir: string, upstream: number): Promise<{ port: number; pid: number; stop: () => Promise<number> }> {
  const port = freePort();
  const config = join(dir, 'switchyard.json');
  writeFileSync(
    config,
    JSON.stringify({
      host: '127.0.0.1',
      port,
      data_dir: join(dir, 'data'),
      log_level: 'warn',
      bootstrap_key: KEY,
      providers: { upstream: { kind: 'openai', api_key: 'bench', api_base: `http://127.0.0.1:${upstream}/v1` } },
      models: [{ model_name: 'bench-primary', provider_id: 'upstream', input_cost: 1, output_cost: 2 }],
    }),
  );
  const p = spawnChild([binary, '--config', config]);
  await waitForHttp(`http://127.0.0.1:${port}/health`, p);
  return { port, pid: p.pid, stop: () => stopChild(p) };
}

/** The process's peak resident set so far (VmHWM), in MB; 0 where /proc is not there. */
async function peakRssMb(pid: number): Promise<number> {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(await Bun.file(`/proc/${pid}/status`).text());
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  ensureWrk(log);
  const dirs = [mkdtempSync(join(tmpdir(), 'switchyard-ab-a-')), mkdtempSync(join(tmpdir(), 'switchyard-ab-b-'))];
  const upPort = freePort();
  const floorPort = freePort();
  const upstream = spawnChild([process.execPath, join(root, 'src/main.ts'), 'mock', '--host', '127.0.0.1', '--port', String(upPort)]);
  await waitForHttp(`http://127.0.0.1:${upPort}/v1/models`, upstream);
  const floor = spawnChild([process.execPath, join(root, 'scripts/bench/floor.ts'), String(floorPort), `http://127.0.0.1:${upPort}`]);
  await waitForHttp(`http://127.0.0.1:${floorPort}/v1/models`, floor);
  const gateways = [await startGateway(binA, dirs[0] as string, upPort), await startGateway(binB, dirs[1] as string, upPort)];
  const body = flags.stream
    ? streamBody(Number(flags['stream-tps']))
    : JSON.stringify({ model: 'bench-primary', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 32 });
  const base: Omit<WrkOptions, 'url'> = {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    connections: Number(flags.connections),
    durationS: Number(flags.duration),
  };
  const names = ['A', 'B', 'floor'] as const;
  const targets = [
    ...gateways.map((g) => ({ url: `http://127.0.0.1:${g.port}/api/chat/completions`, pid: g.pid })),
    { url: `http://127.0.0.1:${floorPort}/v1/chat/completions`, pid: floor.pid },
  ];
  const results = names.map(() => ({ rps: [] as number[], p50: [] as number[], p99: [] as number[], cpu: [] as number[], main: [] as number[], peakMb: 0 }));
  try {
    for (const t of targets) await runWrk({ ...base, url: t.url, connections: 4, durationS: 2 });
    for (let run = 0; run < Number(flags.runs); run++) {
      // Alternate which binary goes first, so neither always follows the floor.
      const order = run % 2 === 0 ? [0, 1, 2] : [1, 0, 2];
      const drive = (i: number) => {
        const t = targets[i] as (typeof targets)[number];
        const before = threadCpuMs(t.pid);
        return runWrk({ ...base, url: t.url }).then((r) => ({ r, threads: cpuPerRequest(before, threadCpuMs(t.pid), r.requests) }));
      };
      const together = flags.together ? await Promise.all([drive(0), drive(1)]) : null;
      for (const i of order) {
        const { r, threads } = together && i < 2 ? (together[i] as Awaited<ReturnType<typeof drive>>) : await drive(i);
        const cpu = threads.reduce((a, [, us]) => a + us, 0);
        // The main thread (named after the binary) is where the gateway's own code runs.
        const top = threads.slice(0, 3).map(([name, us]) => `${us.toFixed(1)} ${name}`).join(', ');
        const out = results[i] as (typeof results)[number];
        out.rps.push(r.rps);
        out.p50.push(r.p50 / 1000);
        out.p99.push(r.p99 / 1000);
        out.cpu.push(cpu);
        out.main.push(threads[0]?.[1] ?? 0);
        log(`run ${run + 1} ${names[i]}: ${r.rps.toFixed(0)} req/s, p50 ${(r.p50 / 1000).toFixed(3)} ms, p99 ${(r.p99 / 1000).toFixed(3)} ms, ${cpu.toFixed(1)} us CPU/request (${top}), errors ${r.errors}`);
      }
    }
    for (const [i, t] of targets.entries()) (results[i] as (typeof results)[number]).peakMb = await peakRssMb(t.pid);
  } finally {
    await Promise.all([...gateways.map((g) => g.stop()), stopChild(upstream), stopChild(floor)]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  const load = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ');
  const mode = flags.together ? ', A and B at the same time' : '';
  console.log(`${flags.stream ? 'streamed' : 'plain'} chat completions at ${flags.connections} connections, ${flags.runs} x ${flags.duration} s each${mode}; load average at the end ${load}`);
  console.log('| target | median req/s | % of floor | p50 ms | p99 ms | CPU us/request | main thread us/request | peak RSS MB | req/s per run |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  const floorRps = median((results[2] as (typeof results)[number]).rps);
  names.forEach((n, i) => {
    const r = results[i] as (typeof results)[number];
    const label = n === 'floor' ? 'floor' : `${n} (${positionals[i]})`;
    console.log(
      `| ${label} | ${median(r.rps).toFixed(0)} | ${((median(r.rps) / floorRps) * 100).toFixed(0)}% | ${median(r.p50).toFixed(3)} | ${median(r.p99).toFixed(3)} | ${median(r.cpu).toFixed(1)} | ${median(r.main).toFixed(1)} | ${r.peakMb.toFixed(0)} | ${r.rps.map((x) => x.toFixed(0)).join(', ')} |`,
    );
  });
}

await main();
