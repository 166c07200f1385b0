/**
 * GET /metrics after known traffic: proxy calls, a stream, cache hit and miss,
 * a fallback, a retry, a budget refusal, refusals before any span, and
 * ingest. Every figure is checked against what was sent.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { computeCost } from '../../../src/pricing/cost.ts';
import { MOCK_PRICES } from '../../../src/pricing/registry.ts';
import { type Gateway, gateway } from '../chat/fixtures.ts';
import { metric, parseExposition, type Sample, series } from '../../helpers/prometheus.ts';

let g: Gateway;
afterEach(() => g.t.close());

// Three words, so three prompt tokens from the fake provider; it answers "<model>: one two three" (four).
const messages = [{ role: 'user', content: 'one two three' }];
const chat = (body: Record<string, unknown>, key = g.key) =>
  g.t.call('POST', '/api/chat/completions', { key, body: { messages, ...body } });

async function scrape(headers: Record<string, string> = {}): Promise<Sample[]> {
  await g.t.writer.flush();
  const r = await g.t.call('GET', '/metrics', { headers });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toStartWith('text/plain; version=0.0.4');
  return parseExposition(await r.text());
}

describe('GET /metrics after traffic', () => {
  test('every figure matches what was sent', async () => {
    g = await gateway();
    const prefix = g.key.slice(0, 8);
    const echo = { organization: 'acme', key_prefix: prefix, model: 'mock/echo', provider: 'mock' };
    const where = { organization: 'acme', model: 'mock/echo', provider: 'mock' };

    // Two plain calls, one stream, a cache miss then a hit: five answers of mock/echo, four upstream calls.
    expect((await chat({ model: 'mock/echo' })).status).toBe(200);
    expect((await chat({ model: 'mock/echo' })).status).toBe(200);
    const stream = await chat({ model: 'mock/echo', stream: true });
    expect(stream.status).toBe(200);
    await stream.text();
    expect((await chat({ model: 'mock/echo', cache_enabled: true })).headers.get('x-switchyard-cache')).toBe('MISS');
    expect((await chat({ model: 'mock/echo', cache_enabled: true })).headers.get('x-switchyard-cache')).toBe('HIT');
    // A fallback: mock/broken fails (500, no retry), mock/echo answers.
    g.fakes.mock.script('broken', { ok: false, status: 500 });
    const fb = await chat({ model: 'mock/broken', fallback_models: ['mock/echo'], retry_params: { retry_enabled: false } });
    expect(fb.status).toBe(200);
    // A retry: mock/flaky answers 503 once, then succeeds on the second try.
    g.fakes.mock.script('flaky', { ok: false, status: 503 }, { ok: true });
    expect((await chat({ model: 'mock/flaky' })).status).toBe(200);
    // A budget refusal (402, a span, nothing upstream), a validation error and a missing key (no span).
    const refused = await chat({ model: 'mock/echo', customer_params: { customer_identifier: 'broke', total_budget: 0.000000001 } });
    expect(refused.status).toBe(402);
    expect((await g.t.call('POST', '/api/chat/completions', { key: g.key, body: { model: 'mock/echo' } })).status).toBe(422);
    expect((await g.t.call('POST', '/api/chat/completions', { body: { model: 'mock/echo', messages } })).status).toBe(401);
    // Ingest: one span, then a batch of three.
    const log = { model: 'gpt-4o-mini', prompt_messages: messages, completion_message: { role: 'assistant', content: 'hi' } };
    expect((await g.t.call('POST', '/api/request-logs/create/', { key: g.key, body: log })).status).toBeLessThan(300);
    const batch = await g.t.call('POST', '/api/request-logs/batch/create/', { key: g.key, body: { logs: [log, log, log] } });
    expect(batch.status).toBeLessThan(300);

    const m = await scrape();
    const proxySpans = await g.t.spans(8);
    expect(proxySpans).toHaveLength(8);

    // HTTP: by route, status code and outcome.
    const http = (route: string, status: string) => metric(m, 'switchyard_http_requests_total', { method: 'POST', route, status_code: status });
    expect(http('/chat/completions', '200')).toBe(7);
    expect(http('/chat/completions', '402')).toBe(1);
    expect(http('/chat/completions', '422')).toBe(1);
    expect(http('/chat/completions', '401')).toBe(1);
    expect(metric(m, 'switchyard_http_requests_total', { status_code: '422', outcome: 'client_error' })).toBe(1);
    expect(http('/request-logs/create', '201')).toBe(1);
    expect(http('/request-logs/batch/create', '200')).toBe(1);
    expect(metric(m, 'switchyard_http_request_duration_seconds_count', { method: 'POST', route: '/chat/completions' })).toBe(10);

    // Proxy calls: the five mock/echo answers (the cache hit included), the fallback's answer, the retried call.
    expect(metric(m, 'switchyard_proxy_requests_total', { ...echo, status_code: '200', outcome: 'success' })).toBe(6);
    expect(metric(m, 'switchyard_proxy_requests_total', { model: 'mock/flaky', status_code: '200' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_requests_total', { status_code: '402', outcome: 'failure' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_requests_total', { status_code: '422', outcome: 'failure', organization: 'acme' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_requests_total', { status_code: '401', organization: '' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_requests_total')).toBe(10);
    expect(metric(m, 'switchyard_proxy_failures_total', { reason: 'budget', status_code: '402' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_failures_total', { reason: 'validation', status_code: '422' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_failures_total', { reason: 'auth', status_code: '401' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_failures_total')).toBe(3);

    // Tokens: 3 in and 4 out per answer of "mock/echo"/"mock/flaky" ("echo: one two three"), cache hit included.
    expect(metric(m, 'switchyard_proxy_input_tokens_total', echo)).toBe(6 * 3);
    expect(metric(m, 'switchyard_proxy_output_tokens_total', echo)).toBe(6 * 4);
    expect(metric(m, 'switchyard_proxy_input_tokens_total')).toBe(proxySpans.reduce((n, s) => n + s.prompt_tokens, 0));
    expect(metric(m, 'switchyard_proxy_cached_tokens_total')).toBe(0);
    // Cost: every answer but the cache hit, at the mock price.
    const one = computeCost({ prompt_tokens: 3, completion_tokens: 4 }, MOCK_PRICES);
    expect(metric(m, 'switchyard_proxy_cost_usd_total', echo)).toBeCloseTo(5 * one, 12);
    expect(metric(m, 'switchyard_proxy_cost_usd_total')).toBeCloseTo(proxySpans.reduce((n, s) => n + s.cost, 0), 12);

    // Latency histograms: one observation per proxy span (the refused one of mock/echo too); TTFT for the stream only.
    expect(metric(m, 'switchyard_proxy_request_duration_seconds_count', where)).toBe(7);
    expect(metric(m, 'switchyard_proxy_request_duration_seconds_count')).toBe(proxySpans.length);
    expect(metric(m, 'switchyard_proxy_request_duration_seconds_sum')).toBeCloseTo(proxySpans.reduce((n, s) => n + (s.latency ?? 0), 0), 9);
    expect(metric(m, 'switchyard_proxy_time_to_first_token_seconds_count')).toBe(1);
    expect(metric(m, 'switchyard_proxy_overhead_seconds_count')).toBe(proxySpans.length);
    const overheadMs = proxySpans.reduce((n, s) => n + (s.extra.gateway_overhead_ms as number), 0);
    expect(metric(m, 'switchyard_proxy_overhead_seconds_sum')).toBeCloseTo(overheadMs / 1000, 9);
    const inf = series(m, 'switchyard_proxy_request_duration_seconds_bucket', { ...where, le: '+Inf' });
    expect(inf.map((s) => s.value)).toEqual([7]);

    // Cache, fallback, tries.
    expect(metric(m, 'switchyard_proxy_cache_requests_total', { organization: 'acme', result: 'hit' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_cache_requests_total', { organization: 'acme', result: 'miss' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_fallbacks_total', { requested_model: 'mock/broken', fallback_model: 'mock/echo', outcome: 'success' })).toBe(1);
    const up = (model: string, outcome: string, status: string) =>
      metric(m, 'switchyard_upstream_requests_total', { organization: 'acme', provider: 'mock', model, outcome, status_code: status });
    expect(up('mock/echo', 'success', '200')).toBe(5);
    expect(up('mock/broken', 'failure', '500')).toBe(1);
    expect(up('mock/flaky', 'failure', '503')).toBe(1);
    expect(up('mock/flaky', 'success', '200')).toBe(1);
    expect(metric(m, 'switchyard_upstream_requests_total')).toBe(g.fakes.mock.calls.length);
    expect(metric(m, 'switchyard_upstream_request_duration_seconds_count')).toBe(g.fakes.mock.calls.length);
    expect(metric(m, 'switchyard_upstream_retries_total', { model: 'mock/flaky' })).toBe(1);
    expect(metric(m, 'switchyard_upstream_retries_total')).toBe(1);

    // Ingest and the span writer: every span written, nothing queued, failed or dropped.
    expect(metric(m, 'switchyard_ingested_spans_total', { organization: 'acme' })).toBe(4);
    expect(metric(m, 'switchyard_span_writer_written_total')).toBe(proxySpans.length + 4);
    expect(metric(m, 'switchyard_span_writer_queue_length')).toBe(0);
    expect(metric(m, 'switchyard_span_writer_failed_total')).toBe(0);
    expect(metric(m, 'switchyard_span_writer_dropped_total')).toBe(0);
    expect(metric(m, 'switchyard_span_writer_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);

    // The process and the database.
    expect(metric(m, 'switchyard_database_size_bytes')).toBeGreaterThan(0);
    expect(metric(m, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(metric(m, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(metric(m, 'switchyard_build_info', { version: 'test' })).toBe(1);
  });

  test('the Responses and Messages APIs count as proxy calls too, streams and refusals included', async () => {
    g = await gateway();
    const r = await g.t.call('POST', '/api/responses', { key: g.key, body: { model: 'mock/echo', input: 'one two three' } });
    expect(r.status).toBe(200);
    const body = { model: 'mock/echo', max_tokens: 10, messages, stream: true };
    const s = await g.t.call('POST', '/api/anthropic/v1/messages', { key: g.key, body });
    expect(s.status).toBe(200);
    await s.text();
    expect((await g.t.call('POST', '/api/anthropic/v1/messages', { body })).status).toBe(401);
    const spans = await g.t.spans(2);
    expect(spans.map((x) => x.extra.request_id)).toEqual([r.headers.get('x-request-id'), s.headers.get('x-request-id')]);
    const m = await scrape();
    expect(metric(m, 'switchyard_http_requests_total', { route: '/responses', status_code: '200' })).toBe(1);
    expect(metric(m, 'switchyard_http_requests_total', { route: '/anthropic/v1/messages', status_code: '200' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_requests_total', { organization: 'acme', model: 'mock/echo', status_code: '200' })).toBe(2);
    expect(metric(m, 'switchyard_proxy_input_tokens_total', { organization: 'acme', model: 'mock/echo' })).toBe(spans.reduce((n, x) => n + x.prompt_tokens, 0));
    expect(metric(m, 'switchyard_proxy_time_to_first_token_seconds_count')).toBe(1);
    expect(metric(m, 'switchyard_proxy_failures_total', { reason: 'auth', status_code: '401' })).toBe(1);
  });

  test('a model name sent by a client becomes a label only up to a limit', async () => {
    g = await gateway();
    const { GatewayMetrics, LABEL_LIMITS } = await import('../../../src/modules/metrics/gateway-metrics.ts');
    const { span } = await import('../../helpers/spans.ts');
    const gm = new GatewayMetrics({ customerLabel: false });
    for (let i = 0; i <= LABEL_LIMITS.model; i++) gm.observeProxySpan(span({ model: `m${i}`, provider_id: 'mock' }));
    const m = parseExposition(gm.registry.render());
    expect(metric(m, 'switchyard_proxy_requests_total', { model: 'other' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_requests_total', { model: `m${LABEL_LIMITS.model - 1}` })).toBe(1);
    expect(metric(m, 'switchyard_proxy_requests_total')).toBe(LABEL_LIMITS.model + 1);
  });

  test('megabyte model names and endless new ones cost neither the exposition nor memory (found by the fuzz campaign)', async () => {
    const { GatewayMetrics, MAX_LABEL_CHARS } = await import('../../../src/modules/metrics/gateway-metrics.ts');
    const { span } = await import('../../helpers/spans.ts');
    const gm = new GatewayMetrics({ customerLabel: true });
    // Before: 1,000 megabyte names were kept as labels (the exposition reached gigabytes, /health
    // went unanswered while it was built) and every distinct name stayed in a cache.
    for (let i = 0; i < 3000; i++) {
      gm.observeProxySpan(span({ model: `${i}-${'x'.repeat(i < 50 ? 1_000_000 : MAX_LABEL_CHARS)}`, provider_id: 'mock', customer_identifier: 'c' }));
    }
    const text = gm.registry.render();
    expect(text.length).toBeLessThan(5_000_000);
    expect(metric(parseExposition(text), 'switchyard_proxy_requests_total', { model: 'other' })).toBe(3000);
  });
});

describe('access to /metrics', () => {
  test('require_key: no key is a 401; a key sees its own organization and the gateway-wide figures', async () => {
    g = await gateway({ metrics: { enabled: true, require_key: true, customer_label: false } });
    const other = await g.t.key('globex');
    expect((await chat({ model: 'mock/echo' })).status).toBe(200);
    expect((await chat({ model: 'mock/echo' }, other)).status).toBe(200);
    await g.t.writer.flush();
    expect((await g.t.call('GET', '/metrics')).status).toBe(401);
    const m = await scrape({ authorization: `Bearer ${other}` });
    expect(metric(m, 'switchyard_proxy_requests_total', { organization: 'globex' })).toBe(1);
    expect(series(m, 'switchyard_proxy_requests_total', { organization: 'acme' })).toEqual([]);
    expect(metric(m, 'switchyard_span_writer_written_total')).toBe(2);
  });

  test('customer_label adds the customer to the per-call counters', async () => {
    g = await gateway({ metrics: { enabled: true, require_key: false, customer_label: true } });
    await chat({ model: 'mock/echo', customer_identifier: 'cust-7' });
    const m = await scrape();
    expect(metric(m, 'switchyard_proxy_requests_total', { customer: 'cust-7' })).toBe(1);
    expect(metric(m, 'switchyard_proxy_cost_usd_total', { customer: 'cust-7' })).toBeGreaterThan(0);
  });

  test('enabled: false answers 404 and records nothing', async () => {
    g = await gateway({ metrics: { enabled: false, require_key: false, customer_label: false } });
    expect((await chat({ model: 'mock/echo' })).status).toBe(200);
    expect((await g.t.call('GET', '/metrics')).status).toBe(404);
  });

  test('with metrics.port set, the app does not serve /metrics', async () => {
    g = await gateway({ metrics: { enabled: true, port: 0, require_key: false, customer_label: false } });
    expect((await g.t.call('GET', '/metrics')).status).toBe(404);
  });
});
