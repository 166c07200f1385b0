/**
 * The reference service's own tracing SDK (@keywordsai/tracing 1.0.44,
 * OTLP/protobuf to {baseURL}/api/v1/traces, Traceloop's OpenAI
 * instrumentation) against a running gateway with the mock provider. The SDK
 * runs unmodified in a process of its own (fixtures/keywordsai-sdk-client.ts),
 * its OpenAI calls going through the gateway's own /chat/completions.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { KEYWORDSAI_SPAN_ATTRIBUTES_MAP } from '@keywordsai/keywordsai-sdk';
import { MOCK_PRICES } from '../../../src/pricing/registry.ts';
import { json, type Json, makeTestApp, type TestApp } from '../../helpers/app.ts';
import { KEYWORDSAI_PARAMS as P } from './fixtures/keywordsai-params.ts';

const CLIENT = join(import.meta.dir, 'fixtures/keywordsai-sdk-client.ts');

let t: TestApp;
let key: string;
let client: Subprocess<'pipe', 'pipe', 'pipe'>;
let lines: AsyncGenerator<Json>;
/** The split trace as stored after the SDK's first export (the task and the call). */
let partial: Json;
let traces: { whole: string; split: string };

/** The client's `@@ ` lines, as JSON. */
async function* messages(stdout: ReadableStream<Uint8Array>): AsyncGenerator<Json> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of stdout) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith('@@ ')) yield JSON.parse(line.slice(3));
      nl = buffered.indexOf('\n');
    }
  }
}

async function next(step: string): Promise<Json> {
  const { value, done } = await lines.next();
  if (done || value.step !== step) {
    throw new Error(`SDK client: expected "${step}", got ${JSON.stringify(value)}; stderr: ${await new Response(client.stderr).text()}`);
  }
  return value;
}

const getTrace = async (id: string) => json(await t.call('GET', `/api/traces/${id}/`, { key }));

beforeAll(async () => {
  t = await makeTestApp();
  key = await t.key('acme');
  client = Bun.spawn([process.execPath, CLIENT], {
    // The SDK's NodeSDK would also set up OTLP log and metric exporters to their default endpoint.
    env: { ...process.env, SWITCHYARD_BASE: t.listen(), SWITCHYARD_KEY: key, OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  lines = messages(client.stdout);
  const children = await next('children exported');
  partial = await getTrace(children.trace);
  client.stdin.write('go\n');
  await client.stdin.flush();
  traces = await next('done');
  expect(await client.exited).toBe(0);
  // The SDK stamps spans with the real clock; list windows (the last hour) follow the app's.
  t.clock.now = Date.now();
}, 30_000);

afterAll(async () => {
  client?.kill();
  await t.close();
});

/** Name -> node of a span tree, with each node's children by name. */
function byName(nodes: Json[], into = new Map<string, Json>()): Map<string, Json> {
  for (const n of nodes) {
    into.set(n.span_name, n);
    byName(n.children, into);
  }
  return into;
}

describe('the reference SDK: workflow > task > OpenAI call in one export', () => {
  test('GET /api/traces/{id}/ shows workflow > task > LLM call, each span carrying the workflow name', async () => {
    const tr = await getTrace(traces.whole);
    expect(tr).toMatchObject({ span_count: 3, llm_call_count: 1, name: 'kt_workflow' });
    expect(tr.span_tree.map((n: Json) => n.span_name)).toEqual(['kt_workflow.workflow']);
    const [workflow] = tr.span_tree;
    expect(workflow.children.map((n: Json) => n.span_name)).toEqual(['kt_task.task']);
    const [task] = workflow.children;
    expect(task.children.map((n: Json) => n.span_name)).toEqual(['openai.chat']);
    const spans = [...byName(tr.span_tree).values()];
    expect(spans.map((s) => s.span_workflow_name)).toEqual(['kt_workflow', 'kt_workflow', 'kt_workflow']);
    expect(spans.map((s) => [s.log_type, s.span_entity_name, s.span_path])).toEqual([
      ['workflow', 'kt_workflow', 'kt_workflow'],
      ['task', 'kt_task', 'kt_workflow'],
      ['chat', null, 'kt_workflow.kt_task'],
    ]);
  });

  test('filtering logs by workflow finds every span of it', async () => {
    const r = await json(
      await t.call('POST', '/api/request-logs/list/', { key, body: { filters: { span_workflow_name: { operator: '', value: ['kt_workflow'] } } } }),
    );
    expect(r.count).toBe(3);
  });

  test('the LLM span has tokens and a cost, priced by the request model when the response names an unpriced one', async () => {
    const llm = byName((await getTrace(traces.whole)).span_tree).get('openai.chat');
    expect(llm).toMatchObject({ model: 'echo', request_model: 'mock/echo', pricing_model: 'mock/echo', provider_id: 'openai' });
    expect(llm.prompt_tokens).toBeGreaterThan(0);
    expect(llm.completion_tokens).toBeGreaterThan(0);
    const expected = (llm.prompt_tokens * MOCK_PRICES.input_cost! + llm.completion_tokens * MOCK_PRICES.output_cost!) / 1e6;
    expect(llm.cost).toBeCloseTo(expected, 12);
    expect(llm.cost).toBeGreaterThan(0);
    expect(llm.prompt_messages).toEqual([{ role: 'user', content: 'Hello from the SDK' }]);
  });
});

describe('the reference SDK: updateCurrentSpan and withKeywordsAISpanAttributes', () => {
  test('every keywordsai parameter lands on the task span', async () => {
    // Every parameter the SDK writes as an attribute, no more.
    expect(Object.keys(P).sort()).toEqual(Object.keys(KEYWORDSAI_SPAN_ATTRIBUTES_MAP).sort());
    const task = byName((await getTrace(traces.whole)).span_tree).get('kt_task.task');
    expect(task).toMatchObject({
      customer_identifier: P.customer_identifier,
      thread_identifier: P.thread_identifier,
      custom_identifier: P.custom_identifier,
      trace_group_identifier: P.trace_group_identifier,
      evaluation_identifier: P.evaluation_identifier,
      customer_params: { customer_identifier: P.customer_identifier, email: P.customer_email, name: P.customer_name },
      metadata: P.metadata,
    });
  });

  test('metadata set with withKeywordsAISpanAttributes is stored decoded', async () => {
    const workflow = byName((await getTrace(traces.whole)).span_tree).get('kt_workflow.workflow');
    expect(workflow.metadata).toEqual({ plan: 'gold', limits: { rpm: 60 } });
    const filtered = await json(await t.call('GET', '/api/request-logs/list/?plan=gold', { key }));
    expect(filtered.results.map((s: Json) => s.span_name)).toEqual(['kt_workflow.workflow']);
  });

  test('the thread appears in /api/log_threads/ and the custom identifier finds the span', async () => {
    const threads = await json(await t.call('POST', '/api/log_threads/', { key, body: {} }));
    expect(threads.results).toContainEqual(
      expect.objectContaining({ thread_identifier: P.thread_identifier, customer_identifier: P.customer_identifier, log_count: 1 }),
    );
    const found = await json(await t.call('GET', `/api/request-logs/list/?custom_identifier=${P.custom_identifier}`, { key }));
    expect(found.results.map((s: Json) => s.span_name)).toEqual(['kt_task.task']);
  });
});

describe('the reference SDK: one trace in two exports, the children first', () => {
  test('after the first export the task waits as a root, already carrying its workflow name', () => {
    expect(partial.span_count).toBe(2);
    expect(partial.span_tree.map((n: Json) => [n.span_name, n.span_parent_id, n.span_workflow_name])).toEqual([
      ['kt_split_task.task', null, 'kt_split'],
    ]);
  });

  test('once the workflow arrives, the task is re-attached under it', async () => {
    const tr = await getTrace(traces.split);
    expect(tr).toMatchObject({ span_count: 3, name: 'kt_split' });
    expect(tr.span_tree.map((n: Json) => n.span_name)).toEqual(['kt_split.workflow']);
    const [workflow] = tr.span_tree;
    expect(workflow.children.map((n: Json) => n.span_name)).toEqual(['kt_split_task.task']);
    expect(workflow.children[0].children.map((n: Json) => n.span_name)).toEqual(['openai.chat']);
    expect(workflow.children[0].span_parent_id).toBe(workflow.span_unique_id);
  });
});
