/**
 * Bulk data for the customers benchmark: N spans over C customers, spread
 * over D days ending now, written through SpanStore.insertBatch (so the
 * customers and their 15-minute buckets are maintained exactly as in
 * production) in big transactions.
 *   node_modules/.bin/bun scripts/seed-customers.ts [--data-dir DIR] [--spans 1000000] [--customers 10000] [--days 365]
 * Deterministic (a fixed PRNG seed). Writes into organization "bench".
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import type { SpanRecord } from '../src/store/types.ts';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? def) : def;
}

const DIR = arg('data-dir', './data/bench-customers');
const DB = join(DIR, 'switchyard.db');
const SPANS = Number(arg('spans', '1000000'));
const CUSTOMERS = Number(arg('customers', '10000'));
const DAYS = Number(arg('days', '365'));
const BATCH = 20_000;

function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

for (const suffix of ['', '-wal', '-shm']) if (existsSync(DB + suffix)) rmSync(DB + suffix);
const store = openSqliteStore({ path: DB });
const org = (await store.orgs.ensure('bench')).org;
const rnd = prng(7);
const models = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', 'gemini-1.5-pro', 'mistral-small'];
const end = Date.now();
const start = end - DAYS * 86_400_000;
// Customer activity is skewed: a few heavy customers, a long tail (rnd()^3).
const pick = () => Math.floor(rnd() ** 3 * CUSTOMERS);
const seen = new Set<number>();

const t0 = performance.now();
let written = 0;
while (written < SPANS) {
  const n = Math.min(BATCH, SPANS - written);
  const batch: SpanRecord[] = [];
  for (let i = 0; i < n; i++) {
    // The first pass gives every customer at least one span, with its params.
    const c = written + i < CUSTOMERS ? written + i : pick();
    const ts = Math.floor(start + rnd() * (end - start));
    const prompt = Math.floor(rnd() * 2000);
    const completion = Math.floor(rnd() * 800);
    const extra: Record<string, unknown> = {};
    if (!seen.has(c)) {
      seen.add(c);
      extra.customer_params = {
        customer_identifier: `customer-${c}`,
        name: `Customer ${c}`,
        email: `customer${c}@example.com`,
        ...(c % 10 === 0 ? { markup_percentage: 20, period_budget: 50, total_budget: 500 } : {}),
      };
    }
    batch.push({
      unique_id: `bench-${written + i}`, org_id: org.id, environment: 'prod', api_key_id: null, log_type: 'chat',
      model: models[Math.floor(rnd() * models.length)] ?? null, provider_id: 'openai',
      status: rnd() < 0.02 ? 'error' : 'success', status_code: 200, error_message: '', start_time: ts - 800,
      timestamp: ts, latency: rnd() * 4, time_to_first_token: rnd() < 0.5 ? rnd() : null, tokens_per_second: null,
      prompt_tokens: prompt, completion_tokens: completion, total_request_tokens: prompt + completion,
      cached_tokens: 0, cache_creation_tokens: 0, reasoning_tokens: 0, cost: (prompt * 2.5 + completion * 10) / 1e6,
      customer_identifier: `customer-${c}`, custom_identifier: null, thread_identifier: null, trace_unique_id: null,
      span_unique_id: null, span_parent_id: null, span_name: null, span_workflow_name: null,
      span_path: null, span_entity_name: null, prompt_id: null,
      prompt_version: null, stream: false, cached: rnd() < 0.1, positive_feedback: null, metadata: null,
      input: null, output: null, extra,
    });
  }
  await store.spans.insertBatch(batch);
  written += n;
  if (written % 100_000 === 0 || written === SPANS) {
    const s = (performance.now() - t0) / 1000;
    process.stdout.write(`${written.toLocaleString('en-US')} spans, ${s.toFixed(1)} s, ${Math.round(written / s).toLocaleString('en-US')} spans/s\n`);
  }
}
await store.close();
console.log(`seeded ${DB}: ${SPANS} spans, ${CUSTOMERS} customers, ${DAYS} days, org ${org.id}`);
