/**
 * The gateway's Prometheus metrics and the calls that record them. Proxy
 * figures come from the span each proxy call leaves (one observation point,
 * where spans are handed to the writer); HTTP figures from the wrapper around
 * the app's fetch; the rest is read when scraped (service.ts).
 *
 * The hot path looks up one bundle of series per call (nested maps over the
 * label values it already holds, so no key is built per call) and updates
 * plain numbers. Organizations and keys are stored by id and shown by
 * name and prefix at scrape time.
 */
import { type CounterChild, type HistogramChild, Registry, type Histogram, type Scalar } from '../../lib/prometheus.ts';
import type { SpanRecord } from '../../store/types.ts';
import { attemptsOf, failureReason, fallbacksOf, reasonForStatus, upstreamTries } from './span-figures.ts';

/** Seconds: LLM calls take from milliseconds (cache hits) to minutes (long streams). */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds: the gateway's own share of a call, and HTTP answers of the management API. */
const FAST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const BATCH_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
export const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * Distinct values kept at most for a label whose values come from requests
 * (model and provider names, customers): a client must not be able to grow the
 * series without bound. Values beyond these are recorded as "other".
 */
export const LABEL_LIMITS = { model: 1000, provider: 100, customer: 10_000 };
/** A longer value is no real name (the fuzzer sent megabyte model names): it is recorded as "other". */
export const MAX_LABEL_CHARS = 200;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface GatewayMetricsOptions {
  /** Adds a `customer` label to the per-call counters. */
  customerLabel: boolean;
}

/** Passes a label's values through until `max` distinct ones were seen; later new ones become "other". */
class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  value(v: string): string {
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.max || v.length > MAX_LABEL_CHARS) return 'other';
    this.seen.add(v);
    return v;
  }
}

/** The series one proxy call updates, for one label set; the optional ones are made at first use. */
interface CallSeries {
  model: string;
  provider: string;
  requests: CounterChild;
  input: CounterChild;
  output: CounterChild;
  cached: CounterChild;
  cost: CounterChild;
  latency: HistogramChild;
  overhead: HistogramChild;
  ttft?: HistogramChild;
  /** The common case: one try of the span's own model and provider that answered. */
  upstreamOk?: CounterChild;
  upstreamLatency?: HistogramChild;
}

interface HttpSeries {
  requests: CounterChild;
  duration: HistogramChild;
}

/** organization -> key -> model -> provider -> customer -> status. */
type CallTree = Map<string, Map<string, Map<string, Map<string, Map<string, Map<number, CallSeries>>>>>>;

/** The map under `k`, made at first use. */
function branch<K, K2, V>(m: Map<K, Map<K2, V>>, k: K): Map<K2, V> {
  let v = m.get(k);
  if (v === undefined) {
    v = new Map<K2, V>();
    m.set(k, v);
  }
  return v;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly r = this.registry;
  private readonly customerLabel: boolean;
  private readonly calls: CallTree = new Map();
  /** method -> route -> status. */
  private readonly http = new Map<string, Map<string, Map<number, HttpSeries>>>();
  private readonly models = new BoundedLabel(LABEL_LIMITS.model);
  private readonly providers = new BoundedLabel(LABEL_LIMITS.provider);
  private readonly customers = new BoundedLabel(LABEL_LIMITS.customer);

  readonly httpRequests: Scalar;
  readonly httpDuration: Histogram;
  readonly proxyRequests: Scalar;
  readonly proxyFailures: Scalar;
  readonly proxyLatency: Histogram;
  readonly proxyTtft: Histogram;
  readonly proxyOverhead: Histogram;
  readonly inputTokens: Scalar;
  readonly outputTokens: Scalar;
  readonly cachedTokens: Scalar;
  readonly cost: Scalar;
  readonly cache: Scalar;
  readonly fallbacks: Scalar;
  readonly upstreamRequests: Scalar;
  readonly upstreamLatency: Histogram;
  readonly retries: Scalar;
  readonly ingested: Scalar;
  readonly writerQueue: Scalar;
  readonly writerWritten: Scalar;
  readonly writerFailed: Scalar;
  readonly writerDropped: Scalar;
  readonly writerBatch: Histogram;
  readonly databaseSize: Scalar;
  readonly rss: Scalar;
  readonly cpu: Scalar;
  readonly startTime: Scalar;
  readonly eventLoopLag: Histogram;
  readonly buildInfo: Scalar;

  constructor(opts: GatewayMetricsOptions) {
    const r = this.r;
    this.customerLabel = opts.customerLabel;
    const who = ['organization', 'key_prefix', 'model', 'provider', ...(opts.customerLabel ? ['customer'] : [])];
    const where = ['organization', 'model', 'provider'];
    const upstream = ['organization', 'provider', 'model'];

    this.httpRequests = r.counter('switchyard_http_requests_total', 'HTTP requests answered, by route as registered (without /api), status code and outcome (success, client_error, server_error).', ['method', 'route', 'status_code', 'outcome']);
    this.httpDuration = r.histogram('switchyard_http_request_duration_seconds', 'Time until the response starts (a stream goes on after it; see switchyard_proxy_request_duration_seconds).', ['method', 'route'], FAST_BUCKETS.concat(2.5, 5, 10, 30));

    this.proxyRequests = r.counter('switchyard_proxy_requests_total', 'Proxy calls (chat completions, embeddings, Responses, Messages), by status code and outcome (success, failure); refusals before any upstream call included.', [...who, 'status_code', 'outcome']);
    this.proxyFailures = r.counter('switchyard_proxy_failures_total', 'Failed proxy calls by reason: upstream, timeout, budget, rate_limit, validation, auth, client_closed, internal.', [...where, 'reason', 'status_code']);
    this.proxyLatency = r.histogram('switchyard_proxy_request_duration_seconds', 'Whole proxy call, all tries included; a stream until its last chunk.', where, CALL_BUCKETS);
    this.proxyTtft = r.histogram('switchyard_proxy_time_to_first_token_seconds', 'Streams: arrival to the first chunk sent.', where, CALL_BUCKETS);
    this.proxyOverhead = r.histogram('switchyard_proxy_overhead_seconds', "The gateway's own time in a call, upstream and retry waits excluded (x-switchyard-overhead-ms).", where, FAST_BUCKETS);
    this.inputTokens = r.counter('switchyard_proxy_input_tokens_total', 'Prompt tokens of proxy calls.', who);
    this.outputTokens = r.counter('switchyard_proxy_output_tokens_total', 'Completion tokens of proxy calls.', who);
    this.cachedTokens = r.counter('switchyard_proxy_cached_tokens_total', "Prompt tokens the provider served from its prompt cache (part of the input tokens).", who);
    this.cost = r.counter('switchyard_proxy_cost_usd_total', 'Cost of proxy calls in USD, before any customer markup.', who);
    this.cache = r.counter('switchyard_proxy_cache_requests_total', "Proxy calls with the response cache on, by result (hit, miss).", ['organization', 'result']);
    this.fallbacks = r.counter('switchyard_proxy_fallbacks_total', 'Fallback models tried after the requested one failed, and whether they answered (outcome success, failure).', ['organization', 'requested_model', 'fallback_model', 'outcome']);
    this.upstreamRequests = r.counter('switchyard_upstream_requests_total', 'Tries that called a provider, retries included, by outcome (success, failure) and status code (0: no answer).', [...upstream, 'outcome', 'status_code']);
    this.upstreamLatency = r.histogram('switchyard_upstream_request_duration_seconds', "One try's call to a provider; a stream's until its first chunk.", upstream, CALL_BUCKETS);
    this.retries = r.counter('switchyard_upstream_retries_total', 'Tries that repeated a failed call to the same model.', upstream);
    this.ingested = r.counter('switchyard_ingested_spans_total', 'Spans received by the ingest endpoints (request-logs, traces, OTLP).', ['organization']);

    this.writerQueue = r.gauge('switchyard_span_writer_queue_length', 'Spans waiting to be committed.');
    this.writerWritten = r.counter('switchyard_span_writer_written_total', 'Spans committed to the database.');
    this.writerFailed = r.counter('switchyard_span_writer_failed_total', 'Spans the database refused (dropped after one retry alone).');
    this.writerDropped = r.counter('switchyard_span_writer_dropped_total', 'Spans refused because the queue was full (writer.max_queue): a proxy span is lost, an ingest call answers 503.');
    this.writerBatch = r.histogram('switchyard_span_writer_batch_duration_seconds', 'One committed batch of spans.', [], BATCH_BUCKETS);
    this.databaseSize = r.gauge('switchyard_database_size_bytes', 'Size of the database on disk (SQLite: the file and its write-ahead log).');
    this.rss = r.gauge('process_resident_memory_bytes', 'Resident memory of the process.');
    this.cpu = r.counter('process_cpu_seconds_total', 'CPU time of the process, user and system.');
    this.startTime = r.gauge('process_start_time_seconds', 'Start of the process, seconds since the epoch.');
    this.eventLoopLag = r.histogram('switchyard_event_loop_lag_seconds', 'How late a timer due every 100 ms fired: time the event loop was busy.', [], LAG_BUCKETS);
    this.buildInfo = r.gauge('switchyard_build_info', 'Always 1; the version as a label.', ['version']);
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const m = METHODS.has(method) ? method : 'other';
    const byStatus = branch(branch(this.http, m), route);
    let s = byStatus.get(status);
    if (!s) {
      const outcome = status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : 'success';
      s = { requests: this.httpRequests.child(m, route, String(status), outcome), duration: this.httpDuration.child(m, route) };
      byStatus.set(status, s);
    }
    s.requests.value++;
    s.duration.observe(seconds);
  }

  observeCache(orgId: string, hit: boolean): void {
    this.cache.child(orgId, hit ? 'hit' : 'miss').value++;
  }

  /** A proxy request refused before it had a span (authentication, key limits, bad input). */
  observeRefusal(orgId: string | null, keyId: string | null, status: number): void {
    const org = orgId ?? '';
    this.proxyRequests.child(...this.who(org, keyId ?? '', '', '', ''), String(status), 'failure').value++;
    this.proxyFailures.child(org, '', '', reasonForStatus(status), String(status)).value++;
  }

  observeIngest(orgId: string, spans: number): void {
    this.ingested.child(orgId).value += spans;
  }

  observeBatch(seconds: number): void {
    this.writerBatch.child().observe(seconds);
  }

  /** Everything a proxy call's span says: one call, its tokens, cost, timings, tries and fallbacks. */
  observeProxySpan(s: SpanRecord): void {
    const org = s.org_id;
    const customer = this.customerLabel ? this.customers.value(s.customer_identifier ?? '') : '';
    const c = this.series(org, s.api_key_id ?? '', s.model ?? '', s.provider_id ?? '', customer, s.status_code);
    c.requests.value++;
    c.input.value += s.prompt_tokens;
    c.output.value += s.completion_tokens;
    c.cached.value += s.cached_tokens;
    c.cost.value += s.cost;
    if (s.latency !== null) c.latency.observe(s.latency);
    if (s.stream && s.time_to_first_token !== null) {
      (c.ttft ??= this.proxyTtft.child(org, c.model, c.provider)).observe(s.time_to_first_token);
    }
    const overheadMs = s.extra.gateway_overhead_ms;
    if (typeof overheadMs === 'number') c.overhead.observe(overheadMs / 1000);

    const attempts = attemptsOf(s);
    const only = attempts.length === 1 ? attempts[0] : undefined;
    if (only && only.status === 200 && only.retry === 0 && only.model === s.model && only.provider === s.provider_id) {
      (c.upstreamOk ??= this.upstreamRequests.child(org, c.provider, c.model, 'success', '200')).value++;
      (c.upstreamLatency ??= this.upstreamLatency.child(org, c.provider, c.model)).observe(only.duration_ms / 1000);
      return;
    }
    const tries = upstreamTries(attempts);
    for (const a of tries) {
      const p = this.providers.value(a.provider);
      const m = this.models.value(a.model);
      this.upstreamRequests.child(org, p, m, a.status === 200 ? 'success' : 'failure', String(a.status)).value++;
      this.upstreamLatency.child(org, p, m).observe(a.duration_ms / 1000);
      if (a.retry > 0) this.retries.child(org, p, m).value++;
    }
    for (const f of fallbacksOf(s, attempts)) {
      const outcome = f.answered ? 'success' : 'failure';
      this.fallbacks.child(org, this.models.value(f.requested), this.models.value(f.fallback), outcome).value++;
    }
    if (s.status_code >= 400) {
      this.proxyFailures.child(org, c.model, c.provider, failureReason(s, tries), String(s.status_code)).value++;
    }
  }

  private who(org: string, key: string, model: string, provider: string, customer: string): string[] {
    return this.customerLabel ? [org, key, model, provider, customer] : [org, key, model, provider];
  }

  private series(org: string, key: string, rawModel: string, rawProvider: string, customer: string, status: number): CallSeries {
    // Keyed by the bounded values: keyed by what requests sent, the cache grew with every new model name.
    const model = this.models.value(rawModel);
    const provider = this.providers.value(rawProvider);
    const byKey = branch(this.calls, org);
    const byModel = branch(byKey, key);
    const byProvider = branch(byModel, model);
    const byCustomer = branch(byProvider, provider);
    const byStatus = branch(byCustomer, customer);
    const found = byStatus.get(status);
    if (found) return found;
    const who = this.who(org, key, model, provider, customer);
    const s: CallSeries = {
      model,
      provider,
      requests: this.proxyRequests.child(...who, String(status), status < 400 ? 'success' : 'failure'),
      input: this.inputTokens.child(...who),
      output: this.outputTokens.child(...who),
      cached: this.cachedTokens.child(...who),
      cost: this.cost.child(...who),
      latency: this.proxyLatency.child(org, model, provider),
      overhead: this.proxyOverhead.child(org, model, provider),
    };
    // Raw names beyond the label limits share the "other" series; their own keys stay out of the map.
    if (model === rawModel && provider === rawProvider) byStatus.set(status, s);
    return s;
  }
}
