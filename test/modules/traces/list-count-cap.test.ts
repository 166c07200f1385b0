import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { SpanRecord } from '../../../src/store/types.ts';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';
import { span } from '../../helpers/spans.ts';

// More traces than the store counts exactly (10,000), so a page sorted by time or cost walks
// that field's index; costs repeat (50 values), so ties are broken by trace id on every backend.
const N = 12_000;
const T0 = Date.parse('2026-06-15T10:00:00Z');
let t: TestApp;
let key: string;
interface Trace {
  id: string;
  cost: number;
  start: number;
  input: string;
}
let traces: Trace[];

beforeAll(async () => {
  t = await makeTestApp();
  key = await t.key('acme');
  const org = (await t.store.orgs.getByName('acme'))?.id ?? '';
  traces = Array.from({ length: N }, (_, i) => ({
    // Ids in no relation to insertion order or cost.
    id: `tr-${((i * 7919) % N).toString(36).padStart(4, '0')}`,
    cost: (i % 50) / 100,
    start: T0 + ((i * 3301) % N) * 100,
    input: `root of ${i}`,
  }));
  const spans: SpanRecord[] = traces.flatMap((x) => [
    // A root that costs nothing and a child that costs the trace's cost: the trace's total is exact.
    span({ org_id: org, trace_unique_id: x.id, span_unique_id: `${x.id}-r`, cost: 0, timestamp: x.start + 50, start_time: x.start, input: x.input }),
    span({ org_id: org, trace_unique_id: x.id, span_unique_id: `${x.id}-c`, span_parent_id: `${x.id}-r`, cost: x.cost, timestamp: x.start + 40, start_time: x.start + 10 }),
  ]);
  for (let i = 0; i < spans.length; i += 4000) await t.store.spans.insertBatch(spans.slice(i, i + 4000));
});
afterAll(() => t.close());

const URL0 = '/api/traces/list/?start_time=2026-06-15T00:00:00Z';
const list = async (qs: string, filters?: unknown) => json(await t.call('POST', `${URL0}&${qs}`, { key, body: filters ? { filters } : {} }));
const ids = (r: { results: { trace_unique_id: string }[] }) => r.results.map((x) => x.trace_unique_id);

function expected(sel: (x: Trace) => boolean, k: (x: Trace) => number, desc: boolean): string[] {
  const s = traces.filter(sel);
  s.sort((a, b) => (k(a) - k(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) * (desc ? -1 : 1));
  return s.map((x) => x.id);
}

describe('trace list beyond the exact-count cap', () => {
  test('sorted by -total_cost: a lower-bound count, the independent order, ties by trace id, the root read for the page', async () => {
    const r = await list('page_size=100&sort_by=-total_cost');
    expect(r.count_exact).toBe(false);
    expect(r.count).toBeGreaterThan(10_000);
    expect(r.next).toContain('page=2');
    expect(ids(r)).toEqual(expected(() => true, (x) => x.cost, true).slice(0, 100));
    const byId = new Map(traces.map((x) => [x.id, x]));
    for (const row of r.results as { trace_unique_id: string; input: string; total_cost: number; span_count: number }[]) {
      expect(row.input).toBe(byId.get(row.trace_unique_id)?.input ?? '');
      expect(row.total_cost).toBeCloseTo(byId.get(row.trace_unique_id)?.cost ?? -1, 10);
      expect(row.span_count).toBe(2);
    }
  });

  test('middle pages by cost and by start time, both directions', async () => {
    const cases: [string, (x: Trace) => number][] = [
      ['total_cost', (x) => x.cost],
      ['start_time', (x) => x.start],
    ];
    for (const [field, k] of cases) {
      for (const desc of [true, false]) {
        const r = await list(`page_size=50&page=37&sort_by=${desc ? '-' : ''}${field}`);
        expect(ids(r)).toEqual(expected(() => true, k, desc).slice(1800, 1850));
      }
    }
  });

  test('under the cap (a cost filter) the count is exact and the order the same', async () => {
    const filters = { total_cost: { operator: 'gte', value: [0.45] } };
    const r = await list('page_size=20&page=3&sort_by=-total_cost', filters);
    const want = expected((x) => x.cost >= 0.45, (x) => x.cost, true);
    expect(r.count).toBe(want.length);
    expect(r.count_exact).toBeUndefined();
    expect(ids(r)).toEqual(want.slice(40, 60));
  });

  test('the last page by cost, and a page past it', async () => {
    const last = await list(`page_size=100&page=${N / 100}&sort_by=-total_cost`);
    expect(ids(last)).toEqual(expected(() => true, (x) => x.cost, true).slice(N - 100));
    expect(last.count).toBe(N);
    const beyond = await list(`page_size=100&page=${N / 100 + 5}&sort_by=-total_cost`);
    expect(beyond.results).toEqual([]);
    expect(beyond.count).toBe(10_001);
  });
});
