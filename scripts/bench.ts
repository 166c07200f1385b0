/**
 * Load test of the compiled gateway against a mock upstream, with a bare Bun
 * proxy (the floor) measured in the same run. Every process binds to
 * 127.0.0.1 and is stopped at the end.
 *
 * Usage: npm run bench -- [--duration 10] [--connections 32] [--rate 500]
 *        [--latency-ms 0] [--scenarios core,stream,cache,fallback,ingest] [--soak-s 0] [--stream-tps 1000]
 *        (`--scenarios saturation`: only core's saturation runs)
 */
import { Database } from 'bun:sqlite';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Subprocess } from 'bun';
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

function gatewayConfig(dir: string, port: number, upstream: number, flaky: number): string {
  const path = join(dir, 'switchyard.json');
  writeFileSync(
    path,
    JSON.stringify({
      host: '127.0.0.1',
      port,
      data_dir: join(dir, 'data'),
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
    }),
  );
  return path;
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
  if (!existsSync(binary)) {
    progress('building the binary');
    const b = Bun.spawnSync([process.execPath, join(root, 'scripts/build.ts')], { cwd: root, stdout: 'inherit', stderr: 'inherit' });
    if (b.exitCode !== 0) throw new Error('build failed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const [upPort, flakyPort, floorPort, gwPort] = [freePort(), freePort(), freePort(), freePort()];
  progress(`upstream :${upPort} (latency ${latencyMs} ms), flaky upstream :${flakyPort}, floor :${floorPort}, gateway :${gwPort}`);
  const upstream = await startUpstream(upPort);
  const flaky = await startUpstream(flakyPort, ['--error-percent', '30', '--error-status', '503']);
  const floor = spawnChild([process.execPath, join(root, 'scripts/bench/floor.ts'), String(floorPort), `http://127.0.0.1:${upPort}`]);
  await waitForHttp(`http://127.0.0.1:${floorPort}/v1/models`, floor);
  const gwStarted = performance.now();
  const gateway = spawnChild([binary, '--config', gatewayConfig(dir, gwPort, upPort, flakyPort)]);
  await waitForHttp(`http://127.0.0.1:${gwPort}/health`, gateway);
  notes.push(`gateway cold start to first /health: ${(performance.now() - gwStarted).toFixed(0)} ms`);
  const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const direct = `http://127.0.0.1:${upPort}/v1/chat/completions`;
  const viaFloor = `http://127.0.0.1:${floorPort}/v1/chat/completions`;
  const viaGateway = `http://127.0.0.1:${gwPort}/api/chat/completions`;
  const post = { method: 'POST', body: chatBody(), headers: auth, durationS };
  // Every answered request through the proxy must leave one span (errors too); ingest requests one each.
  let proxied = 0;
  let ingested = 0;
  const countOk = (r: WrkResult) => {
    proxied += r.requests;
  };
  try {
    // Warm every path so that the first measured request pays no lazy start-up.
    for (const url of [direct, viaFloor]) await runWrk({ ...post, url, connections: 4, durationS: 2 });
    countOk(await runWrk({ ...post, url: viaGateway, connections: 4, durationS: 2 }));
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
        const gatewayCpu = threadCpuMs(gateway.pid);
        const g = await load(name, 'switchyard', wrk({ ...post, ...shape, url: viaGateway }), gateway.pid);
        const gatewayUsed = cpuPerRequest(gatewayCpu, threadCpuMs(gateway.pid), g.requests);
        added(d, rows[rows.length - 2] as Row);
        added(d, rows[rows.length - 1] as Row);
        countOk(g);
        if (name === 'saturation') {
          notes.push(`saturation throughput: switchyard ${(g.rps / f.rps * 100).toFixed(0)}% of the floor, floor ${(f.rps / d.rps * 100).toFixed(0)}% of direct`);
          notes.push(`CPU per request at saturation, by thread (us): floor ${cpuSummary(floorUsed)}; switchyard ${cpuSummary(gatewayUsed)}`);
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
      for (const [name, shape] of [
        [`stream ${rate} req/s`, { rate, connections: 1000 }],
        ['stream saturation', { connections }],
      ] as const) {
        const d = await load(name, 'direct', stream(direct, {}, shape));
        const floorCpu = threadCpuMs(floor.pid);
        const f = await load(name, 'floor', stream(viaFloor, {}, shape));
        const floorUsed = cpuPerRequest(floorCpu, threadCpuMs(floor.pid), f.requests);
        const gatewayCpu = threadCpuMs(gateway.pid);
        const g = await load(name, 'switchyard', stream(viaGateway, auth, shape), gateway.pid);
        const gatewayUsed = cpuPerRequest(gatewayCpu, threadCpuMs(gateway.pid), g.requests);
        added(d, rows[rows.length - 2] as Row);
        added(d, rows[rows.length - 1] as Row);
        countOk(g);
        const ms = (v: number) => v.toFixed(3);
        if ('rate' in shape) {
          notes.push(
            `streaming at ${rate} req/s, time to first token p50/p99 ms: direct ${ms(d.ttftP50)}/${ms(d.ttftP99)}, floor ${ms(f.ttftP50)}/${ms(f.ttftP99)}, switchyard ${ms(g.ttftP50)}/${ms(g.ttftP99)}; added TTFT p50: floor ${ms(f.ttftP50 - d.ttftP50)}, switchyard ${ms(g.ttftP50 - d.ttftP50)}`,
            `streaming at ${rate} req/s, largest gap between chunks (ms): direct ${ms(d.maxGap)}, floor ${ms(f.maxGap)}, switchyard ${ms(g.maxGap)} (${ms(g.maxGap - d.maxGap)} more than direct)`,
          );
        } else {
          notes.push(
            `streaming saturation: switchyard ${((g.rps / f.rps) * 100).toFixed(0)}% of the floor's streamed req/s (${g.rps.toFixed(0)} vs ${f.rps.toFixed(0)}), floor ${((f.rps / d.rps) * 100).toFixed(0)}% of direct`,
            `CPU per streamed request at saturation, by thread (us): floor ${cpuSummary(floorUsed)}; switchyard ${cpuSummary(gatewayUsed)}`,
          );
        }
      }
    }
    if (scenarios.has('cache')) {
      const body = chatBody({ cache_enabled: true });
      const c = await load('cache hits', 'switchyard', wrk({ ...post, body, connections, url: viaGateway }), gateway.pid);
      countOk(c);
    }
    if (scenarios.has('fallback')) {
      // Retries off: the scenario measures the fallback chain itself. With the
      // default retry_params a 503 is first retried on the same model after 0.2 s.
      const body = chatBody({ fallback_models: ['bench-fallback'], retry_params: { retry_enabled: false } }, 'bench-flaky');
      const fb = await load('fallback, primary fails 30%', 'switchyard', wrk({ ...post, body, connections: 10, rate, url: viaGateway }), gateway.pid);
      countOk(fb);
    }
    if (scenarios.has('ingest')) {
      const span = { model: 'gpt-4o-mini', prompt_messages: [{ role: 'user', content: 'Hi' }], completion_message: { role: 'assistant', content: 'Hello' }, prompt_tokens: 5, completion_tokens: 3, latency: 0.2, customer_identifier: 'bench-customer' };
      const url = `http://127.0.0.1:${gwPort}/api/request-logs/create/`;
      for (const block of [true, false]) {
        const body = JSON.stringify({ ...span, keywordsai_api_controls: { block } });
        const r = await load(`ingest block=${block}`, 'switchyard', wrk({ method: 'POST', body, headers: auth, durationS, connections, url }), gateway.pid);
        ingested += r.requests - r.errors;
      }
    }
    if (soakS > 0) {
      progress(`soak: ${soakS} s at ${rate} req/s, RSS sampled every 5 s`);
      const rss = sampleRss(gateway.pid, 5000);
      const s = await runWrk({ ...post, connections: 10, rate, durationS: soakS, url: viaGateway });
      countOk(s);
      const samples = rss.stop();
      const third = Math.max(1, Math.floor(samples.length / 3));
      const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      notes.push(
        `soak ${soakS} s at ${s.rps.toFixed(0)} req/s: RSS first third avg ${avg(samples.slice(0, third)).toFixed(1)} MB, last third avg ${avg(samples.slice(-third)).toFixed(1)} MB, peak ${Math.max(...samples).toFixed(1)} MB; errors ${s.errors}`,
      );
    }
  } finally {
    const code = await stopChild(gateway);
    await Promise.all([stopChild(upstream), stopChild(flaky), stopChild(floor)]);
    const db = new Database(join(dir, 'data', 'switchyard.db'), { readonly: true });
    const count = (where: string) => db.query<{ n: number }, []>(`SELECT count(*) AS n FROM spans WHERE ${where}`).get()?.n ?? 0;
    const proxySpans = count('provider_id IS NOT NULL');
    const ingestSpans = count('provider_id IS NULL');
    db.close();
    notes.push(
      `gateway exit code after SIGTERM: ${code}; spans stored: ${proxySpans} for ${proxied} proxied requests answered, ${ingestSpans} for ${ingested} ingest requests accepted${proxySpans >= proxied && ingestSpans >= ingested ? ' (none lost; the extra spans are warm-up requests of the streams and requests still in flight when a run stopped)' : ' (SPANS LOST)'}`,
    );
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
