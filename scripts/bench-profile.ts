/**
 * Where the gateway's main thread spends its time under load: the gateway runs
 * from source under `bun --cpu-prof` against the mock upstream while wrk
 * drives plain or streamed chat completions at saturation; the profile is then
 * summed by function (self time) and printed, busiest first.
 *
 * Usage: bun scripts/bench-profile.ts [--duration 8] [--connections 32] [--stream [--stream-tps N]] [--top 40] [--keep DIR] [--root DIR]
 *        (--stream-tps: the mock paces its tokens, a chunk per read as from a real model; 0: all at once)
 *        (--root: profile the gateway of another source tree, e.g. a `git worktree` of an older commit)
 *        bun scripts/bench-profile.ts --file X.cpuprofile [--top 40]
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { printProfile } from './bench/cpu-profile.ts';
import { freePort, spawnChild, stopChild, waitForHttp } from './bench/procs.ts';
import { streamBody } from './bench/stream.ts';
import { ensureWrk, runWrk } from './bench/wrk.ts';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    stream: { type: 'boolean', default: false },
    'stream-tps': { type: 'string', default: '0' },
    top: { type: 'string', default: '40' },
    keep: { type: 'string' },
    /** The source tree whose gateway is profiled (the mock upstream stays this tree's). */
    root: { type: 'string' },
    /** Only sum this profile file (e.g. one of scripts/bench-inprocess.ts under bun --cpu-prof). */
    file: { type: 'string' },
  },
});
const root = resolve(import.meta.dir, '..');
const KEY = 'benchkey.abcdefghijklmnopqrstuvwxyz012345';
const log = (msg: string) => process.stderr.write(`[profile] ${msg}\n`);

async function main(): Promise<void> {
  if (flags.file) return printProfile(flags.file, Number(flags.top));
  ensureWrk(log);
  const dir = flags.keep ?? mkdtempSync(join(tmpdir(), 'switchyard-profile-'));
  mkdirSync(dir, { recursive: true });
  const [upPort, gwPort] = [freePort(), freePort()];
  const upstream = spawnChild([process.execPath, join(root, 'src/main.ts'), 'mock', '--host', '127.0.0.1', '--port', String(upPort)]);
  await waitForHttp(`http://127.0.0.1:${upPort}/v1/models`, upstream);
  const config = join(dir, 'switchyard.json');
  writeFileSync(
    config,
    JSON.stringify({
      host: '127.0.0.1',
      port: gwPort,
      data_dir: join(dir, 'data'),
      log_level: 'warn',
      bootstrap_key: KEY,
      providers: { upstream: { kind: 'openai', api_key: 'bench', api_base: `http://127.0.0.1:${upPort}/v1` } },
      models: [{ model_name: 'bench-primary', provider_id: 'upstream', input_cost: 1, output_cost: 2 }],
    }),
  );
  const profDir = join(dir, 'prof');
  const gatewayRoot = resolve(flags.root ?? root);
  const gateway = spawnChild([process.execPath, '--cpu-prof', `--cpu-prof-dir=${profDir}`, join(gatewayRoot, 'src/main.ts'), '--config', config]);
  await waitForHttp(`http://127.0.0.1:${gwPort}/health`, gateway);
  const body = flags.stream
    ? streamBody(Number(flags['stream-tps']))
    : JSON.stringify({ model: 'bench-primary', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 32 });
  const req = {
    url: `http://127.0.0.1:${gwPort}/api/chat/completions`,
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
  };
  try {
    await runWrk({ ...req, connections: 4, durationS: 2 });
    log(`${flags.stream ? 'streamed' : 'plain'} chat completions, ${flags.connections} connections, ${flags.duration} s`);
    const r = await runWrk({ ...req, connections: Number(flags.connections), durationS: Number(flags.duration) });
    log(`${r.rps.toFixed(0)} req/s, p50 ${(r.p50 / 1000).toFixed(3)} ms, errors ${r.errors}`);
  } finally {
    await stopChild(gateway);
    await stopChild(upstream);
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${profDir}`);
  printProfile(join(profDir, file), Number(flags.top));
  if (flags.keep) log(`profile kept in ${profDir}`);
  else rmSync(dir, { recursive: true, force: true });
}

await main();
