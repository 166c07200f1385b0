/**
 * Bulk span generator: inserts N synthetic spans straight through the store
 * in large transactions, spread over the last D days, for benchmarks.
 * Usage: bun scripts/seed-spans.ts --db PATH [--count 1000000] [--days 7] [--org ORG_ID] [--metadata-keys tier,region]
 * (--metadata-keys: roll these metadata keys up per day, as `rollups.metadata_keys` does)
 */
import { parseArgs } from 'node:util';
import { timeOrderedId } from '../src/lib/ids.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import type { SpanRecord } from '../src/store/types.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'data/bench.db' },
    count: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '7' },
    org: { type: 'string', default: 'org_bench' },
    end: { type: 'string' },
    'metadata-keys': { type: 'string', default: '' },
  },
});
const count = Number(values.count);
const days = Number(values.days);
const end = values.end ? Date.parse(values.end) : Date.now();
const metadataKeys = (values['metadata-keys'] as string).split(',').filter(Boolean);
const store = openSqliteStore({ path: values.db as string, settings: { metadataKeys } });
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', 'gemini-1.5-pro', 'mistral-large', 'llama-3.1-70b', 'o1', 'gpt-4.1', 'claude-3-haiku', 'deepseek-chat'];
const TIERS = ['free', 'pro', 'enterprise'];
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);

function make(i: number): SpanRecord {
  const ts = end - Math.floor(((count - i) / count) * days * 86_400_000);
  const prompt = 10 + Math.floor(rnd() * 2000);
  const completion = 1 + Math.floor(rnd() * 500);
  const latency = 0.2 + rnd() * 5;
  return {
    // The server's id scheme (time-ordered), so the unique_id index looks like production's.
    unique_id: timeOrderedId('log', ts),
    org_id: values.org as string, environment: 'prod', api_key_id: null, log_type: 'chat',
    model: MODELS[i % MODELS.length] as string, provider_id: 'openai', status: rnd() < 0.03 ? 'error' : 'success',
    status_code: 200, error_message: '', start_time: ts - Math.round(latency * 1000), timestamp: ts, latency,
    time_to_first_token: latency / 5, tokens_per_second: completion / latency, prompt_tokens: prompt,
    completion_tokens: completion, total_request_tokens: prompt + completion, cached_tokens: 0,
    cache_creation_tokens: 0, reasoning_tokens: 0, cost: (prompt * 2.5 + completion * 10) / 1e6,
    customer_identifier: `customer_${Math.floor(rnd() * 5000)}`, custom_identifier: `ticket_${i}`,
    thread_identifier: `thread_${Math.floor(i / 5)}`, trace_unique_id: `trace_${Math.floor(i / 4)}`,
    span_unique_id: `s${i}`, span_parent_id: i % 4 === 0 ? null : `s${i - (i % 4)}`, span_name: 'openai.chat',
    span_workflow_name: 'bench', span_path: null, span_entity_name: null, prompt_id: null, prompt_version: null,
    stream: i % 2 === 0, cached: false,
    positive_feedback: null, metadata: { tier: TIERS[i % 3], region: i % 7 === 0 ? 'eu' : 'us', version: 'v1' },
    input: '[{"role":"user","content":"Hello, what is the weather in Paris today?"}]',
    output: '{"role":"assistant","content":"It is sunny in Paris today, 24 degrees."}', extra: {},
  };
}

const started = performance.now();
const BATCH = 20_000;
for (let i = 0; i < count; i += BATCH) {
  const batch: SpanRecord[] = [];
  for (let j = i; j < Math.min(count, i + BATCH); j++) batch.push(make(j));
  await store.spans.insertBatch(batch);
  const done = Math.min(count, i + BATCH);
  if (done % 100_000 === 0 || done === count) {
    const s = (performance.now() - started) / 1000;
    console.log(`${done.toLocaleString()} spans, ${s.toFixed(1)} s, ${Math.round(done / s).toLocaleString()} spans/s`);
  }
}
await store.close();
