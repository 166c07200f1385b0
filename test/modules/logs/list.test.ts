import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { SpanRecord } from '../../../src/store/types.ts';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';
import { span } from '../../helpers/spans.ts';

let t: TestApp;
let key: string;
let spans: SpanRecord[];
const T0 = Date.parse('2026-06-15T10:00:00Z');

// Deterministic variety: every field takes a few values, some null.
function pick<T>(i: number, xs: T[]): T {
  return xs[i % xs.length] as T;
}

beforeAll(async () => {
  t = await makeTestApp();
  key = await t.key('acme');
  const org = await t.store.orgs.getByName('acme');
  spans = Array.from({ length: 60 }, (_, i) =>
    span({
      org_id: org?.id ?? '',
      model: pick(i, ['gpt-4o', 'GPT-4o-mini', 'claude-3', null]),
      customer_identifier: pick(i, ['alice', 'bob', 'Carol', null, 'alice_2']),
      cost: pick(i, [0, 0.001, 0.02, 0.5, 1.25]) + i / 1e6,
      latency: pick(i, [0.5, 1, 2, null]),
      prompt_tokens: pick(i, [1, 10, 100]),
      stream: i % 2 === 0,
      positive_feedback: pick(i, [true, false, null]),
      status: pick(i, ['success', 'success', 'error']),
      timestamp: T0 + i * 1000,
      start_time: T0 + i * 1000 - 500,
      metadata: pick(i, [{ tier: 'premium', n: 3 }, { tier: 'free', n: 10 }, { tier: 'Enterprise' }, null]),
    }),
  );
  await t.store.spans.insertBatch(spans);
});
afterAll(() => t.close());

type Pred = (v: unknown) => boolean;
function value(s: SpanRecord, field: string): unknown {
  if (field.startsWith('metadata__')) return s.metadata?.[field.slice(10)] ?? null;
  return (s as unknown as Record<string, unknown>)[field];
}

/** The reference semantics, written independently of the SQL compiler. */
function predicate(op: string, vals: unknown[]): Pred {
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  switch (op) {
    case '':
    case 'in':
      return (v) => vals.some((x) => x === v);
    case 'iexact':
      return (v) => str(v) !== null && vals.some((x) => String(x).toLowerCase() === str(v)?.toLowerCase());
    case 'not':
      return (v) => v === null || v === undefined || !vals.includes(v);
    case 'lt':
      return (v) => v !== null && (v as number) < (vals[0] as number);
    case 'lte':
      return (v) => v !== null && (v as number) <= (vals[0] as number);
    case 'gt':
      return (v) => v !== null && (v as number) > (vals[0] as number);
    case 'gte':
      return (v) => v !== null && (v as number) >= (vals[0] as number);
    case 'contains':
      return (v) => str(v) !== null && vals.some((x) => str(v)?.includes(String(x)));
    case 'icontains':
      return (v) => str(v) !== null && vals.some((x) => str(v)?.toLowerCase().includes(String(x).toLowerCase()));
    case 'startswith':
      return (v) => str(v) !== null && vals.some((x) => str(v)?.startsWith(String(x)));
    case 'endswith':
      return (v) => str(v) !== null && vals.some((x) => str(v)?.endsWith(String(x)));
    case 'isnull':
      return (v) => (vals[0] === false ? v !== null && v !== undefined : v === null || v === undefined);
  }
  throw new Error(op);
}

async function listIds(filters: Record<string, unknown>, sort = '-id'): Promise<string[]> {
  const r = await t.call('POST', `/api/request-logs/list/?start_time=2026-06-15T00:00:00Z&page_size=1000&sort_by=${sort}`, {
    key,
    body: { filters },
  });
  const b = await json(r);
  if (r.status !== 200) throw new Error(JSON.stringify(b));
  expect(b.count).toBe(b.results.length);
  return b.results.map((x: { unique_id: string }) => x.unique_id);
}

const cases: [string, string, unknown[]][] = [
  ['model', '', ['gpt-4o']],
  ['model', 'iexact', ['gpt-4o-MINI']],
  ['model', 'in', ['gpt-4o', 'claude-3']],
  ['model', 'not', ['gpt-4o']],
  ['model', 'contains', ['4o']],
  ['model', 'icontains', ['GPT']],
  ['model', 'startswith', ['gpt']],
  ['model', 'endswith', ['mini']],
  ['model', 'isnull', [true]],
  ['model', 'isnull', [false]],
  ['customer_identifier', 'startswith', ['alice']],
  ['customer_identifier', 'icontains', ['CAR']],
  ['cost', 'gt', [0.01]],
  ['cost', 'lte', [0.001]],
  ['cost', 'lt', [0.5]],
  ['cost', 'gte', [0.5]],
  ['latency', 'isnull', [true]],
  ['latency', '', [1]],
  ['prompt_tokens', 'in', [1, 100]],
  ['prompt_tokens', 'not', [10]],
  ['status', '', ['error']],
  ['stream', '', [true]],
  ['positive_feedback', '', [false]],
  ['positive_feedback', 'isnull', [true]],
  ['metadata__tier', 'in', ['premium', 'Enterprise']],
  ['metadata__tier', 'iexact', ['enterprise']],
  ['metadata__tier', 'not', ['free']],
  ['metadata__tier', 'isnull', [true]],
  ['metadata__n', 'gt', [5]],
  ['metadata__n', '', [3]],
];

describe('list filters match an independent computation', () => {
  for (const [field, op, vals] of cases) {
    test(`${field} ${op || '(equal)'} ${JSON.stringify(vals)}`, async () => {
      const p = predicate(op, vals);
      const expected = spans.filter((s) => p(value(s, field))).map((s) => s.unique_id);
      const got = await listIds({ [field]: { operator: op, value: vals } });
      expect(got.sort()).toEqual(expected.sort());
    });
  }

  test('two filters combine with AND; sort by cost descending', async () => {
    const expected = spans
      .filter((s) => s.metadata?.tier === 'premium' && s.cost > 0.01)
      .sort((a, b) => b.cost - a.cost)
      .map((s) => s.unique_id);
    const got = await listIds({ metadata__tier: { operator: '', value: ['premium'] }, cost: { operator: 'gt', value: [0.01] } }, '-cost');
    expect(got).toEqual(expected);
  });

  test('a list of conditions on one field is their AND: a cost range', async () => {
    const expected = spans.filter((s) => s.cost >= 0.001 && s.cost <= 0.1).map((s) => s.unique_id);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(spans.length);
    const got = await listIds({ cost: [{ operator: 'gte', value: [0.001] }, { operator: 'lte', value: [0.1] }] });
    expect(got.sort()).toEqual(expected.sort());
  });

  test('every documented sort field orders as a JS sort would', async () => {
    for (const f of ['cost', 'latency', 'prompt_tokens', 'timestamp'] as const) {
      const got = await listIds({}, f);
      const expected = [...spans]
        .sort((a, b) => {
          const x = a[f] ?? Number.NEGATIVE_INFINITY;
          const y = b[f] ?? Number.NEGATIVE_INFINITY;
          return x === y ? 0 : x < y ? -1 : 1;
        })
        .map((s) => s.unique_id);
      // Ties are broken by id; compare the sorted key sequence.
      const key = (id: string) => (spans.find((s) => s.unique_id === id) as SpanRecord)[f];
      expect(got.map(key)).toEqual(expected.map(key));
    }
  });

  test('query-string shortcuts: a field and a metadata key', async () => {
    const r = await json(await t.call('GET', '/api/request-logs/list/?start_time=2026-06-15T00:00:00Z&customer_identifier=bob&tier=free&page_size=1000', { key }));
    const expected = spans.filter((s) => s.customer_identifier === 'bob' && s.metadata?.tier === 'free');
    expect(r.count).toBe(expected.length);
  });

  test('pagination: absolute next/previous, page_size above 1000 is a 422, default window is one hour', async () => {
    const r = await json(await t.call('GET', '/api/request-logs/list/?start_time=2026-06-15T00:00:00Z&page_size=7&page=2', { key }));
    expect(r.count).toBe(60);
    expect(r.results.length).toBe(7);
    expect(r.next).toBe('http://localhost/api/request-logs/list/?start_time=2026-06-15T00%3A00%3A00Z&page_size=7&page=3');
    expect(r.previous).toContain('page=1');
    expect((await t.call('GET', '/api/request-logs/list/?page_size=1001', { key })).status).toBe(422);
    // The clock is 12:00; every span is at 10:00-10:01, outside the default hour.
    expect((await json(await t.call('GET', '/api/request-logs/list/', { key }))).count).toBe(0);
  });

  test('bad filters are 422s naming the field', async () => {
    for (const filters of [{ nope: { operator: '', value: [1] } }, { cost: { operator: 'like', value: [1] } }, { cost: { operator: 'gt', value: ['x'] } }]) {
      const r = await t.call('POST', '/api/request-logs/list/?start_time=2026-06-15T00:00:00Z', { key, body: { filters } });
      expect(r.status).toBe(422);
      expect(Object.keys((await json(r)).errors)[0]).toStartWith('filters.');
    }
  });

  test('summary totals and averages match the spans', async () => {
    const sel = spans.filter((s) => s.model === 'gpt-4o');
    const r = await json(
      await t.call('POST', '/api/request-logs/summary/?start_time=2026-06-15T00:00:00Z', { key, body: { filters: { model: { operator: '', value: ['gpt-4o'] } } } }),
    );
    expect(r.number_of_requests).toBe(sel.length);
    expect(r.total_cost).toBeCloseTo(sel.reduce((a, s) => a + s.cost, 0), 12);
    expect(r.total_prompt_tokens).toBe(sel.reduce((a, s) => a + s.prompt_tokens, 0));
    const lat = sel.map((s) => s.latency).filter((x): x is number => x !== null);
    expect(r.avg_latency).toBeCloseTo(lat.reduce((a, b) => a + b, 0) / lat.length, 12);
  });
});

describe('hostile list parameters (issue 17, defect 3): 422 naming the field on every backend', () => {
  const post = (query: string, body: unknown) => t.call('POST', `/api/request-logs/list/${query}`, { key, body });
  const fieldOf = async (r: Response) => [r.status, Object.keys((await json(r)).errors ?? {})[0]];

  test('every scope parameter is checked, even one another overrides', async () => {
    expect(await fieldOf(await post('?is_test=maybe&all_envs=true', {}))).toEqual([422, 'is_test']);
    expect(await fieldOf(await post('?all_envs=sure', {}))).toEqual([422, 'all_envs']);
    expect(await fieldOf(await post('?environment=staging&is_test=true', {}))).toEqual([422, 'environment']);
    for (const [k, v] of [['page', '-1'], ['page_size', '1e309'], ['sort_by', 'x'.repeat(10_000)], ['start_time', '../../etc/passwd'], ['end_time', '😀']]) {
      expect(await fieldOf(await post(`?${k}=${encodeURIComponent(v as string)}`, {}))).toEqual([422, k]);
    }
  });

  test('a metadata key a JSON path cannot quote (found by the fuzz campaign: a query key ending in a backslash was a 500)', async () => {
    for (const name of ['a WMAT\\', 'a\\"b', 'tab\there', 'nul\u0000']) {
      const summary = await t.call('POST', `/api/request-logs/summary/?${encodeURIComponent(name)}=1`, { key, body: {} });
      expect(summary.status).toBe(422);
      expect(await fieldOf(await post('', { filters: { [`metadata__${name}`]: { operator: '', value: ['x'] } } }))).toEqual([422, `filters.metadata__${name}`]);
    }
  });

  test('a filter whose value is not an object', async () => {
    expect(await fieldOf(await post('', { filters: { metadata__user_tier: false } }))).toEqual([422, 'filters.metadata__user_tier']);
    expect(await fieldOf(await post('', { filters: [1] }))).toEqual([422, 'filters']);
  });

  test('caps: filter count, values per filter, text length, field name length', async () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`metadata__k${i}`, { operator: '', value: ['x'] }]));
    expect(await fieldOf(await post('', { filters: many }))).toEqual([422, 'filters']);
    const shortcuts = Array.from({ length: 21 }, (_, i) => `k${i}=x`).join('&');
    expect(await fieldOf(await post(`?${shortcuts}`, {}))).toEqual([422, 'filters']);
    const values = Array.from({ length: 20_000 }, (_, i) => `v${i}`);
    for (const operator of ['in', 'icontains', 'iexact', 'not']) {
      expect(await fieldOf(await post('', { filters: { model: { operator, value: values } } }))).toEqual([422, 'filters.model']);
    }
    expect(await fieldOf(await post('', { filters: { model: { operator: 'icontains', value: ['x'.repeat(100_000)] } } }))).toEqual([422, 'filters.model']);
    expect(await fieldOf(await post('', { filters: { [`metadata__${'k'.repeat(300)}`]: { value: 'x' } } }))).toEqual([422, 'filters']);
    // At the caps, the query runs.
    const atCap = { model: { operator: 'icontains', value: Array.from({ length: 500 }, (_, i) => `m${i}`.padEnd(4096, 'x')) } };
    expect((await post('', { filters: atCap })).status).toBe(200);
  });

  test('the same caps on traces and threads', async () => {
    const values = Array.from({ length: 20_000 }, (_, i) => `v${i}`);
    for (const [path, field] of [['/api/traces/list/', 'trace_unique_id'], ['/api/log_threads', 'thread_identifier']]) {
      const r = await t.call('POST', path as string, { key, body: { filters: { [field as string]: { operator: 'icontains', value: values } } } });
      expect(await fieldOf(r)).toEqual([422, `filters.${field}`]);
    }
  });
});
