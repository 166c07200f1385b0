/** The OTLP attribute table: one test per row, and its names checked against the packages that publish them. */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYWORDSAI_SPAN_ATTRIBUTES_MAP } from '@keywordsai/keywordsai-sdk';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { SpanAttributes } from '@traceloop/ai-semantic-conventions';
import { type AttributeRule, mapAttributes, OTLP_ATTRIBUTES } from '../../../src/modules/logs/otlp-attributes.ts';
import { isObj, type Obj } from '../../../src/modules/logs/fields.ts';
import { otlpSpanToBody } from '../../../src/modules/logs/otlp-map.ts';

const rowName = (r: AttributeRule) => `${r.attribute} -> ${r.field}`;

/** Per row: attributes of a span, and what the row's field must then hold. */
const EXAMPLES: Record<string, { attrs: Obj; expected: unknown }> = {
  'gen_ai.response.model -> model': { attrs: { 'gen_ai.response.model': 'gpt-4o-2024-08-06' }, expected: 'gpt-4o-2024-08-06' },
  'gen_ai.request.model -> model': { attrs: { 'gen_ai.request.model': 'gpt-4o' }, expected: 'gpt-4o' },
  'gen_ai.request.model -> request_model': { attrs: { 'gen_ai.request.model': 'gpt-4o' }, expected: 'gpt-4o' },
  'gen_ai.provider.name -> provider_id': { attrs: { 'gen_ai.provider.name': 'anthropic' }, expected: 'anthropic' },
  'gen_ai.system -> provider_id': { attrs: { 'gen_ai.system': 'OpenAI' }, expected: 'openai' },
  'traceloop.span.kind -> log_type': { attrs: { 'traceloop.span.kind': 'task' }, expected: 'task' },
  'gen_ai.operation.name -> log_type': { attrs: { 'gen_ai.operation.name': 'embeddings' }, expected: 'embedding' },
  'llm.request.type -> log_type': { attrs: { 'llm.request.type': 'completion' }, expected: 'completion' },
  'traceloop.workflow.name -> span_workflow_name': { attrs: { 'traceloop.workflow.name': 'kt_workflow' }, expected: 'kt_workflow' },
  'gen_ai.workflow.name -> span_workflow_name': { attrs: { 'gen_ai.workflow.name': 'support' }, expected: 'support' },
  'traceloop.entity.path -> span_path': { attrs: { 'traceloop.entity.path': 'kt_workflow.kt_task' }, expected: 'kt_workflow.kt_task' },
  'traceloop.entity.name -> span_entity_name': { attrs: { 'traceloop.entity.name': 'kt_task' }, expected: 'kt_task' },
  'gen_ai.input.messages -> input': {
    attrs: { 'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]' },
    expected: [{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }],
  },
  'traceloop.entity.input -> input': {
    attrs: { 'traceloop.entity.input': '{"args":[],"kwargs":{"q":"weather"}}' },
    expected: { args: [], kwargs: { q: 'weather' } },
  },
  'gen_ai.prompt.* -> input': {
    attrs: {
      'gen_ai.prompt.1.role': 'user',
      'gen_ai.prompt.1.content': 'Hi',
      'gen_ai.prompt.0.role': 'system',
      'gen_ai.prompt.0.content': 'Be brief',
    },
    expected: [
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: 'Hi' },
    ],
  },
  'gen_ai.tool.call.arguments -> input': { attrs: { 'gen_ai.tool.call.arguments': '{"city":"Paris"}' }, expected: { city: 'Paris' } },
  'gen_ai.output.messages -> output': {
    attrs: { 'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"Hello"}]}]' },
    expected: [{ role: 'assistant', parts: [{ type: 'text', content: 'Hello' }] }],
  },
  'traceloop.entity.output -> output': { attrs: { 'traceloop.entity.output': '"hi"' }, expected: 'hi' },
  'gen_ai.completion.* -> output': {
    attrs: { 'gen_ai.completion.0.role': 'assistant', 'gen_ai.completion.0.content': 'Sunny.', 'gen_ai.completion.0.finish_reason': 'stop' },
    expected: { role: 'assistant', content: 'Sunny.', finish_reason: 'stop' },
  },
  'gen_ai.tool.call.result -> output': { attrs: { 'gen_ai.tool.call.result': '{"temp":21}' }, expected: { temp: 21 } },
  'gen_ai.usage.input_tokens -> usage.prompt_tokens': { attrs: { 'gen_ai.usage.input_tokens': 100 }, expected: 100 },
  'gen_ai.usage.prompt_tokens -> usage.prompt_tokens': { attrs: { 'gen_ai.usage.prompt_tokens': '12' }, expected: 12 },
  'gen_ai.usage.output_tokens -> usage.completion_tokens': { attrs: { 'gen_ai.usage.output_tokens': 50 }, expected: 50 },
  'gen_ai.usage.completion_tokens -> usage.completion_tokens': { attrs: { 'gen_ai.usage.completion_tokens': 7 }, expected: 7 },
  'gen_ai.usage.cache_read.input_tokens -> usage.prompt_tokens_details.cached_tokens': {
    attrs: { 'gen_ai.usage.cache_read.input_tokens': 40 },
    expected: 40,
  },
  'gen_ai.usage.cache_read_input_tokens -> usage.prompt_tokens_details.cached_tokens': {
    attrs: { 'gen_ai.usage.cache_read_input_tokens': 30 },
    expected: 30,
  },
  'gen_ai.usage.cache_creation.input_tokens -> usage.cache_creation_prompt_tokens': {
    attrs: { 'gen_ai.usage.cache_creation.input_tokens': 20 },
    expected: 20,
  },
  'gen_ai.usage.cache_creation_input_tokens -> usage.cache_creation_prompt_tokens': {
    attrs: { 'gen_ai.usage.cache_creation_input_tokens': 10 },
    expected: 10,
  },
  'gen_ai.usage.reasoning.output_tokens -> usage.completion_tokens_details.reasoning_tokens': {
    attrs: { 'gen_ai.usage.reasoning.output_tokens': 64 },
    expected: 64,
  },
  'gen_ai.usage.reasoning_tokens -> usage.completion_tokens_details.reasoning_tokens': {
    attrs: { 'gen_ai.usage.reasoning_tokens': 32 },
    expected: 32,
  },
  'gen_ai.request.stream -> stream': { attrs: { 'gen_ai.request.stream': true }, expected: true },
  'gen_ai.response.time_to_first_chunk -> time_to_first_token': { attrs: { 'gen_ai.response.time_to_first_chunk': 0.25 }, expected: 0.25 },
  'keywordsai.customer_params.customer_identifier -> customer_identifier': {
    attrs: { 'keywordsai.customer_params.customer_identifier': 'cust_1' },
    expected: 'cust_1',
  },
  'keywordsai.customer_params.customer_identifier -> customer_params.customer_identifier': {
    attrs: { 'keywordsai.customer_params.customer_identifier': 'cust_1' },
    expected: 'cust_1',
  },
  'keywordsai.customer_params.email -> customer_params.email': {
    attrs: { 'keywordsai.customer_params.email': 'ada@example.com' },
    expected: 'ada@example.com',
  },
  'keywordsai.customer_params.name -> customer_params.name': { attrs: { 'keywordsai.customer_params.name': 'Ada' }, expected: 'Ada' },
  // The SDK's identifiers may be numbers; they are stored as text.
  'keywordsai.threads.thread_identifier -> thread_identifier': { attrs: { 'keywordsai.threads.thread_identifier': 42 }, expected: '42' },
  'keywordsai.span_params.custom_identifier -> custom_identifier': {
    attrs: { 'keywordsai.span_params.custom_identifier': 'ticket_7' },
    expected: 'ticket_7',
  },
  'keywordsai.trace.trace_group_identifier -> trace_group_identifier': {
    attrs: { 'keywordsai.trace.trace_group_identifier': 'nightly' },
    expected: 'nightly',
  },
  'keywordsai.evaluation_params.evaluation_identifier -> evaluation_identifier': {
    attrs: { 'keywordsai.evaluation_params.evaluation_identifier': 'eval_3' },
    expected: 'eval_3',
  },
  // withKeywordsAISpanAttributes JSON-encodes each value; updateCurrentSpan sets them as they are.
  'keywordsai.metadata.* -> metadata': {
    attrs: {
      'keywordsai.metadata.tier': '"gold"',
      'keywordsai.metadata.flags': '{"beta":true}',
      'keywordsai.metadata.n': 3,
      'keywordsai.metadata.note': 'plain text',
    },
    expected: { tier: 'gold', flags: { beta: true }, n: 3, note: 'plain text' },
  },
  'traceloop.association.properties.customer_identifier -> customer_identifier': {
    attrs: { 'traceloop.association.properties.customer_identifier': 'cust_9' },
    expected: 'cust_9',
  },
  'traceloop.association.properties.thread_identifier -> thread_identifier': {
    attrs: { 'traceloop.association.properties.thread_identifier': 'th_9' },
    expected: 'th_9',
  },
  'gen_ai.conversation.id -> thread_identifier': { attrs: { 'gen_ai.conversation.id': 'conv_1' }, expected: 'conv_1' },
  'traceloop.association.properties.* -> metadata': {
    attrs: { 'traceloop.association.properties.tier': 'gold', 'traceloop.association.properties.customer_identifier': 'cust_9' },
    expected: { tier: 'gold' },
  },
};

function fieldOf(body: Obj, field: string): unknown {
  let at: unknown = body;
  for (const p of field.split('.')) at = isObj(at) ? at[p] : undefined;
  return at;
}

describe('OTLP attribute table: one test per row', () => {
  for (const rule of OTLP_ATTRIBUTES) {
    test(rowName(rule), () => {
      const example = EXAMPLES[rowName(rule)];
      expect(example, `no example for the row ${rowName(rule)}`).toBeDefined();
      if (!example) return;
      expect(fieldOf(mapAttributes(example.attrs), rule.field)).toEqual(example.expected);
    });
  }

  test('every example belongs to a row', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(OTLP_ATTRIBUTES.map(rowName).sort());
  });
});

describe('OTLP attribute table: precedence and shape', () => {
  test('the response model wins over the request model; absent or empty values fall through', () => {
    expect(mapAttributes({ 'gen_ai.response.model': 'echo', 'gen_ai.request.model': 'mock/echo' })).toMatchObject({
      model: 'echo',
      request_model: 'mock/echo',
    });
    expect(mapAttributes({ 'gen_ai.response.model': '', 'gen_ai.request.model': 'gpt-4o' }).model).toBe('gpt-4o');
  });

  test("the SDK's own metadata wins per key over association properties, which fill the rest", () => {
    const body = mapAttributes({
      'keywordsai.metadata.tier': '"gold"',
      'traceloop.association.properties.tier': 'silver',
      'traceloop.association.properties.region': 'eu',
    });
    expect(body.metadata).toEqual({ tier: 'gold', region: 'eu' });
  });

  test("the SDK's thread identifier wins over an association property and the conversation id", () => {
    const body = mapAttributes({
      'gen_ai.conversation.id': 'conv',
      'traceloop.association.properties.thread_identifier': 'assoc',
      'keywordsai.threads.thread_identifier': 'own',
    });
    expect(body.thread_identifier).toBe('own');
  });

  test('a span kind that is no log type falls through to the operation', () => {
    expect(mapAttributes({ 'traceloop.span.kind': 'banana', 'gen_ai.operation.name': 'chat' }).log_type).toBe('chat');
  });

  test('negative or fractional token counts are not counts', () => {
    expect(mapAttributes({ 'gen_ai.usage.input_tokens': -1, 'gen_ai.usage.output_tokens': 1.5 })).toEqual({});
  });
});

describe('OTLP span -> ingest body around the table', () => {
  const span = (attrs: Obj) => ({
    traceId: 'ab'.repeat(16),
    spanId: 'cd'.repeat(8),
    name: 'x',
    attributes: Object.entries(attrs).map(([key, v]) => ({
      key,
      value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: String(v) },
    })),
  });

  test('log_type defaults to chat for a model call and custom otherwise', () => {
    expect(otlpSpanToBody(span({ 'gen_ai.request.model': 'gpt-4o' }), {}, {}).log_type).toBe('chat');
    expect(otlpSpanToBody(span({}), {}, {}).log_type).toBe('custom');
  });

  test('the request model is kept only when the response named another', () => {
    expect(otlpSpanToBody(span({ 'gen_ai.request.model': 'gpt-4o' }), {}, {}).request_model).toBeUndefined();
    const body = otlpSpanToBody(span({ 'gen_ai.request.model': 'mock/echo', 'gen_ai.response.model': 'echo' }), {}, {});
    expect([body.model, body.request_model]).toEqual(['echo', 'mock/echo']);
  });

  test("customer params take the span's customer, and are dropped without one", () => {
    const withId = otlpSpanToBody(
      span({ 'keywordsai.customer_params.name': 'Ada', 'traceloop.association.properties.customer_identifier': 'c1' }),
      {},
      {},
    );
    expect(withId.customer_params).toEqual({ name: 'Ada', customer_identifier: 'c1' });
    expect(otlpSpanToBody(span({ 'keywordsai.customer_params.name': 'Ada' }), {}, {}).customer_params).toBeUndefined();
  });
});

/** Every name each source publishes. */
const PUBLISHED: Record<AttributeRule['source'], ReadonlySet<string>> = (() => {
  const strings = (o: object) => Object.values(o).filter((v): v is string => typeof v === 'string');
  const genai = new Set(strings(semconv).filter((v) => v.startsWith('gen_ai.')));
  return {
    keywordsai: new Set(strings(KEYWORDSAI_SPAN_ATTRIBUTES_MAP)),
    // Traceloop's newest conventions dropped the gen_ai.* names OpenTelemetry adopted (gen_ai.prompt, ...).
    traceloop: new Set([...strings(SpanAttributes), ...genai]),
    genai,
  };
})();

describe('OTLP attribute table: the names are the published ones', () => {
  const prefixes = OTLP_ATTRIBUTES.filter((r) => r.attribute.endsWith('.*')).map((r) => r.attribute.slice(0, -2));

  test.each(OTLP_ATTRIBUTES.map((r) => [rowName(r), r] as const))('%s', (_name, rule) => {
    const published = PUBLISHED[rule.source];
    const name = rule.attribute.endsWith('.*') ? rule.attribute.slice(0, -2) : rule.attribute;
    const underPrefixRow = prefixes.some((p) => name.startsWith(`${p}.`) && published.has(p));
    expect(published.has(name) || underPrefixRow, `${name} is not published by ${rule.source}`).toBe(true);
  });

  test("every attribute the reference's SDK can set has a row", () => {
    const read = new Set(OTLP_ATTRIBUTES.map((r) => r.attribute));
    for (const [param, attribute] of Object.entries(KEYWORDSAI_SPAN_ATTRIBUTES_MAP)) {
      // `metadata` is a prefix: the SDK sets keywordsai.metadata.<key>.
      expect(read.has(param === 'metadata' ? `${attribute}.*` : attribute), attribute).toBe(true);
    }
  });

  test('docs/logs.md lists every row', () => {
    const doc = readFileSync(join(import.meta.dir, '../../../docs/logs.md'), 'utf8');
    expect(OTLP_ATTRIBUTES.filter((r) => !doc.includes(`\`${r.attribute}\``)).map((r) => r.attribute)).toEqual([]);
  });
});
