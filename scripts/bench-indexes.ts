/**
 * What the spans table's indexes and the store's settings cost at ingest,
 * through the store's own write path (usage accounting and rollups
 * included), in process, on fresh files. Batches as bench-store sends them:
 * random timestamps within one day, 2,000 customers (skewed), 10 models,
 * traces of 10 spans, 10% of traces in threads, `rollups.metadata_keys: [tier]`.
 *
 *   bun scripts/bench-indexes.ts [--spans 300000] [--batch 2000]
 *     every index, then one index dropped at a time, one run each
 *     [--recent]: each span a moment old when its batch is built, instead of random within one day
 *
 *   bun scripts/bench-indexes.ts --grow --spans 2000000 --step 250000 [--batch 2000]
 *       --variant NAME:page=4096,cache=16 --variant NAME:page=1024,cache=64,ckpt=10000,drop=INDEX+INDEX ...
 *     each variant on its own file, grown side by side in steps (every variant takes a step before
 *     the next step begins, so all see the same load): per step spans/s, KB written and read per span
 *     (/proc/self/io: write_bytes, and rchar, the reads through the OS including its page cache),
 *     CPU ms per 1,000 spans, file MB. page: page_size of the new file; cache: the connection's page
 *     cache, MiB; ckpt: wal_autocheckpoint, pages; drop: indexes dropped after the migrations.
 *     --pages: after each step, one more batch committed alone into an empty WAL, and the pages it
 *     wrote counted per table and index (the WAL's frames mapped to their b-trees through dbstat).
 */
import type { Database } from 'bun:sqlite';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openConnection } from '../src/store/sqlite/connection.ts';
import { localStore, type StoreParts } from '../src/store/sqlite/local.ts';
import { ensureMetadataIndexes } from '../src/store/sqlite/metadata-indexes.ts';
import { applyMigrations } from '../src/store/sqlite/migrate.ts';
import { migrations } from '../src/store/sqlite/migrations/index.ts';
import type { SpanRecord } from '../src/store/types.ts';

const { values: v } = parseArgs({
  options: {
    spans: { type: 'string', default: '300000' },
    batch: { type: 'string', default: '2000' },
    grow: { type: 'boolean', default: false },
    step: { type: 'string', default: '250000' },
    variant: { type: 'string', multiple: true, default: [] },
    dir: { type: 'string' },
    pages: { type: 'boolean', default: false },
    recent: { type: 'boolean', default: false },
  },
});
const TOTAL = Number(v.spans);
const BATCH = Number(v.batch);
const METADATA_KEYS = ['tier'];

/** A deterministic stream of spans: every run (and variant) stores the same ones. */
class Spans {
  private seed = 7;
  private i = 0;

  private rnd(): number {
    this.seed = (this.seed * 1103515245 + 12345) & 0x7fffffff;
    return this.seed / 0x7fffffff;
  }

  batch(n: number, now: number): SpanRecord[] {
    return Array.from({ length: n }, () => this.span(now));
  }

  private span(now: number): SpanRecord {
    const i = this.i++;
    // --recent: a moment old, as a gateway's own spans or an SDK's exports arrive; else anywhere in the day.
    const ts = v.recent ? Date.now() - Math.floor(this.rnd() * 2_000) : now - Math.floor(this.rnd() * 86_400_000);
    const trace = Math.floor(i / 10);
    return {
      unique_id: `log_${now.toString(36)}_${i.toString(36).padStart(8, '0')}`, org_id: 'org_bench', environment: 'prod',
      api_key_id: 'key_bench', log_type: 'chat', model: `model-${i % 10}`, provider_id: 'openai', status: 'success',
      status_code: 200, error_message: '', start_time: ts - 800, timestamp: ts, latency: 0.2 + this.rnd() * 3,
      time_to_first_token: 0.2, tokens_per_second: 40, prompt_tokens: 20 + (i % 50), completion_tokens: 10 + (i % 30),
      total_request_tokens: 30 + (i % 50) + (i % 30), cached_tokens: 0, cache_creation_tokens: 0, reasoning_tokens: 0,
      cost: 0.0001 * (1 + (i % 17)), customer_identifier: `cust-${Math.floor(this.rnd() ** 3 * 2000)}`, custom_identifier: null,
      thread_identifier: trace % 10 === 0 ? `thread-${Math.floor(trace / 10)}` : null,
      trace_unique_id: `trace-${trace}`, span_unique_id: `span-${i}`,
      span_parent_id: i % 10 === 0 ? null : `span-${trace * 10}`, span_name: i % 10 === 0 ? 'workflow' : 'llm.call',
      span_workflow_name: null, span_path: null, span_entity_name: null,
      prompt_id: null, prompt_version: null, stream: false, cached: false, positive_feedback: null,
      metadata: { tier: ['free', 'pro', 'gold', 'enterprise'][i % 4], region: i % 3 === 0 ? 'eu' : 'us' },
      input: `[{"role":"user","content":"question ${i} about an order"}]`,
      output: `{"role":"assistant","content":"answer ${i}: it ships tomorrow"}`, extra: {},
    };
  }
}

interface Io {
  write: number;
  rchar: number;
  read: number;
}

function io(): Io {
  const text = readFileSync('/proc/self/io', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { write: field('write_bytes'), rchar: field('rchar'), read: field('read_bytes') };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Variant {
  name: string;
  page: number | undefined;
  cache: number;
  ckpt: number | undefined;
  drop: string[];
}

function parseVariant(spec: string): Variant {
  const [name = spec, opts = ''] = spec.split(':');
  const kv = new Map(opts.split(',').filter(Boolean).map((p) => p.split('=') as [string, string]));
  const num = (k: string) => (kv.has(k) ? Number(kv.get(k)) : undefined);
  return { name, page: num('page'), cache: num('cache') ?? 16, ckpt: num('ckpt'), drop: (kv.get('drop') ?? '').split('+').filter(Boolean) };
}

function open(path: string, variant: Variant): { client: Database; store: StoreParts } {
  const client = openConnection(path, { cacheMb: variant.cache, mmapMb: 0, pageSize: variant.page });
  applyMigrations(client, migrations);
  ensureMetadataIndexes(client, METADATA_KEYS);
  for (const d of variant.drop) client.run(`DROP INDEX ${d}`);
  if (variant.ckpt !== undefined) client.run(`PRAGMA wal_autocheckpoint = ${variant.ckpt}`);
  return { client, store: localStore(client, { metadataKeys: METADATA_KEYS }) };
}

/**
 * Pages one batch writes, per b-tree: the WAL emptied first (TRUNCATE), the
 * batch committed, then each frame's page number mapped to the table or index
 * that owns it. A page written twice in the batch (spilled) counts twice.
 */
async function pagesOfBatch(client: Database, store: StoreParts, path: string, batch: SpanRecord[]): Promise<Map<string, number>> {
  const auto = client.query<{ wal_autocheckpoint: number }, []>('PRAGMA wal_autocheckpoint').get()?.wal_autocheckpoint ?? 1000;
  client.run('PRAGMA wal_autocheckpoint = 0');
  client.run('PRAGMA wal_checkpoint(TRUNCATE)');
  await store.spans.insertBatch(batch);
  const wal = readFileSync(`${path}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const pages: number[] = [];
  for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) pages.push(wal.readUInt32BE(off));
  const owner = new Map(
    client.query<{ name: string; pageno: number }, []>('SELECT name, pageno FROM dbstat').all().map((r) => [r.pageno, r.name]),
  );
  const counts = new Map<string, number>();
  for (const p of pages) {
    const name = owner.get(p) ?? '(free or new)';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  client.run(`PRAGMA wal_autocheckpoint = ${auto}`);
  return counts;
}

const fileMb = (path: string) =>
  ['', '-wal'].reduce((sum, s) => sum + (statSync(`${path}${s}`, { throwIfNoEntry: false })?.size ?? 0), 0) / 1024 / 1024;

async function grow(): Promise<void> {
  const variants = (v.variant as string[]).map(parseVariant);
  if (variants.length === 0) throw new Error('--grow needs at least one --variant');
  const STEP = Number(v.step);
  const root = v.dir ?? mkdtempSync(join(tmpdir(), 'switchyard-indexes-'));
  const runs = variants.map((variant, k) => {
    const path = join(root, `v${k}.db`);
    return { variant, path, ...open(path, variant), spans: new Spans() };
  });
  console.log(`# ingest as the store grows, in process: ${TOTAL.toLocaleString()} spans, batches of ${BATCH}, ${new Date().toISOString()}\n`);
  for (const r of runs) console.log(`- ${r.variant.name}: ${JSON.stringify(r.variant)}`);
  console.log('\n| spans | variant | spans/s | KB written / span | KB read (rchar) / span | disk reads KB / span | CPU ms / 1k spans | file MB | load |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (let done = 0; done < TOTAL; done += STEP) {
    const n = Math.min(STEP, TOTAL - done);
    const now = Date.now();
    for (const r of runs) {
      const io0 = io();
      const cpu0 = cpuMs();
      const t0 = performance.now();
      for (let k = 0; k < n; k += BATCH) await r.store.spans.insertBatch(r.spans.batch(Math.min(BATCH, n - k), now));
      const secs = (performance.now() - t0) / 1000;
      const io1 = io();
      const per = (b: number) => (b / n / 1024).toFixed(1);
      console.log(
        `| ${(done + n).toLocaleString()} | ${r.variant.name} | ${Math.round(n / secs).toLocaleString()} | ${per(io1.write - io0.write)} | ${per(io1.rchar - io0.rchar)} | ${per(io1.read - io0.read)} | ${(((cpuMs() - cpu0) / n) * 1000).toFixed(0)} | ${fileMb(r.path).toFixed(0)} | ${loadavg()[0]?.toFixed(1)} |`,
      );
    }
    if (v.pages) {
      for (const r of runs) {
        const counts = await pagesOfBatch(r.client, r.store, r.path, r.spans.batch(BATCH, now));
        const total = [...counts.values()].reduce((a, b) => a + b, 0);
        const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([name, c]) => `${name} ${(c / BATCH).toFixed(2)}`);
        console.log(`|  | ${r.variant.name}: pages written by one batch of ${BATCH}, per span | ${(total / BATCH).toFixed(2)} | ${parts.join(', ')} |`);
      }
    }
  }
  for (const r of runs) r.client.close();
  if (!v.dir) rmSync(root, { recursive: true, force: true });
}

async function dropEach(): Promise<void> {
  const data = new Spans();
  const batches = Array.from({ length: Math.ceil(TOTAL / BATCH) }, () => data.batch(BATCH, Date.now()));
  const run = async (drop: string | null): Promise<number> => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-indexes-'));
    const { client, store } = open(join(dir, 'switchyard.db'), parseVariant(drop ? `x:drop=${drop}` : 'all'));
    const t0 = performance.now();
    for (const b of batches) await store.spans.insertBatch(b);
    const rate = (TOTAL / (performance.now() - t0)) * 1000;
    client.close();
    rmSync(dir, { recursive: true, force: true });
    return rate;
  };
  const probe = openConnection(':memory:');
  applyMigrations(probe, migrations);
  ensureMetadataIndexes(probe, METADATA_KEYS);
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
  const all = await run(null);
  console.log(`| every index | ${Math.round(all).toLocaleString()} | 1.00x |`);
  for (const name of indexes) {
    const r = await run(name);
    console.log(`| without ${name} | ${Math.round(r).toLocaleString()} | ${(r / all).toFixed(2)}x |`);
  }
}

if (v.grow) await grow();
else await dropEach();
