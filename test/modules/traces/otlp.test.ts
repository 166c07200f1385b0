import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
let key: string;
let server: ReturnType<typeof Bun.serve>;
let base: string;

beforeAll(async () => {
  t = await makeTestApp();
  key = await t.key('acme');
  server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (r) => t.app.handle(r) });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.stop(true);
  await t.close();
});

/** Emits workflow -> (llm call, tool) through the real SDK and exporter; returns the trace id. */
async function emit(exporter: SpanExporter, workflow: string): Promise<string> {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('switchyard-test', '1.0.0');
  const root = tracer.startSpan(`${workflow}.workflow`, {
    attributes: {
      'traceloop.span.kind': 'workflow',
      'traceloop.workflow.name': workflow,
      'traceloop.entity.input': JSON.stringify({ question: 'weather?' }),
      'traceloop.association.properties.customer_identifier': 'cust_9',
      'traceloop.association.properties.tier': 'gold',
    },
  });
  const ctx = trace.setSpan(context.active(), root);
  const llm = tracer.startSpan(
    'openai.chat',
    {
      attributes: {
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 100,
        'gen_ai.usage.output_tokens': 50,
        'gen_ai.prompt.0.role': 'user',
        'gen_ai.prompt.0.content': 'What is the weather?',
        'gen_ai.completion.0.role': 'assistant',
        'gen_ai.completion.0.content': 'Sunny.',
      },
    },
    ctx,
  );
  llm.end();
  const tool = tracer.startSpan('get_weather.tool', { attributes: { 'traceloop.span.kind': 'tool' } }, ctx);
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
  tool.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return root.spanContext().traceId;
}

describe('OTLP ingest from the OpenTelemetry JS SDK', () => {
  for (const [name, make] of [
    ['protobuf', () => new ProtoExporter({ url: `${base}/api/v1/traces`, headers: { Authorization: `Bearer ${key}` } })],
    ['json', () => new JsonExporter({ url: `${base}/api/v1/traces`, headers: { Authorization: `Bearer ${key}` } })],
  ] as const) {
    test(`${name}: the export arrives as a trace tree with GenAI fields mapped`, async () => {
      const traceId = await emit(make(), `wf_${name}`);
      await t.writer.flush();
      const r = await t.call('GET', `/api/traces/${traceId}/`, { key });
      expect(r.status).toBe(200);
      const tr = await json(r);
      expect(tr).toMatchObject({ trace_unique_id: traceId, span_count: 3, llm_call_count: 1, error_count: 1, total_tokens: 150, name: `wf_${name}` });
      expect(tr.customer_identifier).toBe('cust_9');
      expect(tr.span_tree).toHaveLength(1);
      const root = tr.span_tree[0];
      expect(root).toMatchObject({ log_type: 'workflow', span_name: `wf_${name}.workflow`, span_parent_id: null });
      expect(root.metadata).toEqual({ tier: 'gold' });
      expect(root.children.map((c: { span_name: string }) => c.span_name).sort()).toEqual(['get_weather.tool', 'openai.chat']);
      const llm = root.children.find((c: { span_name: string }) => c.span_name === 'openai.chat');
      expect(llm).toMatchObject({ model: 'gpt-4o-mini', provider_id: 'openai', prompt_tokens: 100, completion_tokens: 50, log_type: 'chat' });
      expect(llm.span_parent_id).toBe(root.span_unique_id);
      expect(llm.prompt_messages).toEqual([{ role: 'user', content: 'What is the weather?' }]);
      expect(llm.completion_message).toEqual({ role: 'assistant', content: 'Sunny.' });
      expect(llm.cost).toBeCloseTo((100 * 0.15 + 50 * 0.6) / 1e6, 15);
      const tool = root.children.find((c: { span_name: string }) => c.span_name === 'get_weather.tool');
      expect(tool).toMatchObject({ status: 'error', error_message: 'tool failed', log_type: 'tool' });
    });
  }

  test('traces list aggregates, filters and sorts; delete removes the trace', async () => {
    const window = '?start_time=2026-01-01T00:00:00Z&end_time=2030-01-01T00:00:00Z';
    const all = await json(await t.call('POST', `/api/traces/list/${window}&sort_by=name`, { key, body: {} }));
    expect(all.count).toBeGreaterThanOrEqual(2);
    const names = all.results.map((x: { name: string }) => x.name);
    expect(names).toEqual([...names].sort());
    const f = await json(
      await t.call('POST', `/api/traces/list/${window}`, { key, body: { filters: { name: { operator: '', value: ['wf_json'] } } } }),
    );
    expect(f.count).toBe(1);
    expect(f.results[0]).toMatchObject({ span_count: 3, total_prompt_tokens: 100, total_completion_tokens: 50 });
    const id = f.results[0].trace_unique_id;
    expect((await t.call('DELETE', `/api/traces/${id}/`, { key })).status).toBe(204);
    expect((await t.call('GET', `/api/traces/${id}/`, { key })).status).toBe(404);
  });
});

describe('threads', () => {
  test('threads list and the spans of a thread in order', async () => {
    const body = (i: number) => ({ thread_identifier: 'th-1', customer_identifier: 'u1', input: `m${i}`, timestamp: `2026-06-15T11:5${i}:00Z` });
    for (const i of [3, 1, 2]) await t.call('POST', '/api/request-logs/create/', { key, body: body(i) });
    await t.call('POST', '/api/request-logs/create/', { key, body: { thread_identifier: 'th-2', timestamp: '2026-06-15T11:59:00Z' } });
    const list = await json(await t.call('POST', '/api/log_threads/', { key, body: { filters: { customer_identifier: { operator: '', value: ['u1'] } } } }));
    expect(list.count).toBe(1);
    expect(list.results[0]).toMatchObject({ thread_identifier: 'th-1', log_count: 3, environment: 'prod' });
    const spans = await json(await t.call('GET', '/api/log_threads/th-1/', { key }));
    expect(spans.results.map((s: { input: string }) => s.input)).toEqual(['m1', 'm2', 'm3']);
  });
});

describe('hostile OTLP fields (issue 17, defect 3): the span is rejected naming the field, the rest are stored', () => {
  const NANOS = String(BigInt(Date.parse('2026-06-15T11:59:00Z')) * 1_000_000n);
  const good = (spanId: string) => ({ traceId: 'ab'.repeat(16), spanId, name: 'ok', startTimeUnixNano: NANOS, endTimeUnixNano: NANOS });
  const exportOf = (spans: unknown[]) => ({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
  const at = (field: string) => `resourceSpans.0.scopeSpans.0.spans.1.${field}`;

  test('OTLP/JSON: times that are not digits, ids of the wrong shape, kinds, status codes, attribute values', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ startTimeUnixNano: '../../etc/passwd' }, 'startTimeUnixNano'],
      [{ endTimeUnixNano: '😀' }, 'endTimeUnixNano'],
      [{ endTimeUnixNano: '9'.repeat(10_000) }, 'endTimeUnixNano'],
      [{ startTimeUnixNano: '300000000000000000000' }, 'startTimeUnixNano'],
      [{ startTimeUnixNano: 1e308 }, 'startTimeUnixNano'],
      [{ traceId: 'xyz' }, 'traceId'],
      [{ spanId: 'ab'.repeat(9) }, 'spanId'],
      [{ parentSpanId: 42 }, 'parentSpanId'],
      [{ kind: 9 }, 'kind'],
      [{ kind: 'SERVER' }, 'kind'],
      [{ status: { code: 7 } }, 'status.code'],
      [{ status: 'error' }, 'status'],
      [{ name: 'n'.repeat(1000) }, 'name'],
      [{ attributes: [{ key: 'a', value: { intValue: 'many' } }] }, 'attributes.0.value.intValue'],
      [{ attributes: [{ key: 'a', value: { doubleValue: 'x' } }] }, 'attributes.0.value.doubleValue'],
      [{ attributes: [{ key: 'a', value: { boolValue: 'yes' } }] }, 'attributes.0.value.boolValue'],
      [{ attributes: [{ key: 'a', value: { stringValue: 'x', boolValue: true } }] }, 'attributes.0.value'],
      [{ attributes: [{ key: 5, value: { stringValue: 'x' } }] }, 'attributes.0.key'],
      [{ attributes: { key: 'a' } }, 'attributes'],
      [{ attributes: [{ key: 'a', value: { arrayValue: { values: [{ intValue: 'x' }] } } }] }, 'attributes.0.value.arrayValue.values.0.intValue'],
      [{ events: [{ timeUnixNano: 'soon' }] }, 'events.0.timeUnixNano'],
      [{ links: [{ traceId: 'zz', spanId: 'cd'.repeat(8) }] }, 'links.0.traceId'],
    ];
    for (const [fields, field] of bad) {
      const r = await t.call('POST', '/api/v1/traces', { key, body: exportOf([good('cd'.repeat(8)), { ...good('ef'.repeat(8)), ...fields }]) });
      expect(r.status).toBe(200);
      const partial = (await json(r)).partialSuccess;
      expect(partial.rejectedSpans).toBe(1);
      const [rejected] = JSON.parse(partial.errorMessage);
      expect([rejected.index, Object.keys(rejected.errors)]).toEqual([1, [at(field)]]);
    }
  });

  test('attribute values nested past 128 levels are rejected; the envelope of the wrong type is a 400', async () => {
    let value: Record<string, unknown> = { stringValue: 'leaf' };
    for (let i = 0; i < 3000; i++) value = { arrayValue: { values: [value] } };
    const body = exportOf([good('cd'.repeat(8)), { ...good('ef'.repeat(8)), attributes: [{ key: 'deep', value }] }]);
    // The default body_max_depth (128) refuses the whole export before it is read; raised, the span alone is rejected.
    const refused = await t.call('POST', '/api/v1/traces', { key, body });
    expect([refused.status, (await json(refused)).detail]).toEqual([400, 'Request body is nested more than 128 levels deep (body_max_depth)']);
    const lenient = await makeTestApp({ body_max_depth: 10_000 });
    try {
      const r = await lenient.call('POST', '/api/v1/traces', { key: await lenient.key('acme'), body });
      expect((await json(r)).partialSuccess.rejectedSpans).toBe(1);
    } finally {
      await lenient.close();
    }
    for (const body of [{ resourceSpans: 5 }, { resourceSpans: [{ scopeSpans: 'x' }] }, { resourceSpans: [{ scopeSpans: [{ spans: [1] }] }] }]) {
      const bad = await t.call('POST', '/api/v1/traces', { key, body });
      expect(bad.status).toBe(400);
      expect((await json(bad)).detail).toStartWith('resourceSpans');
    }
  });

  test('OTLP protobuf: ids of the wrong length and bad times are rejected by field', async () => {
    const root = (await import('@opentelemetry/otlp-transformer/build/src/generated/root.js')) as unknown as {
      opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { encode(m: unknown): { finish(): Uint8Array }; fromObject(o: unknown): unknown } } } } } };
    };
    const Req = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
    const span = (traceId: number[], spanId: number[]) => ({ traceId: new Uint8Array(traceId), spanId: new Uint8Array(spanId), name: 'p', startTimeUnixNano: NANOS, endTimeUnixNano: NANOS });
    const bytes = Req.encode(Req.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [span(Array(16).fill(1), Array(8).fill(2)), span([1, 2, 3], Array(8).fill(2))] }] }] })).finish();
    const r = await t.app.handle(new Request('http://localhost/api/v1/traces', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-protobuf' }, body: bytes }));
    expect(r.status).toBe(200);
    // A partial success is answered in JSON (ExportTraceServiceResponse's partial_success).
    const [rejected] = JSON.parse((await json(r)).partialSuccess.errorMessage);
    expect(Object.keys(rejected.errors)).toEqual([at('traceId')]);
  });
});
