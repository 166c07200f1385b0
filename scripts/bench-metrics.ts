/**
 * What recording a proxy call's metrics costs, per call, with our exposition
 * writer (src/lib/prometheus.ts) and with prom-client, plus the cost of one
 * scrape; and what the gateway's whole set costs (GatewayMetrics: the
 * span's figures and the HTTP ones) on spans shaped like the proxy's.
 * prom-client is not a dependency; install it for the comparison with
 * `npm install --no-save prom-client`, else its row is skipped.
 *
 * Usage: bun scripts/bench-metrics.ts [--calls 1000000] [--series 500]
 */
import { parseArgs } from 'node:util';
import { Registry } from '../src/lib/prometheus.ts';
import { GatewayMetrics } from '../src/modules/metrics/gateway-metrics.ts';
import type { SpanRecord } from '../src/store/types.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '1000000' }, series: { type: 'string', default: '500' } } });
const calls = Number(values.calls);
const series = Number(values.series);
const progress = (msg: string) => process.stderr.write(`[bench-metrics] ${msg}\n`);

const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const OVERHEAD = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
const LABELS = ['organization', 'key_prefix', 'model', 'provider', 'status_code'];
const SHORT = ['organization', 'model', 'provider'];

/** The label values of call i: `series` distinct combinations, like a gateway with that many model/key pairs. */
function call(i: number) {
  const s = i % series;
  return { org: `org_${s % 7}`, key: `key_${s % 13}`, model: `model-${s}`, provider: `p${s % 3}`, status: '200' };
}

interface Recorder {
  name: string;
  record(i: number): void;
  scrape(): Promise<string>;
}

/** Our writer as GatewayMetrics uses it: one map lookup per call for a bundle of series. */
function ours(): Recorder {
  const r = new Registry();
  const requests = r.counter('requests_total', 'h', LABELS);
  const input = r.counter('input_tokens_total', 'h', LABELS.slice(0, 4));
  const output = r.counter('output_tokens_total', 'h', LABELS.slice(0, 4));
  const cost = r.counter('cost_usd_total', 'h', LABELS.slice(0, 4));
  const latency = r.histogram('latency_seconds', 'h', SHORT, LATENCY);
  const overhead = r.histogram('overhead_seconds', 'h', SHORT, OVERHEAD);
  const upstream = r.histogram('upstream_seconds', 'h', SHORT, LATENCY);
  const bundles = new Map<string, { req: { value: number }; inp: { value: number }; out: { value: number }; cost: { value: number }; lat: ReturnType<typeof latency.child>; ovh: ReturnType<typeof overhead.child>; up: ReturnType<typeof upstream.child> }>();
  return {
    name: 'ours (src/lib/prometheus.ts)',
    record(i) {
      const c = call(i);
      const k = `${c.org}\u0001${c.key}\u0001${c.model}\u0001${c.provider}\u0001${c.status}`;
      let b = bundles.get(k);
      if (!b) {
        b = {
          req: requests.child(c.org, c.key, c.model, c.provider, c.status),
          inp: input.child(c.org, c.key, c.model, c.provider),
          out: output.child(c.org, c.key, c.model, c.provider),
          cost: cost.child(c.org, c.key, c.model, c.provider),
          lat: latency.child(c.org, c.model, c.provider),
          ovh: overhead.child(c.org, c.model, c.provider),
          up: upstream.child(c.org, c.model, c.provider),
        };
        bundles.set(k, b);
      }
      b.req.value++;
      b.inp.value += 12;
      b.out.value += 30;
      b.cost.value += 0.00012;
      b.lat.observe(0.4);
      b.ovh.observe(0.0004);
      b.up.observe(0.39);
    },
    scrape: async () => r.render(),
  };
}

/** The gateway's own set, as a proxy call records it: observeProxySpan and observeHttp. */
function gateway(): Recorder {
  const m = new GatewayMetrics({ customerLabel: false });
  const spans: SpanRecord[] = Array.from({ length: series }, (_, i) => {
    const c = call(i);
    return {
      unique_id: `span-${i}`, org_id: c.org, environment: 'prod', api_key_id: c.key, log_type: 'chat', model: c.model,
      provider_id: c.provider, status: 'success', status_code: 200, error_message: '', start_time: 0, timestamp: 0,
      latency: 0.4, time_to_first_token: null, tokens_per_second: 75, prompt_tokens: 12, completion_tokens: 30,
      total_request_tokens: 42, cached_tokens: 0, cache_creation_tokens: 0, reasoning_tokens: 0, cost: 0.00012,
      customer_identifier: null, custom_identifier: null, thread_identifier: null, trace_unique_id: null,
      span_unique_id: null, span_parent_id: null, span_name: null, span_workflow_name: null, span_path: null, span_entity_name: null, prompt_id: null,
      prompt_version: null, stream: false, cached: false, positive_feedback: null, metadata: null, input: null, output: null,
      extra: { attempts: [{ model: c.model, provider: c.provider, status: 200, duration_ms: 390, retry: 0 }], gateway_overhead_ms: 0.4 },
    };
  });
  return {
    name: 'GatewayMetrics (the whole set per call)',
    record(i) {
      m.observeProxySpan(spans[i % series] as SpanRecord);
      m.observeHttp('POST', '/chat/completions', 200, 0.0004);
    },
    scrape: async () => m.registry.render(),
  };
}

/** The part of prom-client's API used here (it is not a dependency, so its types are not there). */
interface PromClient {
  Registry: new () => { metrics(): Promise<string> };
  Counter: new (c: PromOptions) => { inc(labels: Record<string, string>, n?: number): void };
  Histogram: new (c: PromOptions) => { observe(labels: Record<string, string>, v: number): void };
}
interface PromOptions {
  name: string;
  help: string;
  labelNames: string[];
  registers: unknown[];
  buckets?: number[];
}

function prom(client: PromClient): Recorder {
  const r = new client.Registry();
  const mk = <T>(C: new (c: PromOptions) => T, name: string, labelNames: string[], buckets?: number[]) =>
    new C({ name, help: 'h', labelNames, registers: [r], ...(buckets ? { buckets } : {}) });
  const requests = mk(client.Counter, 'requests_total', LABELS);
  const input = mk(client.Counter, 'input_tokens_total', LABELS.slice(0, 4));
  const output = mk(client.Counter, 'output_tokens_total', LABELS.slice(0, 4));
  const cost = mk(client.Counter, 'cost_usd_total', LABELS.slice(0, 4));
  const latency = mk(client.Histogram, 'latency_seconds', SHORT, LATENCY);
  const overhead = mk(client.Histogram, 'overhead_seconds', SHORT, OVERHEAD);
  const upstream = mk(client.Histogram, 'upstream_seconds', SHORT, LATENCY);
  return {
    name: 'prom-client',
    record(i) {
      const c = call(i);
      const all = { organization: c.org, key_prefix: c.key, model: c.model, provider: c.provider, status_code: c.status };
      const four = { organization: c.org, key_prefix: c.key, model: c.model, provider: c.provider };
      const short = { organization: c.org, model: c.model, provider: c.provider };
      requests.inc(all);
      input.inc(four, 12);
      output.inc(four, 30);
      cost.inc(four, 0.00012);
      latency.observe(short, 0.4);
      overhead.observe(short, 0.0004);
      upstream.observe(short, 0.39);
    },
    scrape: () => r.metrics(),
  };
}

async function measure(rec: Recorder): Promise<{ name: string; nsPerCall: number; scrapeMs: number; bytes: number }> {
  progress(`${rec.name}: ${calls} calls over ${series} label sets`);
  for (let i = 0; i < series * 2; i++) rec.record(i);
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) rec.record(i);
  const nsPerCall = ((performance.now() - t0) * 1e6) / calls;
  await rec.scrape();
  const s0 = performance.now();
  const runs = 20;
  let text = '';
  for (let i = 0; i < runs; i++) text = await rec.scrape();
  return { name: rec.name, nsPerCall, scrapeMs: (performance.now() - s0) / runs, bytes: text.length };
}

const recorders: Recorder[] = [ours(), gateway()];
try {
  // A name in a variable: the type checker must not look for a package that is not installed.
  const name = 'prom-client';
  const client = (await import(name)) as PromClient;
  recorders.push(prom(client));
} catch {
  progress('prom-client is not installed (npm install --no-save prom-client): its row is skipped');
}
const rows = [];
for (const r of recorders) rows.push(await measure(r));
console.log(`Bun ${Bun.version}; ${calls} calls, ${series} label sets; 7 series updated per call (4 counters, 3 histograms), GatewayMetrics: its whole set`);
console.log('');
console.log('| recorder | ns per call | scrape ms | scrape KB |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.name} | ${r.nsPerCall.toFixed(0)} | ${r.scrapeMs.toFixed(2)} | ${(r.bytes / 1024).toFixed(0)} |`);
