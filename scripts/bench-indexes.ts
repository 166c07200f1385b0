/**
 * What each index of the spans table costs at ingest: the same batches
 * (random timestamps within one day, 2,000 customers, 10 models, traces of
 * 10 spans, 10% in threads) inserted through the store's own write path into
 * a fresh file with every index, then with one index dropped at a time, in
 * one run. Ingest holds its rate as the store grows when each index's inserts
 * land near its right edge or in pages already cached.
 *
 *   bun scripts/bench-indexes.ts [--spans 300000] [--batch 2000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openConnection } from '../src/store/sqlite/connection.ts';
import { localStore } from '../src/store/sqlite/local.ts';
import { applyMigrations } from '../src/store/sqlite/migrate.ts';
import { migrations } from '../src/store/sqlite/migrations/index.ts';
import type { SpanRecord } from '../src/store/types.ts';

const { values: v } = parseArgs({ options: { spans: { type: 'string', default: '300000' }, batch: { type: 'string', default: '2000' } } });
const TOTAL = Number(v.spans);
const BATCH = Number(v.batch);
const NOW = Date.now();

function batches(): SpanRecord[][] {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const out: SpanRecord[][] = [];
  for (let b = 0; b < TOTAL / BATCH; b++) {
    out.push(
      Array.from({ length: BATCH }, (_, j) => {
        const i = b * BATCH + j;
        const ts = NOW - Math.floor(rnd() * 86_400_000);
        return {
          unique_id: `log_${NOW.toString(36)}_${i.toString(36).padStart(8, '0')}`, org_id: 'org_bench', environment: 'prod',
          api_key_id: 'key_bench', log_type: 'chat', model: `model-${i % 10}`, provider_id: 'openai', status: 'success',
          status_code: 200, error_message: '', start_time: ts - 800, timestamp: ts, latency: 0.8, time_to_first_token: 0.2,
          tokens_per_second: 40, prompt_tokens: 30, completion_tokens: 20, total_request_tokens: 50, cached_tokens: 0,
          cache_creation_tokens: 0, reasoning_tokens: 0, cost: 0.0001 * (1 + (i % 17)),
          customer_identifier: `cust-${Math.floor(rnd() ** 3 * 2000)}`, custom_identifier: null,
          thread_identifier: Math.floor(i / 10) % 10 === 0 ? `thread-${Math.floor(i / 100)}` : null,
          trace_unique_id: `trace-${Math.floor(i / 10)}`, span_unique_id: `span-${i}`,
          span_parent_id: i % 10 === 0 ? null : `span-${i - (i % 10)}`, span_name: 'llm.call', span_workflow_name: null,
          span_path: null, span_entity_name: null,
          prompt_id: null, prompt_version: null, stream: false, cached: false, positive_feedback: null,
          metadata: { tier: ['free', 'pro', 'gold'][i % 3] }, input: `[{"role":"user","content":"question ${i}"}]`,
          output: `{"role":"assistant","content":"answer ${i}"}`, extra: {},
        };
      }),
    );
  }
  return out;
}

async function run(drop: string | null, data: SpanRecord[][]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-indexes-'));
  const client = openConnection(join(dir, 'switchyard.db'));
  applyMigrations(client, migrations);
  if (drop) client.run(`DROP INDEX ${drop}`);
  const store = localStore(client);
  const t0 = performance.now();
  for (const b of data) await store.spans.insertBatch(b);
  const rate = (TOTAL / (performance.now() - t0)) * 1000;
  client.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

const data = batches();
const probe = openConnection(':memory:');
applyMigrations(probe, migrations);
const indexes = probe
  .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'spans' AND sql IS NOT NULL ORDER BY name")
  .all()
  .map((r) => r.name)
  // The unique id's index is what makes a re-sent batch count once: not optional.
  .filter((n) => n !== 'spans_unique_id');
probe.close();
console.log(`# spans indexes at ingest: ${TOTAL.toLocaleString()} spans, batches of ${BATCH}, random timestamps within a day\n`);
console.log('| spans table | spans/s | vs all indexes |');
console.log('| --- | ---: | ---: |');
const all = await run(null, data);
console.log(`| every index | ${Math.round(all).toLocaleString()} | 1.00x |`);
for (const name of indexes) {
  const r = await run(name, data);
  console.log(`| without ${name} | ${Math.round(r).toLocaleString()} | ${(r / all).toFixed(2)}x |`);
}
