/**
 * Micro-benchmark of the pricing hot path: name resolution, cost, tokens.
 *   node_modules/.bin/bun scripts/bench-pricing.ts
 * Prints one table; numbers are for comparison between changes, not SLAs.
 */
import { computeCost } from '../src/pricing/cost.ts';
import { ModelRegistry } from '../src/pricing/registry.ts';
import { Tokenizer } from '../src/pricing/tokenizer.ts';

interface Row {
  case: string;
  result: string;
}
const rows: Row[] = [];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function rate(label: string, unit: string, n: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(n, 10_000); i++) fn(i); // warm the JIT
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const s = (performance.now() - t0) / 1000;
  rows.push({ case: label, result: `${fmt(n / s)} ${unit}/s` });
}

let t0 = performance.now();
const registry = new ModelRegistry();
rows.push({ case: 'registry construction', result: `${(performance.now() - t0).toFixed(1)} ms` });

const names = [
  'gpt-4o-mini',
  'claude-3-5-sonnet-20240620',
  'gemini-1.5-pro',
  'azure/gpt-4o',
  'mistral/mistral-small',
  'openrouter/openai/gpt-4o',
  'mock/echo',
  'no-such-model',
];
const N = 2_000_000;
rate('resolve, cached (8 names incl. a miss)', 'lookups', N, (i) => registry.resolve(names[i % names.length] ?? ''));
const org = registry.overlay([{ model_name: 'my-ft', provider_id: 'openai', base_model_name: 'gpt-4o-mini', input_cost: 1 }]);
rate('resolve, org overlay hit', 'lookups', N, () => registry.resolve('my-ft', org));
rate('resolve, uncached bare miss (scans all rules)', 'lookups', 20_000, (i) => registry.resolve(`unknown-${i}`));
rate('resolve, uncached bare hit (dated name)', 'lookups', 20_000, (i) => registry.resolve(`claude-3-5-sonnet-2024${1000 + i}`));

const prices = registry.require('claude-3-5-sonnet-20240620');
const usage = { prompt_tokens: 1234, completion_tokens: 567, cached_tokens: 200, cache_creation_tokens: 100 };
rate('computeCost', 'calls', N, () => computeCost(usage, prices));

t0 = performance.now();
const all = registry.publicModels();
rows.push({ case: `publicModels (first call, ${all.models.length} models)`, result: `${(performance.now() - t0).toFixed(1)} ms` });

// Tokenizer: deterministic pseudo-random words, so the merge cache does not flatter it.
let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const words: string[] = [];
for (let i = 0; i < 100_000; i++) {
  const len = 2 + Math.floor(rnd() * 9);
  let w = '';
  for (let j = 0; j < len; j++) w += String.fromCharCode(97 + Math.floor(rnd() * 26));
  words.push(w);
}
const text = words.join(' ');
const tok = new Tokenizer();
for (const [model, enc] of [
  ['gpt-4o', 'o200k'],
  ['gpt-4', 'cl100k'],
] as const) {
  t0 = performance.now();
  await tok.countTextTokens('hello world', model);
  rows.push({ case: `tokenizer cold load (${enc})`, result: `${(performance.now() - t0).toFixed(1)} ms` });
  t0 = performance.now();
  const n = await tok.countTextTokens(text, model);
  const s = (performance.now() - t0) / 1000;
  rows.push({ case: `tokenizer ${enc}, ${fmt(n)} tokens of random words`, result: `${fmt(n / s)} tokens/s` });
}
const chat = [
  { role: 'system' as const, content: 'You are a helpful assistant.' },
  { role: 'user' as const, content: 'Summarise the plot of Hamlet in three sentences.' },
];
const cs = performance.now();
for (let i = 0; i < 50_000; i++) await tok.countMessageTokens(chat, 'gpt-4o');
rows.push({ case: 'countMessageTokens (2 short messages)', result: `${fmt(50_000 / ((performance.now() - cs) / 1000))} calls/s` });
rows.push({ case: 'RSS after all', result: `${Math.round(process.memoryUsage().rss / 1e6)} MB` });

const w = Math.max(...rows.map((r) => r.case.length));
console.log(`${'case'.padEnd(w)}  result`);
console.log(`${'-'.repeat(w)}  ${'-'.repeat(24)}`);
for (const r of rows) console.log(`${r.case.padEnd(w)}  ${r.result}`);
