import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
let key: string;
beforeEach(async () => {
  t = await makeTestApp();
  key = await t.key('acme');
});
afterEach(() => t.close());

const seed001 = {
  log_type: 'chat',
  model: 'gpt-4o-mini',
  input: '[{"role":"user","content":"Hello"}]',
  output: '{"role":"assistant","content":"Hi! How can I help?"}',
  usage: { prompt_tokens: 10, completion_tokens: 8, total_tokens: 18 },
  customer_identifier: 'user_123',
  latency: 1.2,
  metadata: { environment: 'production' },
};

const seed003 = {
  model: 'gpt-4',
  prompt_messages: [
    { role: 'user', content: 'Hi' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'xxxx', type: 'function', function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' } },
      ],
    },
  ],
  completion_message: { role: 'assistant', content: 'Hi, how can I assist you today?' },
  tool_choice: { type: 'function', function: { name: 'get_current_weather' } },
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_current_weather',
        description: 'Get the current weather in a given location',
        parameters: {
          type: 'object',
          properties: {
            location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
            unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
          },
          required: ['location'],
        },
      },
    },
  ],
  customer_params: { customer_identifier: 'customer_123', name: 'Hendrix Liu', email: 'hendrix@keywordsai.co' },
  prompt_tokens: 8,
  completion_tokens: 16,
  cost: 0.00042,
  latency: 0.0,
  timestamp: '2024-04-15T08:30:37.721313Z',
  time_to_first_token: 0.0,
  metadata: {},
  stream: false,
  status_code: 200,
  warnings: '',
  error_message: '',
  type: 'text',
};

describe('create', () => {
  test('seed 001 body verbatim: created-log answer, then get returns universal and legacy fields', async () => {
    const r = await t.call('POST', '/api/request-logs/create/', { key, body: seed001 });
    expect(r.status).toBe(201);
    const created = await json(r);
    expect(created.id).toBe(created.unique_id);
    expect(created).toMatchObject({ customer_identifier: 'user_123', status: 'success' });
    // gpt-4o-mini: $0.15 / $0.60 per 1M tokens.
    expect(created.cost).toBeCloseTo((10 * 0.15 + 8 * 0.6) / 1e6, 15);
    expect(created.timestamp).toBe(new Date(t.clock.now).toISOString());
    const got = await json(await t.call('GET', `/api/request-logs/${created.unique_id}/`, { key }));
    expect(got.input).toBe(seed001.input);
    expect(got.output).toBe(seed001.output);
    expect(got.prompt_messages).toEqual([{ role: 'user', content: 'Hello' }]);
    expect(got.completion_message).toEqual({ role: 'assistant', content: 'Hi! How can I help?' });
    expect(got).toMatchObject({ prompt_tokens: 10, completion_tokens: 8, total_request_tokens: 18, latency: 1.2 });
    expect(got.tokens_per_second).toBeCloseTo(8 / 1.2, 10);
    expect(got.metadata).toEqual({ environment: 'production' });
  });

  test('seed 003 legacy body verbatim round-trips, unknown fields kept', async () => {
    const r = await t.call('POST', '/request-logs/create', { key, body: seed003 });
    expect(r.status).toBe(201);
    const { unique_id } = await json(r);
    const got = await json(await t.call('GET', `/api/request-logs/${unique_id}`, { key }));
    expect(got.prompt_messages).toEqual(seed003.prompt_messages);
    expect(got.completion_message).toEqual(seed003.completion_message);
    expect(got.tools).toEqual(seed003.tools);
    expect(got.tool_choice).toEqual(seed003.tool_choice);
    expect(got.type).toBe('text');
    expect(got.customer_identifier).toBe('customer_123');
    expect(got.customer_params).toEqual(seed003.customer_params);
    expect(got.cost).toBe(0.00042);
    expect(got.timestamp).toBe('2024-04-15T08:30:37.721Z');
    expect(got.generation_time).toBe(0);
  });

  test('aliases: generation_time/ttft and latency/time_to_first_token land in one field', async () => {
    const a = await json(await t.call('POST', '/api/request-logs/', { key, body: { generation_time: 2, ttft: 0.5, completion_tokens: 10 } }));
    const got = await json(await t.call('GET', `/api/request-logs/${a.unique_id}/`, { key }));
    expect(got).toMatchObject({ latency: 2, time_to_first_token: 0.5, tokens_per_second: 5 });
  });

  test('cost from unit prices and cached tokens', async () => {
    const body = {
      model: 'my-own-model',
      prompt_tokens: 1000,
      completion_tokens: 100,
      prompt_unit_price: 2,
      completion_unit_price: 4,
      usage: { prompt_tokens_details: { cached_tokens: 200 }, cache_creation_prompt_tokens: 100 },
    };
    const created = await json(await t.call('POST', '/api/request-logs/create/', { key, body }));
    // No cache rates for an unknown model: they fall back to the input rate.
    expect(created.cost).toBeCloseTo((700 * 2 + 200 * 2 + 100 * 2 + 100 * 4) / 1e6, 15);
  });

  test('validation: 422 names each bad field; extra fields are accepted', async () => {
    const r = await t.call('POST', '/api/request-logs/create/', {
      key,
      body: {
        prompt_tokens: -1,
        completion_tokens: 'x',
        timestamp: 'yesterday',
        log_type: 'banana',
        customer_identifier: 'c'.repeat(121),
        my_extra: 1,
      },
    });
    expect(r.status).toBe(422);
    const b = await json(r);
    expect(b.detail).toBe('Validation error');
    expect(Object.keys(b.errors).sort()).toEqual(
      ['completion_tokens', 'customer_identifier', 'log_type', 'prompt_tokens', 'timestamp'].sort(),
    );
  });

  test('every documented log type is accepted; input may be string, object or array', async () => {
    const types = ['text', 'chat', 'completion', 'response', 'embedding', 'transcription', 'speech', 'workflow', 'task', 'tool', 'agent', 'handoff', 'guardrail', 'function', 'custom', 'generation', 'unknown'];
    for (const [i, log_type] of types.entries()) {
      const input = [i, { a: i }, 'text'][i % 3];
      const r = await t.call('POST', '/api/request-logs/create/', { key, body: { log_type, input } });
      expect(r.status).toBe(201);
      const got = await json(await t.call('GET', `/api/request-logs/${(await json(r)).unique_id}/`, { key }));
      expect(got.log_type).toBe(log_type);
      expect(got.input).toBe(typeof input === 'string' ? input : JSON.stringify(input));
    }
  });

  test('block false answers at once; the span is stored after', async () => {
    const r = await t.call('POST', '/api/request-logs/create/', { key, body: { ...seed001, keywordsai_api_controls: { block: false } } });
    expect(r.status).toBe(202);
    const b = await json(r);
    expect(b.status).toBe('initialized');
    await t.writer.flush();
    expect((await t.call('GET', `/api/request-logs/${b.unique_id}/`, { key })).status).toBe(200);
  });

  test('batch: bad items reported per index, good ones stored', async () => {
    const logs = [seed001, { prompt_tokens: -5 }, seed003, 'nope'];
    const r = await t.call('POST', '/api/request-logs/batch/create', { key, body: { logs } });
    expect(r.status).toBe(200);
    const b = await json(r);
    expect(b.ingested_spans).toBe(2);
    expect(b.errors.map((e: { index: number }) => e.index)).toEqual([1, 3]);
    for (const id of b.unique_ids) expect((await t.call('GET', `/api/request-logs/${id}/`, { key })).status).toBe(200);
  });

  test('trace ingest endpoints take an array and answer with trace ids', async () => {
    for (const path of ['/api/v1/traces/ingest', '/api/traces/ingest/', '/api/integrations/v1/traces/ingest']) {
      const spans = [
        { trace_unique_id: `tr-${path}`, span_unique_id: 'a', span_name: 'root', log_type: 'workflow' },
        { trace_unique_id: `tr-${path}`, span_unique_id: 'b', span_parent_id: 'a', span_name: 'llm', ...seed001 },
      ];
      const b = await json(await t.call('POST', path, { key, body: spans }));
      expect(b).toMatchObject({ status: 'ok', ingested_spans: 2, created_traces: 1, trace_ids: [`tr-${path}`], errors: [] });
    }
  });

  test('patch: metadata merged, custom_identifier set, immutable field 400; delete 204', async () => {
    const { unique_id } = await json(await t.call('POST', '/api/request-logs/create/', { key, body: seed001 }));
    const p = await json(await t.call('PATCH', `/api/request-logs/${unique_id}/`, { key, body: { metadata: { b: 2 }, custom_identifier: 'c1' } }));
    expect(p.metadata).toEqual({ environment: 'production', b: 2 });
    expect(p.custom_identifier).toBe('c1');
    const bad = await t.call('PATCH', `/api/request-logs/${unique_id}/`, { key, body: { cost: 1 } });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toEqual({ error: 'Cannot update immutable field', detail: "The field 'cost' cannot be modified" });
    const bu = await json(
      await t.call('PATCH', '/api/request-logs/batch-update/', {
        key,
        body: { logs: [{ unique_id, note: 'n', positive_feedback: true }, { unique_id: 'missing' }] },
      }),
    );
    expect(bu).toEqual({ updated: [unique_id], not_found: ['missing'] });
    const got = await json(await t.call('GET', `/api/request-logs/${unique_id}/`, { key }));
    expect(got).toMatchObject({ note: 'n', positive_feedback: true });
    expect((await t.call('DELETE', `/api/request-logs/${unique_id}/`, { key })).status).toBe(204);
    expect((await t.call('GET', `/api/request-logs/${unique_id}/`, { key })).status).toBe(404);
  });

  test('another organization cannot read the span', async () => {
    const { unique_id } = await json(await t.call('POST', '/api/request-logs/create/', { key, body: seed001 }));
    const other = await t.key('other');
    expect((await t.call('GET', `/api/request-logs/${unique_id}/`, { key: other })).status).toBe(404);
  });
});

/** A JSON text nested `depth` levels: objects, or arrays. */
const nested = (depth: number, open = '{"a":', close = '}') => `${open.repeat(depth)}1${close.repeat(depth)}`;

describe('hostile input (issue 17, defects 2 and 3): a 4xx naming the field or a stored span, never a 500', () => {
  const raw = (path: string, text: string) => t.call('POST', path, { key, raw: text, headers: { 'content-type': 'application/json' } });

  test('deep bodies in both layouts are stored, cut at 128 levels with the cut named', async () => {
    const layouts = (depth: number) => [
      `{"model":"gpt-4o","prompt_messages":[{"role":"user","content":${nested(depth)}}],"completion_message":${nested(depth, '[', ']')},"metadata":{"m":${nested(depth)}},"unknown_field":${nested(depth)}}`,
      `{"log_type":"chat","model":"gpt-4o","input":${nested(depth)},"output":${nested(depth, '[', ']')},"customer_params":{"customer_identifier":"c1","metadata":${nested(depth)}}}`,
    ];
    // Within the body layer's limit (body_max_depth, 128 for the whole body) a body is stored whole; past it, a 400.
    for (const body of layouts(100)) {
      const r = await raw('/api/request-logs/create/', body);
      expect(r.status).toBe(201);
      expect((await json(await t.call('GET', `/api/request-logs/${(await json(r)).unique_id}/`, { key }))).truncated_fields).toBeUndefined();
    }
    for (const body of layouts(10_000)) {
      const r = await raw('/api/request-logs/create/', body);
      expect(r.status).toBe(400);
      expect((await json(r)).detail).toContain('body_max_depth');
    }
    // With the layer's limit raised, the service cuts each field at 128 levels and names the cut.
    const deep = await makeTestApp({ body_max_depth: 10_000 });
    try {
      const k = await deep.key('acme');
      const post = (text: string) => deep.call('POST', '/api/request-logs/create/', { key: k, raw: text, headers: { 'content-type': 'application/json' } });
      for (const body of layouts(9_000)) {
        const r = await post(body);
        expect(r.status).toBe(201);
        const got = await json(await deep.call('GET', `/api/request-logs/${(await json(r)).unique_id}/`, { key: k }));
        expect(got.truncated_fields.length).toBeGreaterThan(0);
      }
      const cut = await json(await post(`{"model":"m","metadata":{"m":${nested(9_000)}}}`));
      const stored = await json(await deep.call('GET', `/api/request-logs/${cut.unique_id}/`, { key: k }));
      expect(stored.truncated_fields).toEqual(['metadata']);
      expect(JSON.stringify(stored.metadata)).toContain('[cut: nested deeper than 128 levels]');
    } finally {
      await deep.close();
    }
  });

  test('times, durations, costs, token counts and identifiers out of range are 422s naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ timestamp: 1e308 }, 'timestamp'],
      [{ start_time: -1 }, 'start_time'],
      [{ timestamp: '10000-01-01T00:00:00Z' }, 'timestamp'],
      [{ latency: 1e308 }, 'latency'],
      [{ generation_time: 1e10 }, 'generation_time'],
      [{ timestamp: '1970-01-01T00:00:01Z', latency: 100 }, 'latency'],
      [{ cost: 1e308 }, 'cost'],
      [{ prompt_tokens: 2 ** 63 }, 'prompt_tokens'],
      [{ usage: { completion_tokens: 1e300 } }, 'usage.completion_tokens'],
      [{ status_code: 1e6 }, 'status_code'],
      [{ prompt_version: 2 ** 40 }, 'prompt_version'],
      [{ trace_unique_id: 'x'.repeat(100_000) }, 'trace_unique_id'],
      [{ model: 'm'.repeat(1000) }, 'model'],
    ];
    for (const [body, field] of cases) {
      const r = await t.call('POST', '/api/request-logs/create/', { key, body: { model: 'gpt-4o', ...body } });
      expect([r.status, Object.keys((await json(r)).errors ?? {})]).toEqual([422, [field]]);
    }
  });

  test('a NUL in an identifier or a metadata key is stored on every backend', async () => {
    const r = await t.call('POST', '/api/request-logs/create/', {
      key,
      body: { model: 'gpt-4o', trace_unique_id: 'a\u0000b', customer_identifier: 'c\u0000', metadata: { 'k\u0000': 'v\u0000' } },
    });
    expect(r.status).toBe(201);
    const list = await t.call('POST', '/api/request-logs/list/', { key, body: { filters: { customer_identifier: { operator: 'icontains', value: ['c\u0000'] } } } });
    expect(list.status).toBe(200);
  });

  test('one mutated item in a batch or a trace array is reported by index; the rest are stored', async () => {
    const mutations: unknown[] = [null, 7, 'x', [], { timestamp: 1e308 }, { latency: -1 }, { usage: 'many' }, { metadata: [1] }, { span_name: 'n'.repeat(300) }];
    for (const bad of mutations) {
      const item = typeof bad === 'object' && bad !== null && !Array.isArray(bad) ? { ...seed001, ...bad } : bad;
      for (const [path, body] of [
        ['/api/request-logs/batch/create/', { logs: [seed001, item, seed003] }],
        ['/api/v1/traces/ingest', [{ trace_unique_id: 'tr', span_unique_id: 'a', ...seed001 }, item]],
      ] as const) {
        const r = await t.call('POST', path, { key, body });
        expect(r.status).toBe(200);
        const b = await json(r);
        expect(b.errors.map((e: { index: number }) => e.index)).toEqual([1]);
        expect(b.ingested_spans).toBe(path.includes('batch') ? 2 : 1);
      }
    }
  });
});
