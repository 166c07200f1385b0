/**
 * What durability costs: acknowledged single-span ingest (`block: true`, the
 * default) with store.synchronous = normal and = full, side by side on this
 * machine. normal: an acknowledged span survives a crash of the process;
 * full: each commit also waits for the disk, so it survives a power loss.
 *
 *   bun scripts/bench-durability.ts [--seconds 10] [--clients 8]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGateway } from './bench/gateway.ts';

const { values: v } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, clients: { type: 'string', default: '8' } } });
const SECONDS = Number(v.seconds);
const CLIENTS = Number(v.clients);
const KEY = 'durablek.abcdefghijklmnopqrstuvwxyz012345';

async function run(synchronous: 'normal' | 'full'): Promise<{ rate: number; p50: number; p99: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-durability-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ store: { synchronous } }));
  const gateway = await startGateway({ dataDir: join(dir, 'data'), key: KEY, config });
  const base = gateway.base;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const body = JSON.stringify({ model: 'gpt-4o', prompt_messages: [{ role: 'user', content: 'keep me' }], completion_message: { role: 'assistant', content: 'kept' } });
  const lat: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const r = await fetch(`${base}/api/request-logs/create/`, { method: 'POST', headers, body });
        await r.arrayBuffer();
        if (r.status === 201) lat.push(performance.now() - t);
      }
    }),
  );
  await gateway.stop();
  rmSync(dir, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  const at = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
  return { rate: lat.length / SECONDS, p50: at(0.5), p99: at(0.99) };
}

console.log(`# acknowledged ingest (block: true), ${CLIENTS} clients, ${SECONDS} s each\n`);
console.log('| store.synchronous | acknowledged spans/s | p50 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: |');
for (const mode of ['normal', 'full'] as const) {
  const r = await run(mode);
  console.log(`| ${mode} | ${Math.round(r.rate).toLocaleString()} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
}
