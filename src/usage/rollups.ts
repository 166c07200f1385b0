/**
 * Rollups: what a batch of spans adds to the precomputed figures that wide
 * reads use instead of scanning spans (summaries, the console's overview,
 * breakdowns, trace and thread lists). Pure: a backend persists the plan with
 * atomic increments in the span transaction.
 *
 * - per 15-minute bucket x model x provider x API key (time series, totals,
 *   breakdowns by model, provider or key), and the same per minute, so that
 *   a summary whose window ends inside a bucket reads under a minute of spans
 *   at each edge rather than up to a bucket's;
 *   (Per customer, the 15-minute customer usage of accounting.ts serves.)
 * - per 15-minute bucket x metadata key x value, for the keys the operator
 *   names in `rollups.metadata_keys` (breakdown by a metadata key);
 * - per trace and per thread (their lists).
 *
 * Usage rollups describe traffic as it happened: deleting a log or purging old
 * spans (retention) does not change them, as it does not change customers'
 * usage. The per-minute rows only stand in for the spans at a window's edges,
 * so retention purges them with the spans (which keeps their number bounded).
 * Trace and thread rollups describe what is stored and follow deletes.
 */
import { bucketOf, minuteOf } from '../lib/periods.ts';
import { LLM_LOG_TYPES, type Environment, type SpanRecord } from '../store/types.ts';

/** Upper bounds (seconds) of the latency histogram's bins; the last bin is open. */
export const LATENCY_BOUNDS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 120] as const;
export const LATENCY_BINS = LATENCY_BOUNDS.length + 1;

export function latencyBin(seconds: number): number {
  for (let i = 0; i < LATENCY_BOUNDS.length; i++) if (seconds <= (LATENCY_BOUNDS[i] as number)) return i;
  return LATENCY_BOUNDS.length;
}

/**
 * The q-quantile (0..1) of a histogram, interpolated within its bin; null
 * when empty. Within a bin's width (a bin spans up to 1.5x its lower bound).
 */
export function quantile(hist: readonly number[], q: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    const n = hist[i] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const lo = i === 0 ? 0 : (LATENCY_BOUNDS[i - 1] as number);
      const hi = i < LATENCY_BOUNDS.length ? (LATENCY_BOUNDS[i] as number) : lo * 2;
      return lo + ((hi - lo) * Math.max(0, rank - seen)) / n;
    }
    seen += n;
  }
  return LATENCY_BOUNDS[LATENCY_BOUNDS.length - 1] as number;
}

/** The additive measures of a set of spans. */
export interface Measures {
  requests: number;
  errors: number;
  cache_hits: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  cost: number;
  latency_sum: number;
  latency_count: number;
  ttft_sum: number;
  ttft_count: number;
  tps_sum: number;
  tps_count: number;
  /** Spans per latency bin (LATENCY_BOUNDS). */
  hist: number[];
}

export function emptyMeasures(): Measures {
  return {
    requests: 0, errors: 0, cache_hits: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0,
    reasoning_tokens: 0, cost: 0, latency_sum: 0, latency_count: 0, ttft_sum: 0, ttft_count: 0, tps_sum: 0,
    tps_count: 0, hist: new Array<number>(LATENCY_BINS).fill(0),
  };
}

const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);

export function addToMeasures(m: Measures, s: SpanRecord): void {
  m.requests++;
  if (s.status === 'error') m.errors++;
  if (s.cached) m.cache_hits++;
  m.prompt_tokens += s.prompt_tokens;
  m.completion_tokens += s.completion_tokens;
  m.total_tokens += s.total_request_tokens;
  m.cached_tokens += s.cached_tokens;
  m.reasoning_tokens += s.reasoning_tokens;
  m.cost += s.cost;
  if (finite(s.latency)) {
    m.latency_sum += s.latency;
    m.latency_count++;
    const bin = latencyBin(s.latency);
    m.hist[bin] = (m.hist[bin] ?? 0) + 1;
  }
  if (finite(s.time_to_first_token)) {
    m.ttft_sum += s.time_to_first_token;
    m.ttft_count++;
  }
  if (finite(s.tokens_per_second)) {
    m.tps_sum += s.tokens_per_second;
    m.tps_count++;
  }
}

/** The dimensions rollup rows are keyed by; '' stands for none (keys cannot hold null). */
export interface BucketKey {
  orgId: string;
  environment: Environment;
  bucket: number;
  model: string;
  provider: string;
  apiKeyId: string;
}

/** A per-minute row's key: a bucket's dimensions, at the minute (index since the epoch). */
export type MinuteKey = Omit<BucketKey, 'bucket'> & { minute: number };

export interface MetadataKey {
  orgId: string;
  environment: Environment;
  bucket: number;
  key: string;
  value: string;
}

/** What a batch adds to one trace (all its spans in this batch). */
export interface TraceDelta {
  orgId: string;
  environment: Environment;
  traceId: string;
  spans: number;
  llmCalls: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost: number;
  startTime: number;
  firstSeen: number;
  endTime: number;
  customer: string | null;
  /** max() over the batch: what the trace list's name is made of. */
  rootWorkflowName: string | null;
  workflowName: string | null;
  rootSpanName: string | null;
}

export interface ThreadDelta {
  orgId: string;
  environment: Environment;
  threadId: string;
  logs: number;
  cost: number;
  total_tokens: number;
  startTime: number;
  firstSeen: number;
  endTime: number;
  customer: string | null;
}

export interface RollupPlan {
  buckets: { key: BucketKey; m: Measures }[];
  minutes: { key: MinuteKey; m: Measures }[];
  metadata: { key: MetadataKey; m: Measures }[];
  traces: TraceDelta[];
  threads: ThreadDelta[];
}

const LLM = new Set<string>(LLM_LOG_TYPES);

function maxText(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

/** A metadata value as a rollup key: strings as they are, other scalars as JSON; objects are not rolled up. */
export function metadataValue(v: unknown): string | null {
  if (typeof v === 'string') return v.length <= 200 ? v : null;
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  return null;
}

function into<K>(map: Map<string, { key: K; m: Measures }>, id: string, key: K, s: SpanRecord): void {
  let row = map.get(id);
  if (!row) map.set(id, (row = { key, m: emptyMeasures() }));
  addToMeasures(row.m, s);
}

export function planRollups(batch: readonly SpanRecord[], metadataKeys: readonly string[] = []): RollupPlan {
  const buckets = new Map<string, { key: BucketKey; m: Measures }>();
  const minutes = new Map<string, { key: MinuteKey; m: Measures }>();
  const metadata = new Map<string, { key: MetadataKey; m: Measures }>();
  const traces = new Map<string, TraceDelta>();
  const threads = new Map<string, ThreadDelta>();
  for (const s of batch) {
    const model = s.model ?? '';
    const provider = s.provider_id ?? '';
    const apiKeyId = s.api_key_id ?? '';
    const bucket = bucketOf(s.timestamp);
    const base = `${s.org_id}\u0000${s.environment}`;
    const dims = `${model}\u0000${provider}\u0000${apiKeyId}`;
    into(buckets, `${base}\u0000${bucket}\u0000${dims}`, { orgId: s.org_id, environment: s.environment, bucket, model, provider, apiKeyId }, s);
    const minute = minuteOf(s.timestamp);
    into(minutes, `${base}\u0000${minute}\u0000${dims}`, { orgId: s.org_id, environment: s.environment, minute, model, provider, apiKeyId }, s);
    for (const k of metadataKeys) {
      const value = s.metadata ? metadataValue(s.metadata[k]) : null;
      if (value === null) continue;
      into(metadata, `${base}\u0000${bucket}\u0000${k}\u0000${value}`, { orgId: s.org_id, environment: s.environment, bucket, key: k, value }, s);
    }
    if (s.trace_unique_id) {
      const id = `${base}\u0000${s.trace_unique_id}`;
      let t = traces.get(id);
      if (!t) {
        t = {
          orgId: s.org_id, environment: s.environment, traceId: s.trace_unique_id, spans: 0, llmCalls: 0, errors: 0,
          prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0, startTime: s.start_time, firstSeen: s.timestamp,
          endTime: s.timestamp, customer: null, rootWorkflowName: null, workflowName: null, rootSpanName: null,
        };
        traces.set(id, t);
      }
      t.spans++;
      if (LLM.has(s.log_type)) t.llmCalls++;
      if (s.status === 'error') t.errors++;
      t.prompt_tokens += s.prompt_tokens;
      t.completion_tokens += s.completion_tokens;
      t.total_tokens += s.total_request_tokens;
      t.cost += s.cost;
      t.startTime = Math.min(t.startTime, s.start_time);
      t.firstSeen = Math.min(t.firstSeen, s.timestamp);
      t.endTime = Math.max(t.endTime, s.timestamp);
      t.customer = maxText(t.customer, s.customer_identifier);
      t.workflowName = maxText(t.workflowName, s.span_workflow_name);
      if (s.span_parent_id === null) {
        t.rootWorkflowName = maxText(t.rootWorkflowName, s.span_workflow_name);
        t.rootSpanName = maxText(t.rootSpanName, s.span_name);
      }
    }
    if (s.thread_identifier) {
      const id = `${base}\u0000${s.thread_identifier}`;
      let th = threads.get(id);
      if (!th) {
        th = {
          orgId: s.org_id, environment: s.environment, threadId: s.thread_identifier, logs: 0, cost: 0, total_tokens: 0,
          startTime: s.start_time, firstSeen: s.timestamp, endTime: s.timestamp, customer: null,
        };
        threads.set(id, th);
      }
      th.logs++;
      th.cost += s.cost;
      th.total_tokens += s.total_request_tokens;
      th.startTime = Math.min(th.startTime, s.start_time);
      th.firstSeen = Math.min(th.firstSeen, s.timestamp);
      th.endTime = Math.max(th.endTime, s.timestamp);
      th.customer = maxText(th.customer, s.customer_identifier);
    }
  }
  return {
    buckets: [...buckets.values()],
    minutes: [...minutes.values()],
    metadata: [...metadata.values()],
    traces: [...traces.values()],
    threads: [...threads.values()],
  };
}
