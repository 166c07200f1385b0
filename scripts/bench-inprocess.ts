/**
 * The gateway's own CPU per chat completion, without sockets: the app as the
 * server assembles it (SQLite file, span write thread, request observer) is
 * called in this process with a stub upstream that answers at once, so the
 * figure holds only the gateway's code (no HTTP server, no fetch, no load
 * generator beside it). Less noisy than wrk on a shared machine; an A/B runs
 * it from two source trees in turn (`--root` a `git worktree` of the base).
 *
 * Usage: bun scripts/bench-inprocess.ts [--root DIR] [--requests 20000] [--warmup 3000] [--concurrency 32] [--stream [--one-read]]
 *        bun scripts/bench-inprocess.ts --ab DIR_A [--root DIR_B] [--pairs 9] [--requests 4000] [--stream [--one-read]]
 * (--one-read: the whole streamed answer in one read, as a fast upstream sends it; else a chunk per read.
 *  --ab: both trees' apps in this one process, run in turn A B B A ..., main thread CPU per request each
 *  time: both see the same moment's machine, which on a shared host resolves what separate runs cannot)
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { threadCpuMs } from './bench/procs.ts';
import { BENCH_COMPLETION as completion, BENCH_KEY as KEY, inprocessApp } from './bench/inprocess-app.ts';

const { values: flags } = parseArgs({
  options: {
    root: { type: 'string', default: resolve(import.meta.dir, '..') },
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    /** Requests before the measured ones (the JIT settles; on a loaded machine 20k+ steadies the figures). */
    warmup: { type: 'string', default: '3000' },
    stream: { type: 'boolean', default: false },
    'one-read': { type: 'boolean', default: false },
    ab: { type: 'string' },
    pairs: { type: 'string', default: '9' },
  },
});
const root = resolve(flags.root as string);
const TOKENS = 64;


const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: Record<string, number>) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'bench-upstream', choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
const streamText = [
  chunk({ role: 'assistant', content: '' }, null),
  ...Array.from({ length: TOKENS }, (_, i) => chunk({ content: `tok${i} ` }, null)),
  chunk({}, 'stop'),
  chunk({}, null, { prompt_tokens: 12, completion_tokens: TOKENS, total_tokens: 12 + TOKENS }),
  'data: [DONE]\n\n',
];
const completionHeaders = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(completion)) };
const encoder = new TextEncoder();
const streamBytes = flags['one-read'] ? [encoder.encode(streamText.join(''))] : streamText.map((s) => encoder.encode(s));

/** The upstream: answers at once, a chunk per read for streams (as a socket would bring them). */
const upstreamFetch = (async (_url: string | URL | Request, init?: RequestInit) => {
  const wantsStream = typeof init?.body === 'string' && init.body.includes('"stream":true');
  // Its length declared, as an HTTP upstream's answer comes (the gateway then reads it natively).
  if (!wantsStream) return new Response(completion, { headers: completionHeaders });
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      const next = streamBytes[i++];
      if (next) c.enqueue(next);
      else c.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}) as typeof fetch;

/** The app of one source tree, with a function that runs n requests through it at the set concurrency. */
async function build(root: string): Promise<{ run: (n: number) => Promise<void>; close: () => Promise<void> }> {
  const app = await inprocessApp(root, upstreamFetch);
  const { fetch } = app;
  const body = JSON.stringify({
    model: 'bench-primary',
    messages: [{ role: 'user', content: 'Say hello to the benchmark.' }],
    max_tokens: 32,
    ...(flags.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
  // A declared length, as HTTP clients send it (a body without one takes the chunked reader loop).
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  const one = async () => {
    const res = await fetch(new Request('http://127.0.0.1/api/chat/completions', { method: 'POST', headers, body }));
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  const run = async (n: number) => {
    let left = n;
    const worker = async () => {
      while (left-- > 0) await one();
    };
    await Promise.all(Array.from({ length: Number(flags.concurrency) }, worker));
    await app.flush();
  };
  return { run, close: app.close };
}

const kind = () => (flags.stream ? `streamed (${flags['one-read'] ? 'one read' : 'a chunk per read'})` : 'plain');
const loadavg = async () => (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ');

/** Both trees in this process, in turn: main thread CPU per request of each, pair by pair. */
async function ab(rootA: string, rootB: string): Promise<void> {
  const apps = [await build(rootA), await build(rootB)];
  for (const a of apps) await a.run(Number(flags.warmup));
  const n = Number(flags.requests);
  const us: [number[], number[]] = [[], []];
  const mainMs = () => threadCpuMs(process.pid).get('bun') ?? 0;
  for (let i = 0; i < Number(flags.pairs); i++) {
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      Bun.gc(true);
      const before = mainMs();
      await (apps[k] as (typeof apps)[number]).run(n);
      us[k]?.push(((mainMs() - before) * 1000) / n);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const lower = us[1].filter((b, i) => b < (us[0][i] as number)).length;
  const row = (name: string, xs: number[]) => `${name} ${median(xs).toFixed(1)} [${xs.map((x) => x.toFixed(0)).join(', ')}]`;
  console.log(
    `${kind()}, main thread us/request, median [each pair]: ${row(`A ${rootA}`, us[0])}; ${row(`B ${rootB}`, us[1])}; B lower in ${lower} of ${us[1].length}; load ${await loadavg()}`,
  );
  for (const a of apps) await a.close();
}

async function main(): Promise<void> {
  if (flags.ab) return ab(resolve(flags.ab), root);
  const { run, close } = await build(root);
  await run(Number(flags.warmup));
  const n = Number(flags.requests);
  const before = threadCpuMs(process.pid);
  const t0 = performance.now();
  await run(n);
  const wall = performance.now() - t0;
  const after = threadCpuMs(process.pid);
  const perThread = [...after.entries()]
    .map(([name, ms]) => [name, ((ms - (before.get(name) ?? 0)) * 1000) / n] as const)
    .filter(([, us]) => us >= 0.5)
    .sort((a, b) => b[1] - a[1]);
  const total = perThread.reduce((a, [, us]) => a + us, 0);
  const load = await loadavg();
  console.log(
    `${kind()} ${root}: ${(n / (wall / 1000)).toFixed(0)} req/s in process, CPU us/request ${total.toFixed(1)} (${perThread.map(([name, us]) => `${us.toFixed(1)} ${name}`).join(', ')}); load ${load}`,
  );
  await close();
}

await main();
