import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { SpanRecord } from '../../../src/store/types.ts';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';
import { span } from '../../helpers/spans.ts';

// More matches than the store counts exactly (10,000), so the list walks a sort index.
const N = 12_500;
const T0 = Date.parse('2026-06-15T10:00:00Z');
let t: TestApp;
let key: string;
let spans: SpanRecord[];

beforeAll(async () => {
  t = await makeTestApp();
  key = await t.key('acme');
  const org = await t.store.orgs.getByName('acme');
  spans = Array.from({ length: N }, (_, i) =>
    span({
      org_id: org?.id ?? '',
      model: i % 2 === 0 ? 'a' : 'b',
      // A permutation of 0..N-1: no ties, and no relation to insertion order.
      cost: ((i * 7919) % N) / 1000,
      latency: ((i * 104_729) % N) / 100,
      timestamp: T0 + ((i * 3301) % N) * 100,
      metadata: { tier: i % 3 === 0 ? 'pro' : 'free' },
    }),
  );
  await t.store.spans.insertBatch(spans);
});
afterAll(() => t.close());

const URL0 = '/api/request-logs/list/?start_time=2026-06-15T00:00:00Z';
const list = async (qs: string, filters?: unknown) =>
  json(await t.call('POST', `${URL0}&${qs}`, { key, body: filters ? { filters } : {} }));

/** Insertion order is id order. */
function expected(sel: (s: SpanRecord) => boolean, key: (s: SpanRecord) => number, desc: boolean): string[] {
  const idx = spans.map((s, i) => ({ s, i })).filter(({ s }) => sel(s));
  idx.sort((x, y) => (key(x.s) - key(y.s) || x.i - y.i) * (desc ? -1 : 1));
  return idx.map(({ s }) => s.unique_id);
}
const ids = (r: { results: { unique_id: string }[] }) => r.results.map((x) => x.unique_id);

describe('list beyond the exact-count cap', () => {
  test('under the cap the count is exact and carries no count_exact', async () => {
    const r = await list('page_size=10', { model: { operator: '', value: ['a'] }, metadata__tier: { operator: '', value: ['pro'] } });
    expect(r.count).toBe(spans.filter((s) => s.model === 'a' && s.metadata?.tier === 'pro').length);
    expect(r.count_exact).toBeUndefined();
    const past = await list('page_size=10&page=1000', { model: { operator: '', value: ['a'] } });
    expect(past.count).toBe(N / 2);
    expect(past.results).toEqual([]);
    expect(past.next).toBeNull();
    expect(past.previous).toContain(`page=${N / 2 / 10}`);
  });

  test('over the cap: count is a lower bound flagged count_exact=false, next still works', async () => {
    const r = await list('page_size=100&sort_by=-cost');
    expect(r.count_exact).toBe(false);
    expect(r.count).toBeGreaterThan(10_000);
    expect(r.count).toBeLessThanOrEqual(N);
    expect(r.next).toContain('page=2');
    expect(ids(r)).toEqual(expected(() => true, (s) => s.cost, true).slice(0, 100));
  });

  test('every indexed and unindexed sort gives the independent order on a middle page', async () => {
    const cases: [string, (s: SpanRecord) => number][] = [
      ['cost', (s) => s.cost],
      ['timestamp', (s) => s.timestamp],
      ['latency', (s) => s.latency ?? 0],
      ['id', (s) => spans.indexOf(s)],
    ];
    for (const [field, k] of cases) {
      for (const desc of [true, false]) {
        const r = await list(`page_size=50&page=7&sort_by=${desc ? '-' : ''}${field}`, { model: { operator: '', value: ['b'] } });
        expect(r.count).toBe(N / 2);
        expect(ids(r)).toEqual(expected((s) => s.model === 'b', k, desc).slice(300, 350));
        const all = await list(`page_size=50&page=7&sort_by=${desc ? '-' : ''}${field}`);
        expect(ids(all)).toEqual(expected(() => true, k, desc).slice(300, 350));
      }
    }
  });

  test('the last page has no next, the one before has', async () => {
    const last = await list(`page_size=100&page=${N / 100}&sort_by=-cost`);
    expect(last.next).toBeNull();
    expect(last.results.length).toBe(100);
    expect(last.count).toBe(N);
    expect(ids(last)).toEqual(expected(() => true, (s) => s.cost, true).slice(N - 100));
    const beyond = await list(`page_size=100&page=${N / 100 + 50}&sort_by=-cost`);
    expect(beyond.results).toEqual([]);
    expect(beyond.next).toBeNull();
    expect(beyond.count).toBe(10_001);
    const before = await list(`page_size=100&page=${N / 100 - 1}&sort_by=-cost`);
    expect(before.next).toContain(`page=${N / 100}`);
  });
});
