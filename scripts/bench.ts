/**
 * Load test of the compiled gateway against a mock upstream, with a bare Bun
 * proxy (the floor) measured in the same run. Every process binds to
 * 127.0.0.1 and is stopped at the end.
 *
 * Usage: npm run bench -- [--duration 10] [--connections 32] [--rate 500]
 *        [--latency-ms 0] [--scenarios core,stream,cache,fallback,ingest] [--soak-s 0] [--stream-tps 1000]
 *        [--backends sqlite,postgres,postgres+redis] [--database-url postgres://...] [--redis-url redis://...]
 *        [--baseline path/to/other/switchyard]   (another build beside this one, on SQLite: before/after)
 *        (`--scenarios saturation`: only core's saturation runs)
 *
 * With several backends, one gateway per backend runs each scenario after the
 * direct and floor runs of the same shape, so that their rows compare within
 * one run. PostgreSQL gets a fresh database (created on --database-url's
 * server, dropped at the end); Redis a key prefix of its own.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Subprocess } from 'bun';
import { type BenchGateway, parseBackends, startBenchGateways, stopBenchGateways } from './bench/backends.ts';
import { cpuPerRequest, freePort, sampleRss, spawnChild, stopChild, threadCpuMs, waitForHttp } from './bench/procs.ts';
import { runStream, type StreamResult, streamBody } from './bench/stream.ts';
import { ensureWrk, runWrk, type WrkOptions, type WrkResult } from './bench/wrk.ts';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    rate: { type: 'string', default: '500' },
    'latency-ms': { type: 'string', default: '0' },
    scenarios: { type: 'string', default: 'core,stream,cache,fallback,ingest' },
    'soak-s': { type: 'string', default: '0' },
    binary: { type: 'string', default: 'dist/switchyard' },
    'stream-tps': { type: 'string', default: '1000' },
    backends: { type: 'string', default: 'sqlite' },
    baseline: { type: 'string' },
    'database-url': { type: 'string', default: process.env.SWITCHYARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'redis-url': { type: 'string', default: process.env.SWITCHYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0' },
  },
});
const durationS = Number(flags.duration);
const connections = Number(flags.connections);
const rate = Number(flags.rate);
const latencyMs = Number(flags['latency-ms']);
const soakS = Number(flags['soak-s']);
const streamTps = Number(flags['stream-tps']);
const scenarios = new Set((flags.scenarios as string).split(','));
const root = resolve(import.meta.dir, '..');
const binary = resolve(root, flags.binary as string);
const KEY = 'benchkey.abcdefghijklmnopqrstuvwxyz012345';
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface Row {
  scenario: string;
  target: string;
  r: WrkResult;
  addedP50?: number;
  addedP99?: number;
  rssPeak?: number;
}
const rows: Row[] = [];
const notes: string[] = [];

function chatBody(extra: Record<string, unknown> = {}, model = 'bench-primary'): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 32, ...extra });
}

async function startUpstream(port: number, extraArgs: string[] = []): Promise<Subprocess> {
  const p = spawnChild([process.execPath, join(root, 'src/main.ts'), 'mock', '--host', '127.0.0.1', '--port', String(port), '--ttft-ms', String(latencyMs), ...extraArgs]);
  await waitForHttp(`http://127.0.0.1:${port}/v1/models`, p);
  return p;
}

/** What every gateway of the run shares: the upstreams, the models, the key. */
function gatewayConfig(upstream: number, flaky: number): Record<string, unknown> {
  return {
    host: '127.0.0.1',
    log_level: 'warn',
    bootstrap_key: KEY,
    providers: {
      upstream: { kind: 'openai', api_key: 'bench', api_base: `http://127.0.0.1:${upstream}/v1` },
      flaky: { kind: 'openai', api_key: 'bench', api_base: `http://127.0.0.1:${flaky}/v1` },
    },
    models: [
      { model_name: 'bench-primary', provider_id: 'upstream', input_cost: 1, output_cost: 2 },
      { model_name: 'bench-fallback', provider_id: 'upstream', input_cost: 1, output_cost: 2 },
      { model_name: 'bench-flaky', provider_id: 'flaky', input_cost: 1, output_cost: 2 },
    ],
  };
}

/** A run of wrk, or of the built-in load generator for streams; its result becomes a row of the table. */
interface Driver<R extends WrkResult> {
  shape: { rate?: number; connections: number };
  run(): Promise<R>;
}

const wrk = (o: WrkOptions): Driver<WrkResult> => ({ shape: o, run: () => runWrk(o) });

async function load<R extends WrkResult>(scenario: string, target: string, d: Driver<R>, gatewayPid?: number): Promise<R> {
  const { rate: r0, connections: c0 } = d.shape;
  progress(`${scenario}: ${target} (${r0 ? `${r0} req/s` : `${c0} connections`}, ${durationS} s)`);
  const rss = gatewayPid ? sampleRss(gatewayPid) : null;
  const r = await d.run();
  const peak = rss ? Math.max(...rss.stop()) : undefined;
  rows.push({ scenario, target, r, rssPeak: peak });
  return r;
}

function added(base: WrkResult, row: Row): void {
  row.addedP50 = (row.r.p50 - base.p50) / 1000;
  row.addedP99 = (row.r.p99 - base.p99) / 1000;
}

async function main(): Promise<void> {
  ensureWrk(progress);
  const backends = parseBackends(flags.backends as string);
  if (!existsSync(binary)) {
    progress('building the binary');
    const b = Bun.spawnSync([process.execPath, join(root, 'scripts/build.ts')], { cwd: root, stdout: 'inherit', stderr: 'inherit' });
    if (b.exitCode !== 0) throw new Error('build failed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const [upPort, flakyPort, floorPort] = [freePort(), freePort(), freePort()];
  progress(`upstream :${upPort} (latency ${latencyMs} ms), flaky upstream :${flakyPort}, floor :${floorPort}, backends ${backends.join(', ')}`);
  const upstream = await startUpstream(upPort);
  const flaky = await startUpstream(flakyPort, ['--error-percent', '30', '--error-status', '503']);
  const floor = spawnChild([process.execPath, join(root, 'scripts/bench/floor.ts'), String(floorPort), `http://127.0.0.1:${upPort}`]);
  await waitForHttp(`http://127.0.0.1:${floorPort}/v1/models`, floor);
  const gateways = await startBenchGateways({
    binary,
    ...(flags.baseline ? { baseline: resolve(flags.baseline) } : {}),
    dir,
    backends,
    databaseUrl: flags['database-url'] as string,
    redisUrl: flags['redis-url'] as string,
    ports: [...backends, flags.baseline].map(() => freePort()),
    config: gatewayConfig(upPort, flakyPort),
  });
  for (const g of gateways) notes.push(`${g.label}: cold start to first /health ${g.coldStartMs.toFixed(0)} ms`);
  const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const direct = `http://127.0.0.1:${upPort}/v1/chat/completions`;
  const viaFloor = `http://127.0.0.1:${floorPort}/v1/chat/completions`;
  const viaGateway = (g: BenchGateway) => `http://127.0.0.1:${g.port}/api/chat/completions`;
  const post = { method: 'POST', body: chatBody(), headers: auth, durationS };
  try {
    // Warm every path so that the first measured request pays no lazy start-up.
    for (const url of [direct, viaFloor]) await runWrk({ ...post, url, connections: 4, durationS: 2 });
    for (const g of gateways) g.proxied += (await runWrk({ ...post, url: viaGateway(g), connections: 4, durationS: 2 })).requests;
    // `saturation` alone runs only the last shape of `core` (quick A/B comparisons).
    const shapes = [
      ['1 connection', { connections: 1 }],
      [`${rate} req/s`, { connections: 10, rate }],
      ['saturation', { connections }],
    ] as const;
    if (scenarios.has('core') || scenarios.has('saturation')) {
      for (const [name, shape] of scenarios.has('core') ? shapes : shapes.slice(2)) {
        const d = await load(name, 'direct', wrk({ ...post, ...shape, url: direct }));
        const floorCpu = threadCpuMs(floor.pid);
        const f = await load(name, 'floor', wrk({ ...post, ...shape, url: viaFloor }));
        const floorUsed = cpuPerRequest(floorCpu, threadCpuMs(floor.pid), f.requests);
        added(d, rows[rows.length - 1] as Row);
        if (name === 'saturation') {
          notes.push(`saturation: floor ${((f.rps / d.rps) * 100).toFixed(0)}% of direct; CPU per request by thread (us): floor ${cpuSummary(floorUsed)}`);
        }
        for (const gw of gateways) {
          const gatewayCpu = threadCpuMs(gw.proc.pid);
          const g = await load(name, gw.label, wrk({ ...post, ...shape, url: viaGateway(gw) }), gw.proc.pid);
          const gatewayUsed = cpuPerRequest(gatewayCpu, threadCpuMs(gw.proc.pid), g.requests);
          added(d, rows[rows.length - 1] as Row);
          gw.proxied += g.requests;
          if (name === 'saturation') {
            notes.push(`saturation: ${gw.label} ${((g.rps / f.rps) * 100).toFixed(0)}% of the floor; CPU per request by thread (us): ${cpuSummary(gatewayUsed)}`);
          }
        }
      }
    }
    if (scenarios.has('stream')) {
      // 64 tokens a stream, usage in the last chunk. At the paced rate the tokens come at --stream-tps, so that a
      // chunk held back shows as a gap; at saturation they come as fast as the upstream can send them.
      const stream = (url: string, headers: Record<string, string>, shape: { rate?: number; connections: number }): Driver<StreamResult> => ({
        shape,
        run: () =>
          runStream({ url, headers, durationS, connections: shape.connections, ...(shape.rate ? { rate: shape.rate, body: streamBody(streamTps) } : { body: streamBody(0) }) }),
      });
      const ms = (v: number) => v.toFixed(3);
      for (const [name, shape] of [
        [`stream ${rate} req/s`, { rate, connections: 1000 }],
        ['stream saturation', { connections }],
      ] as const) {
        const d = await load(name, 'direct', stream(direct, {}, shape));
        const floorCpu = threadCpuMs(floor.pid);
        const f = await load(name, 'floor', stream(viaFloor, {}, shape));
        const floorUsed = cpuPerRequest(floorCpu, threadCpuMs(floor.pid), f.requests);
        added(d, rows[rows.length - 1] as Row);
        if ('rate' in shape) {
          notes.push(
            `streaming at ${rate} req/s, time to first token p50/p99 ms: direct ${ms(d.ttftP50)}/${ms(d.ttftP99)}, floor ${ms(f.ttftP50)}/${ms(f.ttftP99)} (added p50 ${ms(f.ttftP50 - d.ttftP50)}); largest gap between chunks: direct ${ms(d.maxGap)}, floor ${ms(f.maxGap)}`,
          );
        } else {
          notes.push(`streaming saturation: floor ${((f.rps / d.rps) * 100).toFixed(0)}% of direct; CPU per streamed request by thread (us): floor ${cpuSummary(floorUsed)}`);
        }
        for (const gw of gateways) {
          const gatewayCpu = threadCpuMs(gw.proc.pid);
          const g = await load(name, gw.label, stream(viaGateway(gw), auth, shape), gw.proc.pid);
          const gatewayUsed = cpuPerRequest(gatewayCpu, threadCpuMs(gw.proc.pid), g.requests);
          added(d, rows[rows.length - 1] as Row);
          gw.proxied += g.requests;
          if ('rate' in shape) {
            notes.push(
              `streaming at ${rate} req/s, ${gw.label}: TTFT p50/p99 ms ${ms(g.ttftP50)}/${ms(g.ttftP99)} (added p50 ${ms(g.ttftP50 - d.ttftP50)}); largest gap between chunks ${ms(g.maxGap)} (${ms(g.maxGap - d.maxGap)} more than direct)`,
            );
          } else {
            notes.push(
              `streaming saturation: ${gw.label} ${((g.rps / f.rps) * 100).toFixed(0)}% of the floor's streamed req/s (${g.rps.toFixed(0)} vs ${f.rps.toFixed(0)}); CPU per streamed request by thread (us): ${cpuSummary(gatewayUsed)}`,
            );
          }
        }
      }
    }
    for (const gw of gateways) {
      const url = viaGateway(gw);
      if (scenarios.has('cache')) {
        const body = chatBody({ cache_enabled: true });
        gw.proxied += (await load('cache hits', gw.label, wrk({ ...post, body, connections, url }), gw.proc.pid)).requests;
      }
      if (scenarios.has('fallback')) {
        // Retries off: the scenario measures the fallback chain itself. With the
        // default retry_params a 503 is first retried on the same model after 0.2 s.
        const body = chatBody({ fallback_models: ['bench-fallback'], retry_params: { retry_enabled: false } }, 'bench-flaky');
        gw.proxied += (await load('fallback, primary fails 30%', gw.label, wrk({ ...post, body, connections: 10, rate, url }), gw.proc.pid)).requests;
      }
      if (scenarios.has('ingest')) {
        const span = { model: 'gpt-4o-mini', prompt_messages: [{ role: 'user', content: 'Hi' }], completion_message: { role: 'assistant', content: 'Hello' }, prompt_tokens: 5, completion_tokens: 3, latency: 0.2, customer_identifier: 'bench-customer' };
        const ingestUrl = `http://127.0.0.1:${gw.port}/api/request-logs/create/`;
        for (const block of [true, false]) {
          const body = JSON.stringify({ ...span, keywordsai_api_controls: { block } });
          const r = await load(`ingest block=${block}`, gw.label, wrk({ method: 'POST', body, headers: auth, durationS, connections, url: ingestUrl }), gw.proc.pid);
          gw.ingested += r.requests - r.errors;
        }
      }
      if (soakS > 0) {
        progress(`soak: ${gw.label}, ${soakS} s at ${rate} req/s, RSS sampled every 5 s`);
        const rss = sampleRss(gw.proc.pid, 5000);
        const s = await runWrk({ ...post, connections: 10, rate, durationS: soakS, url });
        gw.proxied += s.requests;
        const samples = rss.stop();
        const third = Math.max(1, Math.floor(samples.length / 3));
        const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        notes.push(
          `soak, ${gw.label}: ${soakS} s at ${s.rps.toFixed(0)} req/s: RSS first third avg ${avg(samples.slice(0, third)).toFixed(1)} MB, last third avg ${avg(samples.slice(-third)).toFixed(1)} MB, peak ${Math.max(...samples).toFixed(1)} MB; errors ${s.errors}`,
        );
      }
    }
  } finally {
    notes.push(...(await stopBenchGateways(gateways)));
    await Promise.all([stopChild(upstream), stopChild(flaky), stopChild(floor)]);
    rmSync(dir, { recursive: true, force: true });
  }
  printReport();
}

/** "12.3 in all: 8.1 main, 4.2 Worker, ..." (threads under 0.5 us folded into "other"). */
function cpuSummary(used: [string, number][]): string {
  const total = used.reduce((a, [, us]) => a + us, 0);
  const big = used.filter(([, us]) => us >= 0.5);
  const other = total - big.reduce((a, [, us]) => a + us, 0);
  const parts = big.map(([name, us]) => `${us.toFixed(1)} ${name}`);
  if (other > 0) parts.push(`${other.toFixed(1)} other`);
  return `${total.toFixed(1)} in all (${parts.join(', ')})`;
}

function printReport(): void {
  const us = (v: number) => (v / 1000).toFixed(3);
  const out = [
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Bun ${Bun.version}; upstream latency ${latencyMs} ms; ${durationS} s per run`,
    '',
    '| scenario | target | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | added p50 ms | added p99 ms | errors | gateway peak RSS MB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((x) =>
      [
        x.scenario, x.target, x.r.rps.toFixed(0), us(x.r.p50), us(x.r.p90), us(x.r.p99), us(x.r.p999),
        x.addedP50 === undefined ? '' : x.addedP50.toFixed(3), x.addedP99 === undefined ? '' : x.addedP99.toFixed(3),
        String(x.r.errors), x.rssPeak === undefined ? '' : x.rssPeak.toFixed(1),
      ].join(' | ').replace(/^/, '| ').concat(' |'),
    ),
    '',
    ...notes.map((n) => `- ${n}`),
  ];
  console.log(out.join('\n'));
}

await main();
