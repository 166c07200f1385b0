/**
 * What one plain chat completion leaves on the main thread's JavaScript heap:
 * the app as bench-inprocess assembles it (SQLite file, write thread, observer,
 * a stub upstream that answers at once, lengths declared as HTTP declares them)
 * serves N requests one at a time with the collector off (BUN_JSC_useGC=0);
 * the difference in `bun:jsc` objectTypeCounts before and after, per request,
 * is what the request path allocates (the harness's own Request, Response and
 * promises included, about 12). Prints the types, most first. A count, not a
 * time: it does not depend on the machine's load.
 *
 * Usage: BUN_JSC_useGC=0 bun scripts/bench-objects.ts [--root DIR] [--requests 2000] [--top 40]
 */
import { heapStats } from 'bun:jsc';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_COMPLETION as completion, BENCH_KEY as KEY, inprocessApp } from './bench/inprocess-app.ts';

const { values: flags } = parseArgs({
  options: {
    root: { type: 'string', default: resolve(import.meta.dir, '..') },
    requests: { type: 'string', default: '2000' },
    top: { type: 'string', default: '40' },
  },
});
const root = resolve(flags.root as string);

// With its length declared, as an HTTP upstream's answer comes (the gateway reads it natively then).
const upstreamHeaders = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(completion)) };
const upstreamFetch = (async () => new Response(completion, { headers: upstreamHeaders })) as unknown as typeof fetch;

async function main(): Promise<void> {
  const app = await inprocessApp(root, upstreamFetch);
  const { fetch } = app;
  const body = JSON.stringify({ model: 'bench-primary', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 32 });
  // A declared length, as HTTP clients send it (a body without one takes the chunked reader).
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  const one = async () => {
    const res = await fetch(new Request('http://127.0.0.1/api/chat/completions', { method: 'POST', headers, body }));
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  for (let i = 0; i < 2000; i++) await one();
  await app.flush();
  Bun.gc(true);
  const n = Number(flags.requests);
  if (process.env.BUN_JSC_useGC !== '0') console.warn('BUN_JSC_useGC=0 is not set: collections in between make the counts too low');
  const before = heapStats();
  for (let i = 0; i < n; i++) await one();
  const after = heapStats();
  await app.flush();
  const rows = Object.entries(after.objectTypeCounts)
    .map(([type, count]) => [type, (count - (before.objectTypeCounts[type] ?? 0)) / n] as const)
    .filter(([, per]) => per >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((a, [, per]) => a + per, 0);
  console.log(`${root}: ${total.toFixed(1)} objects per request`);
  for (const [type, per] of rows.slice(0, Number(flags.top))) console.log(`${per.toFixed(2).padStart(8)}  ${type}`);
  await app.close();
}

await main();
