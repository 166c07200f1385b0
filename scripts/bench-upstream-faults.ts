/**
 * What a gateway holds while upstreams misbehave: its RSS while 100 MB answers
 * are refused (declared length, chunked, streamed; one at a time and ten at
 * once), and what it buffers while a client reads a fast stream slowly.
 *
 *   bun scripts/bench-upstream-faults.ts [--concurrency 10] [--slow-s 5]
 *
 * The gateway runs as its own process (`bun src/main.ts serve`, default
 * limits) against the raw-socket fake of test/providers/fakes/faults.ts in
 * this process; RSS is sampled from /proc every 50 ms. Everything binds to
 * 127.0.0.1 and is stopped at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Fault, startFaultyUpstream } from '../test/providers/fakes/faults.ts';
import { freePort, rssMb, sampleRss, spawnChild, stopChild, waitForHttp } from './bench/procs.ts';

const { values: opts } = parseArgs({
  options: { concurrency: { type: 'string', default: '10' }, 'slow-s': { type: 'string', default: '5' } },
});
const CONCURRENCY = Number(opts.concurrency);
const SLOW_S = Number(opts['slow-s']);
const MB = 1024 * 1024;
const KEY = 'benchflt.abcdefghijklmnopqrstuvwxyz012345';

const up = await startFaultyUpstream();
const dir = mkdtempSync(join(tmpdir(), 'switchyard-faults-'));
const port = freePort();
const configPath = join(dir, 'config.json');
writeFileSync(
  configPath,
  JSON.stringify({
    port,
    data_dir: dir,
    log_level: 'error',
    bootstrap_key: KEY,
    providers: { fault: { kind: 'openai', api_base: up.url } },
  }),
);
const gw = spawnChild([process.execPath, 'src/main.ts', 'serve', '--config', configPath]);
const base = `http://127.0.0.1:${port}`;

function call(fault: Fault, stream: boolean): Promise<{ status: string; ms: number }> {
  const t0 = performance.now();
  return fetch(`${base}/api/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: `fault/${fault}`, stream, messages: [{ role: 'user', content: 'hi' }], retry_params: { retry_enabled: false } }),
  }).then(async (r) => {
    const text = await r.text();
    const frame = /"code":"(\d{3})"/.exec(text.slice(-2000));
    return { status: r.status === 200 && frame ? `200+${frame[1]}` : String(r.status), ms: performance.now() - t0 };
  });
}

interface Row {
  scenario: string;
  calls: number;
  status: string;
  p50Ms: number;
  upstreamMb: number;
  rssBeforeMb: number;
  rssPeakMb: number;
}
const rows: Row[] = [];

async function refused(fault: Fault, stream: boolean, n: number): Promise<void> {
  process.stdout.write(`  ${fault}${stream ? ' (stream)' : ''} x${n} ...\n`);
  up.written.delete(fault);
  const before = rssMb(gw.pid);
  const sampler = sampleRss(gw.pid, 50);
  const results = await Promise.all(Array.from({ length: n }, () => call(fault, stream)));
  await Bun.sleep(200);
  const samples = sampler.stop();
  const statuses = [...new Set(results.map((r) => r.status))].join(',');
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  rows.push({
    scenario: `100 MB ${fault.replace('huge-', '')}`,
    calls: n,
    status: statuses,
    p50Ms: Math.round(ms[Math.floor(ms.length / 2)] ?? 0),
    upstreamMb: Math.round(((up.written.get(fault) ?? 0) / MB) * 10) / 10,
    rssBeforeMb: Math.round(before),
    rssPeakMb: Math.round(Math.max(...samples)),
  });
}

/** A raw client that takes 64 KiB every 100 ms from a stream the upstream sends as fast as it can. */
async function slowReader(): Promise<{ t: number; sentMb: number; readMb: number; gapMb: number; rssMb: number }[]> {
  up.written.delete('huge-stream');
  const body = JSON.stringify({ model: 'fault/huge-stream', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const sock = net.connect(port, '127.0.0.1');
  let received = 0;
  let taken = 0;
  sock.on('data', (d: Buffer) => {
    received += d.length;
    taken += d.length;
    if (taken >= 64 * 1024) {
      taken = 0;
      sock.pause();
      setTimeout(() => sock.resume(), 100);
    }
  });
  sock.on('error', () => undefined);
  sock.write(
    `POST /api/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEY}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  const out = [];
  for (let t = 1; t <= SLOW_S; t++) {
    await Bun.sleep(1000);
    const sent = up.written.get('huge-stream') ?? 0;
    out.push({ t, sentMb: sent / MB, readMb: received / MB, gapMb: (sent - received) / MB, rssMb: rssMb(gw.pid) });
    process.stdout.write(`  slow reader: ${t} s\n`);
  }
  sock.destroy();
  return out;
}

try {
  await waitForHttp(`${base}/health`, gw);
  console.log(`gateway pid ${gw.pid} on ${base}; upstream fake ${up.url}; ${navigator.hardwareConcurrency} cores, load ${(await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')}`);
  // Load the tokenizer (~100 MB, once per process; a budget estimate needs it) so that it is not counted below.
  await fetch(`${base}/api/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }], customer_params: { customer_identifier: 'warm', total_budget: 1 } }),
  }).then((r) => r.text());
  await call('bad-json', false);
  // First, while the gateway's heap is small, so that its RSS means something.
  console.log('a client reading a fast stream slowly:');
  const slow = await slowReader();
  console.log('refusing 100 MB answers (routing.max_upstream_body_mb = 32):');
  for (const n of [1, CONCURRENCY]) {
    await refused('huge-declared', false, n);
    await refused('huge-chunked', false, n);
    await refused('huge-stream', true, n);
  }

  console.log('\n| scenario | calls at once | status | p50 ms | upstream wrote MB | gateway RSS before MB | gateway RSS peak MB |');
  console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.scenario} | ${r.calls} | ${r.status} | ${r.p50Ms} | ${r.upstreamMb} | ${r.rssBeforeMb} | ${r.rssPeakMb} |`);
  }
  console.log('\n| slow reader, s | upstream wrote MB | client read MB | in between MB | gateway RSS MB |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const s of slow) {
    console.log(`| ${s.t} | ${s.sentMb.toFixed(1)} | ${s.readMb.toFixed(1)} | ${s.gapMb.toFixed(1)} | ${Math.round(s.rssMb)} |`);
  }
  console.log('\n"in between" is what the gateway and the four socket buffers (upstream->gateway, gateway->client) hold.');
} finally {
  await stopChild(gw);
  await up.stop();
  rmSync(dir, { recursive: true, force: true });
}
