/**
 * The longest the event loop is held by one request at the body limits: the
 * deepest body allowed (with unknown fields, through TypeBox validation),
 * deeper ones refused, and bodies at the size limit, shallow and dense.
 *
 *   bun scripts/bench-body.ts [--runs 5]
 *
 * The gateway runs in this process (default limits, a fresh data folder) with
 * a timer that notes the longest gap between its ticks; each request is sent
 * by `curl` from its own process, so the client's work is not counted. Per
 * case: the answer's status, the longest hold (the worst gap minus the 1 ms
 * tick) and the request's wall time, the worst of `--runs` runs. Prints a
 * markdown table and `uptime`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigSchema, type Config } from '../src/config.ts';
import { silentLogger } from '../src/lib/log.ts';
import { startServer } from '../src/server.ts';
import { Value } from '@sinclair/typebox/value';

const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(opts.runs);
const KEY = 'benchbdy.abcdefghijklmnopqrstuvwxyz012345';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-body-'));
const config = { ...(Value.Default(ConfigSchema, {}) as Config), port: 0, data_dir: dir, log_level: 'error', bootstrap_key: KEY } as Config;
const server = await startServer(config, { log: silentLogger, print: () => {} });
const MAX_DEPTH = config.body_max_depth;
const LIMIT = Math.floor(config.body_limit_mb * 1024 * 1024);
/** A body size just under the limit. */
const NEAR = LIMIT - 256 * 1024;

/** The longest gap between ticks of a 1 ms timer since the last reset. */
const lag = (() => {
  let last = performance.now();
  let worst = 0;
  const tick = () => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
    setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  return {
    reset: () => {
      last = performance.now();
      worst = 0;
    },
    worst: () => worst,
  };
})();

const nest = (levels: number, inner: string) => '{"a":'.repeat(levels) + inner + '}'.repeat(levels);
/** `levels` arrays and objects deep in all: the outer object counts as one. */
const deepField = (levels: number) => nest(levels - 1, '1');
const filler = (bytes: number) => 'x'.repeat(Math.max(0, bytes));

interface Case {
  name: string;
  path: string;
  body: string;
}

function cases(): Case[] {
  const messages = (bytes: number) => {
    const one = { role: 'user', content: 'lorem ipsum dolor sit amet '.repeat(20) };
    const each = JSON.stringify(one).length + 1;
    return Array.from({ length: Math.floor(bytes / each) }, () => one);
  };
  const dense = (bytes: number) => `{"filters":{},"x":[${Array.from({ length: Math.floor(bytes / 6) }, () => '[1,2]').join(',')}]}`;
  const unknownDeep = (count: number) =>
    `{${Array.from({ length: count }, (_, i) => `"u${i}":${deepField(MAX_DEPTH - 1)}`).join(',')}}`;
  return [
    { name: `200,000 levels (1.2 MB), refused`, path: '/api/users/list/', body: nest(200_000, '1') },
    { name: `a near-limit string, then 200,000 levels, refused`, path: '/api/users/list/', body: `{"s":"${filler(NEAR - 1_300_000)}","d":${nest(200_000, '1')}}` },
    { name: `${MAX_DEPTH} levels, unknown field (users list, 422)`, path: '/api/users/list/', body: `{"filters":{},"u":${deepField(MAX_DEPTH - 1)}}` },
    { name: `${MAX_DEPTH} levels in filters (users list)`, path: '/api/users/list/', body: `{"filters":${deepField(MAX_DEPTH - 1)}}` },
    { name: `${MAX_DEPTH} levels in metadata (request-logs create)`, path: '/api/request-logs/create/', body: `{"log_type":"chat","metadata":${deepField(MAX_DEPTH - 1)}}` },
    { name: `${MAX_DEPTH} levels, unknown field (chat, mock)`, path: '/api/chat/completions', body: `{"model":"mock/echo","messages":[{"role":"user","content":"hi"}],"u":${deepField(MAX_DEPTH - 1)}}` },
    { name: `1,000 unknown fields ${MAX_DEPTH} levels deep (users list, 422)`, path: '/api/users/list/', body: unknownDeep(1000) },
    { name: `unknown fields ${MAX_DEPTH} levels deep up to the limit (users list, 422)`, path: '/api/users/list/', body: unknownDeep(Math.floor(NEAR / (MAX_DEPTH * 6 + 10))) },
    { name: 'a near-limit input string (request-logs create)', path: '/api/request-logs/create/', body: JSON.stringify({ log_type: 'chat', input: filler(NEAR) }) },
    { name: 'near-limit body of [1,2] arrays (users list, 422)', path: '/api/users/list/', body: dense(NEAR) },
    { name: '8 MB of messages (chat, mock echo)', path: '/api/chat/completions', body: JSON.stringify({ model: 'mock/echo', messages: messages(8 * 1024 * 1024) }) },
  ];
}

async function curl(path: string, file: string): Promise<{ status: string; ms: number }> {
  const t0 = performance.now();
  const p = Bun.spawn(
    ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `authorization: Bearer ${KEY}`, '-H', 'content-type: application/json', '--data-binary', `@${file}`, `${server.url}${path}`],
    { stdout: 'pipe' },
  );
  const status = await new Response(p.stdout).text();
  await p.exited;
  return { status, ms: performance.now() - t0 };
}

const rows: string[] = [];
try {
  for (const c of cases()) {
    if (c.body.length > LIMIT) throw new Error(`${c.name}: ${c.body.length} bytes is over the limit`);
    const file = join(dir, 'body.json');
    writeFileSync(file, c.body);
    let hold = 0;
    let wall = 0;
    const statuses = new Set<string>();
    for (let i = 0; i < RUNS; i++) {
      await Bun.sleep(50);
      lag.reset();
      const r = await curl(c.path, file);
      hold = Math.max(hold, lag.worst());
      wall = Math.max(wall, r.ms);
      statuses.add(r.status);
    }
    const mb = (c.body.length / 1024 / 1024).toFixed(1);
    rows.push(`| ${c.name} | ${c.path} | ${mb} | ${[...statuses].join(', ')} | ${hold.toFixed(0)} | ${wall.toFixed(0)} |`);
    process.stderr.write(`${rows.at(-1)}\n`);
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`body_max_depth ${MAX_DEPTH}, body_limit_mb ${config.body_limit_mb}, worst of ${RUNS} runs\n`);
console.log('| case | route | MiB | status | longest event-loop hold, ms | wall, ms |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
console.log(`\n${(await new Response(Bun.spawn(['uptime'], { stdout: 'pipe' }).stdout).text()).trim()}`);
process.exit(0);
