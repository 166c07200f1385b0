/**
 * The linker around the real span writer and SQLite store, in memory (one
 * connection) and on file (the write thread commits, reader threads read):
 * one export, the child first, the parent first.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceLinker } from '../../../src/modules/traces/linker.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { SpanRecord, Store } from '../../../src/store/types.ts';
import { SpanWriter } from '../../../src/store/writer.ts';
import { span } from '../../helpers/spans.ts';

let dir: string;
let store: Store;
let writer: SpanWriter;
let linker: TraceLinker;
const scope = { orgId: 'org_test', environments: ['prod' as const] };

const modes = [
  { name: 'in memory', open: () => openSqliteStore({ path: ':memory:' }) },
  { name: 'file, store threads', open: () => openSqliteStore({ path: join(dir, 'spans.db') }) },
];

/** What the log service does with each request's spans. */
async function ingest(batch: SpanRecord[]): Promise<void> {
  linker.prepare(batch);
  await writer.write(batch);
  await linker.settle(batch);
}

/** The reference SDK's export of workflow > task > LLM call (workflow and task without parents). */
function sdkTrace(trace: string) {
  return {
    workflow: span({ trace_unique_id: trace, span_unique_id: `${trace}-w`, log_type: 'workflow', span_workflow_name: 'wf', span_path: 'wf', span_entity_name: 'wf' }),
    task: span({ trace_unique_id: trace, span_unique_id: `${trace}-t`, log_type: 'task', span_path: 'wf', span_entity_name: 'step' }),
    llm: span({ trace_unique_id: trace, span_unique_id: `${trace}-l`, span_parent_id: `${trace}-t`, span_path: 'wf.step' }),
  };
}

async function stored(trace: string): Promise<Record<string, [string | null, string | null]>> {
  const spans = await store.spans.traceSpans(scope, trace);
  return Object.fromEntries(spans.map((s) => [s.span_unique_id, [s.span_parent_id, s.span_workflow_name]]));
}

describe.each(modes)('trace linker ($name)', ({ open }) => {
  // One store per mode (its threads take a while to start); each test has traces of its own.
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-linker-'));
    store = open();
    writer = new SpanWriter(store.spans, { maxQueue: 1000, batchSize: 100, onError: () => {} });
    linker = new TraceLinker(store.spans);
  });
  afterAll(async () => {
    await writer.flush();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The SDK trace `tr` stored whole: span id -> [parent, workflow name]. */
  const whole = (tr: string): Record<string, [string | null, string | null]> => ({
    [`${tr}-w`]: [null, 'wf'],
    [`${tr}-t`]: [`${tr}-w`, 'wf'],
    [`${tr}-l`]: [`${tr}-t`, 'wf'],
  });

  test('one export: stored linked', async () => {
    const { workflow, task, llm } = sdkTrace('one');
    await ingest([llm, task, workflow]);
    expect(await stored('one')).toEqual(whole('one'));
  });

  test('the children first, the workflow in a later export: the task is re-attached', async () => {
    const { workflow, task, llm } = sdkTrace('cf');
    await ingest([llm, task]);
    expect((await stored('cf'))['cf-t']).toEqual([null, 'wf']);
    await ingest([workflow]);
    expect(await stored('cf')).toEqual(whole('cf'));
  });

  test('the workflow first, each child in an export of its own', async () => {
    const { workflow, task, llm } = sdkTrace('pf');
    await ingest([workflow]);
    await ingest([llm]);
    await ingest([task]);
    expect(await stored('pf')).toEqual(whole('pf'));
  });

  test('exports of one trace written together, settled in either order', async () => {
    const { workflow, task, llm } = sdkTrace('tg');
    const first = [llm, task];
    const second = [workflow];
    linker.prepare(first);
    linker.prepare(second);
    await Promise.all([writer.write(first), writer.write(second)]);
    await linker.settle(second);
    await linker.settle(first);
    expect(await stored('tg')).toEqual(whole('tg'));
  });

  test('a plain child stored before its named parent inherits the workflow name when the parent arrives', async () => {
    const root = span({ trace_unique_id: 'p', span_unique_id: 'p-root', log_type: 'workflow', span_workflow_name: 'billing' });
    const child = span({ trace_unique_id: 'p', span_unique_id: 'p-child', span_parent_id: 'p-root' });
    await ingest([child]);
    expect((await stored('p'))['p-child']).toEqual(['p-root', null]);
    await ingest([root]);
    expect((await stored('p'))['p-child']).toEqual(['p-root', 'billing']);
  });

  test('fills never replace a stored value', async () => {
    const s = span({ trace_unique_id: 'f', span_unique_id: 'f-1', span_parent_id: 'kept', span_workflow_name: 'kept' });
    await writer.write([s]);
    await store.spans.fillLinks('org_test', [{ unique_id: s.unique_id, span_parent_id: 'other', span_workflow_name: 'other' }]);
    expect((await stored('f'))['f-1']).toEqual(['kept', 'kept']);
  });

  test('spans of another organization are neither read nor filled', async () => {
    const { workflow, task } = sdkTrace('org');
    await ingest([{ ...task, org_id: 'org_other' }]);
    await ingest([workflow]);
    const other = await store.spans.traceSpans({ orgId: 'org_other', environments: ['prod'] }, 'org');
    expect(other.map((s) => s.span_parent_id)).toEqual([null]);
  });
});

describe('trace linker: when the store is not needed', () => {
  test('plain spans whose parents came with them are not looked up', async () => {
    let reads = 0;
    const counting = new TraceLinker({
      traceLinks: async () => {
        reads++;
        return [];
      },
      fillLinks: async () => {},
    });
    const root = span({ trace_unique_id: 'x', span_unique_id: 'x-1' });
    const child = span({ trace_unique_id: 'x', span_unique_id: 'x-2', span_parent_id: 'x-1' });
    await counting.settle([root, child]);
    await counting.settle([span()]);
    expect(reads).toBe(0);
    await counting.settle([span({ trace_unique_id: 'x', span_unique_id: 'x-3', span_parent_id: 'x-1' })]);
    expect(reads).toBe(1);
  });
});
