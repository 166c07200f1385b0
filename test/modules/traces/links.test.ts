/** The rules that give a span its parent and workflow name when its exporter did not (pure). */
import { describe, expect, test } from 'bun:test';
import { childPath, linkTrace } from '../../../src/modules/traces/links.ts';
import type { SpanLink } from '../../../src/store/types.ts';

function link(id: string, over: Partial<SpanLink> = {}): SpanLink {
  return {
    unique_id: `log_${id}`,
    span_unique_id: id,
    span_parent_id: null,
    log_type: 'task',
    start_time: 1000,
    timestamp: 2000,
    span_workflow_name: null,
    span_path: null,
    span_entity_name: null,
    ...over,
  };
}

/** The reference SDK's workflow > task > LLM call, as it exports them (no parent on workflow and task). */
const workflow = link('w', { log_type: 'workflow', span_entity_name: 'kt_workflow', span_path: 'kt_workflow', span_workflow_name: 'kt_workflow', start_time: 0, timestamp: 3000 });
const task = link('t', { span_entity_name: 'kt_task', span_path: 'kt_workflow', start_time: 100, timestamp: 2900 });
const llm = link('l', { log_type: 'chat', span_parent_id: 't', span_path: 'kt_workflow.kt_task', start_time: 200, timestamp: 2800 });

describe('childPath', () => {
  test("a workflow or agent opens a path with its own name; a task or tool extends its own", () => {
    expect(childPath(workflow)).toBe('kt_workflow');
    expect(childPath(task)).toBe('kt_workflow.kt_task');
    expect(childPath(link('a', { log_type: 'agent', span_entity_name: 'helper', span_path: 'x.y' }))).toBe('helper');
    expect(childPath(link('top', { span_entity_name: 'solo' }))).toBe('solo');
    expect(childPath(llm)).toBeNull();
  });
});

describe('linkTrace', () => {
  test('the task goes under the workflow its path names; every span gets the workflow name', () => {
    const fills = linkTrace([workflow, task, llm]);
    expect(fills).toEqual([
      { unique_id: 'log_t', span_parent_id: 'w', span_workflow_name: 'kt_workflow' },
      { unique_id: 'log_l', span_workflow_name: 'kt_workflow' },
    ]);
  });

  test("a workflow's path is its own name: it is never its own parent, nor under a task named like it", () => {
    const sameName = link('t2', { span_entity_name: 'kt_workflow', span_path: 'kt_workflow', start_time: 100, timestamp: 200 });
    const fills = linkTrace([workflow, sameName]);
    expect(fills).toEqual([{ unique_id: 'log_t2', span_parent_id: 'w', span_workflow_name: 'kt_workflow' }]);
  });

  test('a span that has a parent keeps it, even when its path names another span', () => {
    const other = link('o', { span_parent_id: 'elsewhere', span_path: 'kt_workflow' });
    expect(linkTrace([workflow, other])).toEqual([{ unique_id: 'log_o', span_workflow_name: 'kt_workflow' }]);
  });

  test('a path naming no span of the trace leaves the span a root, with the workflow from its path', () => {
    expect(linkTrace([task])).toEqual([{ unique_id: 'log_t', span_workflow_name: 'kt_workflow' }]);
  });

  test('of a task run twice, a child goes under the run that encloses it', () => {
    const run1 = link('r1', { span_entity_name: 'step', span_path: 'wf', start_time: 100, timestamp: 200 });
    const run2 = link('r2', { span_entity_name: 'step', span_path: 'wf', start_time: 300, timestamp: 400 });
    const inner = link('i', { span_entity_name: 'sub', span_path: 'wf.step', start_time: 310, timestamp: 320 });
    const fill = linkTrace([run1, run2, inner]).find((f) => f.unique_id === 'log_i');
    expect(fill?.span_parent_id).toBe('r2');
  });

  test('a span without a path inherits the workflow name of its nearest named ancestor', () => {
    const root = link('root', { log_type: 'workflow', span_workflow_name: 'wf' });
    const mid = link('mid', { span_parent_id: 'root' });
    const leaf = link('leaf', { span_parent_id: 'mid', log_type: 'chat' });
    expect(linkTrace([leaf, mid, root])).toEqual([
      { unique_id: 'log_leaf', span_workflow_name: 'wf' },
      { unique_id: 'log_mid', span_workflow_name: 'wf' },
    ]);
  });

  test('parents that form a loop neither hang nor name a workflow', () => {
    const a = link('a', { span_parent_id: 'b' });
    const b = link('b', { span_parent_id: 'a' });
    expect(linkTrace([a, b])).toEqual([]);
  });

  test('an entity parent that would close a loop is not taken', () => {
    // x is under y by its parent id; y's path names x: attaching y under x would make a loop.
    const x = link('x', { span_entity_name: 'x', span_parent_id: 'y' });
    const y = link('y', { span_entity_name: 'y', span_path: 'x' });
    expect(linkTrace([x, y]).filter((f) => f.span_parent_id)).toEqual([]);
  });

  test('nothing to fill: no fills', () => {
    const root = link('root', { log_type: 'workflow', span_workflow_name: 'wf' });
    const child = link('c', { span_parent_id: 'root', span_workflow_name: 'wf' });
    expect(linkTrace([root, child])).toEqual([]);
  });
});
