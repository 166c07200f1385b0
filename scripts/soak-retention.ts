/**
 * Retention soak: a gateway with a short span retention ingests at a steady
 * rate for a while; the database file's size is sampled throughout. Once the
 * oldest spans age out, deletes free pages as fast as inserts take them and
 * the file stops growing.
 *
 *   bun scripts/soak-retention.ts [--minutes 15] [--rate 2000] [--retention-minutes 5] [--interval-s 10]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGateway } from './bench/gateway.ts';

const { values: v } = parseArgs({
  options: {
    minutes: { type: 'string', default: '15' },
    rate: { type: 'string', default: '2000' },
    'retention-minutes': { type: 'string', default: '5' },
    'interval-s': { type: 'string', default: '10' },
  },
});
const MINUTES = Number(v.minutes);
const RATE = Number(v.rate);
const KEY = 'soakkeyx.abcdefghijklmnopqrstuvwxyz012345';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-soak-'));
const config = join(dir, 'config.json');
writeFileSync(
  config,
  JSON.stringify({
    retention: { spans_days: Number(v['retention-minutes']) / 1440, interval_s: Number(v['interval-s']) },
  }),
);
const gateway = await startGateway({ dataDir: join(dir, 'data'), key: KEY, config });
const base = gateway.base;
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const size = (f: string) => {
  try {
    return statSync(join(dir, 'data', f)).size;
  } catch {
    return 0;
  }
};

let sent = 0;
const t0 = Date.now();
const end = t0 + MINUTES * 60_000;
console.log(`# retention soak: ${RATE} spans/s for ${MINUTES} min, spans kept ${v['retention-minutes']} min\n`);
console.log('| minute | spans sent | database MB | WAL MB | stored spans |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
let nextSample = t0;
while (Date.now() < end) {
  const tick = Date.now();
  const logs = Array.from({ length: Math.round(RATE / 10) }, (_, i) => ({
    model: 'gpt-4o-mini',
    prompt_messages: [{ role: 'user', content: `message ${sent + i} with a body of some length to store and purge` }],
    completion_message: { role: 'assistant', content: 'an answer of a similar length, kept until retention' },
    prompt_tokens: 20,
    completion_tokens: 12,
    customer_identifier: `cust-${(sent + i) % 500}`,
    timestamp: new Date(tick).toISOString(),
  }));
  const r = await fetch(`${base}/api/request-logs/batch/create`, { method: 'POST', headers, body: JSON.stringify({ logs }) });
  if (r.status !== 200) throw new Error(`ingest answered ${r.status}`);
  await r.arrayBuffer();
  sent += logs.length;
  if (tick >= nextSample) {
    nextSample += 30_000;
    const list = await fetch(`${base}/api/request-logs/list/?start_time=${new Date(t0 - 60_000).toISOString()}&page_size=1`, { headers });
    const stored = ((await list.json()) as { count: number; count_exact?: boolean });
    const count = stored.count_exact === false ? `> ${(stored.count - 1).toLocaleString()}` : stored.count.toLocaleString();
    console.log(
      `| ${((tick - t0) / 60_000).toFixed(1)} | ${sent.toLocaleString()} | ${(size('switchyard.db') / 1048576).toFixed(1)} | ${(size('switchyard.db-wal') / 1048576).toFixed(1)} | ${count} |`,
    );
  }
  const wait = tick + 100 - Date.now();
  if (wait > 0) await Bun.sleep(wait);
}
await gateway.stop();
rmSync(dir, { recursive: true, force: true });
