/**
 * The store contract: one suite of behaviours every backend runs
 * (contract.test.ts runs it against each). A backend passes when every method
 * answers as here, every filter operator selects what an independent
 * computation selects, and writes that race (in one process or through two
 * stores on one database, as two gateways would) lose nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { SPAN_CATALOG, TRACE_CATALOG } from '../../src/query/catalogs.ts';
import { type FilterCondition, type FilterOperator, typeFilters } from '../../src/query/filters.ts';
import type { ApiKeyRecord } from '../../src/store/key-types.ts';
import type { SpanRecord, Store } from '../../src/store/types.ts';
import { span } from '../helpers/spans.ts';

export interface StoreHarness {
  name: string;
  /** A store over a fresh, empty database. */
  open(): Promise<Store>;
  /** A second store over the same database (as a second gateway), when the backend can have one. */
  second?(): Promise<Store>;
  /** Removes what open() created. */
  dispose?(): Promise<void>;
}

const T0 = Date.parse('2026-06-15T12:00:00Z');
const HOUR = 3_600_000;

function key(over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const prefix = Math.random().toString(36).slice(2, 10).padEnd(8, 'x');
  return {
    id: `key_${prefix}`, org_id: 'org_test', prefix, hash: 'h'.repeat(64), name: 'k', environment: 'prod', role: 'member', created_at: T0,
    expires_at: null, revoked_at: null, max_usage: -1, usage_count: 0, rate_limit: null, spending_limit: null, spent: 0,
    last_used_at: null, ...over,
  };
}

/** A varied dataset for filter tests: every field kind, nulls, metadata of several types. */
function dataset(orgId: string): SpanRecord[] {
  const models = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-haiku', null];
  const out: SpanRecord[] = [];
  for (let i = 0; i < 60; i++) {
    out.push(
      span({
        org_id: orgId,
        environment: i % 7 === 0 ? 'test' : 'prod',
        model: models[i % 4] ?? null,
        status: i % 5 === 0 ? 'error' : 'success',
        status_code: i % 5 === 0 ? 500 : 200,
        timestamp: T0 - i * 60_000,
        start_time: T0 - i * 60_000 - 500,
        cost: Math.round(i * 1000 * 0.0007) / 1000,
        prompt_tokens: i * 3,
        completion_tokens: i,
        total_request_tokens: i * 4,
        latency: i % 6 === 0 ? null : i / 10,
        customer_identifier: i % 3 === 0 ? null : `Cust-${i % 4}`,
        stream: i % 2 === 0,
        positive_feedback: i % 4 === 0 ? null : i % 4 === 1,
        metadata: i % 5 === 4 ? null : { tier: ['gold', 'silver', 'Gold'][i % 3], n: i % 10, flag: i % 2 === 0 },
        input: JSON.stringify([{ role: 'user', content: `hello number ${i}` }]),
      }),
    );
  }
  return out;
}

type Row = SpanRecord;

/** The oracle: what a condition selects, computed in JS from the records. */
function matches(r: Row, c: FilterCondition): boolean {
  const meta = c.field.startsWith('metadata__');
  const raw: unknown = meta ? (r.metadata ?? {})[c.field.slice(10)] : (r as unknown as Record<string, unknown>)[c.field];
  const v = raw === undefined ? null : raw;
  const vals = c.values;
  const eq = (x: unknown) => vals.some((w) => (w === null ? x === null : x !== null && String(x) === String(w)));
  const text = v === null ? null : String(v);
  switch (c.operator as FilterOperator) {
    case '':
    case 'in':
      return eq(v);
    case 'not':
      return v === null || !vals.some((w) => w !== null && String(v) === String(w));
    case 'iexact':
      return text !== null && vals.some((w) => text.toLowerCase() === String(w).toLowerCase());
    case 'contains':
      return text !== null && vals.some((w) => text.includes(String(w)));
    case 'icontains':
      return text !== null && vals.some((w) => text.toLowerCase().includes(String(w).toLowerCase()));
    case 'startswith':
      return text !== null && vals.some((w) => text.startsWith(String(w)));
    case 'endswith':
      return text !== null && vals.some((w) => text.endsWith(String(w)));
    case 'lt':
      return v !== null && Number(v) < Number(vals[0]);
    case 'lte':
      return v !== null && Number(v) <= Number(vals[0]);
    case 'gt':
      return v !== null && Number(v) > Number(vals[0]);
    case 'gte':
      return v !== null && Number(v) >= Number(vals[0]);
    case 'isnull':
      return (v === null) === (vals[0] !== false && vals[0] !== 'false');
  }
}

const FILTER_CASES: FilterCondition[] = [
  { field: 'model', operator: '', values: ['gpt-4o'] },
  { field: 'model', operator: 'in', values: ['gpt-4o', 'claude-3-5-haiku'] },
  { field: 'model', operator: 'not', values: ['gpt-4o'] },
  { field: 'model', operator: 'isnull', values: [true] },
  { field: 'model', operator: 'isnull', values: [false] },
  { field: 'model', operator: 'startswith', values: ['gpt'] },
  { field: 'model', operator: 'endswith', values: ['mini'] },
  { field: 'model', operator: 'contains', values: ['4o'] },
  { field: 'customer_identifier', operator: 'iexact', values: ['cust-1'] },
  { field: 'customer_identifier', operator: 'icontains', values: ['CUST-2'] },
  { field: 'customer_identifier', operator: 'contains', values: ['cust'] },
  { field: 'cost', operator: 'gt', values: [0.02] },
  { field: 'cost', operator: 'lte', values: [0.007] },
  { field: 'latency', operator: 'gte', values: [2] },
  { field: 'latency', operator: 'lt', values: [1] },
  { field: 'latency', operator: 'isnull', values: [true] },
  { field: 'status_code', operator: '', values: ['500'] },
  { field: 'stream', operator: '', values: [true] },
  { field: 'positive_feedback', operator: '', values: [false] },
  { field: 'positive_feedback', operator: 'isnull', values: [true] },
  { field: 'input', operator: 'icontains', values: ['NUMBER 1'] },
  { field: 'metadata__tier', operator: '', values: ['gold'] },
  { field: 'metadata__tier', operator: 'iexact', values: ['gold'] },
  { field: 'metadata__tier', operator: 'not', values: ['silver'] },
  { field: 'metadata__n', operator: '', values: ['3'] },
  { field: 'metadata__n', operator: 'gte', values: [7] },
  { field: 'metadata__tier', operator: 'isnull', values: [true] },
  { field: 'metadata__tier', operator: 'startswith', values: ['G'] },
];

export function storeContract(h: StoreHarness): void {
  describe(`store contract: ${h.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await h.open();
    });
    afterAll(async () => {
      await store.close();
      await h.dispose?.();
    });

    describe('organizations', () => {
      test('ensure creates once, then finds; only the first call on an empty database is the first start', async () => {
        const a = await store.orgs.ensure('alpha');
        const b = await store.orgs.ensure('alpha');
        const c = await store.orgs.ensure('beta');
        expect(a.firstStart).toBe(true);
        expect([b.firstStart, c.firstStart]).toEqual([false, false]);
        expect(b.org.id).toBe(a.org.id);
        expect(await store.orgs.get(a.org.id)).toEqual(a.org);
        expect(await store.orgs.getByName('beta')).toEqual(c.org);
        expect(await store.orgs.getByName('nobody')).toBeNull();
      });
    });

    describe('keys', () => {
      test('insert, find by prefix, list, get, update, delete, scoped by organization', async () => {
        const orgK = (await store.orgs.ensure('keys-org')).org.id;
        const k = key({ org_id: orgK });
        await store.keys.insert(k);
        expect(await store.keys.findByPrefix(k.prefix)).toEqual(k);
        expect((await store.keys.list(orgK)).map((r) => r.id)).toEqual([k.id]);
        expect(await store.keys.get('org_other', k.id)).toBeNull();
        const u = await store.keys.update(orgK, k.id, { name: 'renamed', rate_limit: 5, revoked_at: T0 });
        expect(u).toMatchObject({ name: 'renamed', rate_limit: 5, revoked_at: T0 });
        expect(await store.keys.update('org_other', k.id, { name: 'x' })).toBeNull();
        expect(await store.keys.delete('org_other', k.id)).toBe(false);
        expect(await store.keys.delete(orgK, k.id)).toBe(true);
        expect(await store.keys.findByPrefix(k.prefix)).toBeNull();
      });

      test('recordUse counts every use exactly once under concurrency', async () => {
        const k = key({ org_id: (await store.orgs.ensure('use-org')).org.id });
        await store.keys.insert(k);
        const counts = await Promise.all(Array.from({ length: 40 }, () => store.keys.recordUse(k.id, T0)));
        expect(new Set(counts).size).toBe(40);
        expect(Math.max(...counts)).toBe(40);
        expect((await store.keys.findByPrefix(k.prefix))?.usage_count).toBe(40);
      });
    });

    describe('spans', () => {
      const org = 'org_spans';
      let rows: SpanRecord[];
      beforeAll(async () => {
        rows = dataset(org);
        await store.spans.insertBatch(rows);
      });
      const scope = { orgId: org, environments: ['prod' as const] };
      const window = { from: T0 - 2 * HOUR, to: T0 };
      const inScope = () => rows.filter((r) => r.environment === 'prod');

      test('get returns the stored record with its row id; another organization gets null', async () => {
        const r = rows[1] as SpanRecord;
        const got = await store.spans.get(org, r.unique_id);
        expect(got).toMatchObject({ ...r, id: expect.any(Number) });
        expect(await store.spans.get('org_other', r.unique_id)).toBeNull();
      });

      test('count covers the scope only', async () => {
        expect(await store.spans.count(scope)).toBe(inScope().length);
        expect(await store.spans.count({ orgId: org, environments: ['prod', 'test'] })).toBe(rows.length);
      });

      for (const c of FILTER_CASES) {
        test(`filter ${c.field} ${c.operator || '='} ${JSON.stringify(c.values)}`, async () => {
          const page = await store.spans.list({
            scope, ...window, filters: typeFilters(SPAN_CATALOG, [c]), sort: { field: 'timestamp', descending: true }, page: 1, pageSize: 1000,
          });
          const expected = inScope().filter((r) => matches(r, c)).map((r) => r.unique_id);
          expect(page.spans.map((s) => s.unique_id)).toEqual(expected);
          expect(page.count).toBe(expected.length);
          expect(page.countExact).toBe(true);
        });
      }

      test('sorts ascending and descending with the row id breaking ties; pages do not overlap', async () => {
        const q = (page: number, descending: boolean) =>
          store.spans.list({ scope, ...window, filters: [], sort: { field: 'cost', descending }, page, pageSize: 7 });
        const all: string[] = [];
        for (let p = 1; p <= 8; p++) all.push(...(await q(p, false)).spans.map((s) => s.unique_id));
        expect(all).toHaveLength(inScope().length);
        expect(new Set(all).size).toBe(all.length);
        const costs = await Promise.all(all.map(async (id) => (await store.spans.get(org, id))?.cost ?? -1));
        expect([...costs].sort((a, b) => a - b)).toEqual(costs);
        const last = await q(8, false);
        expect(last.hasMore).toBe(false);
        expect((await q(1, true)).spans[0]?.cost).toBe(Math.max(...inScope().map((r) => r.cost)));
      });

      test('a page past the end is empty and says how many there are', async () => {
        const p = await store.spans.list({ scope, ...window, filters: [], sort: { field: 'id', descending: true }, page: 99, pageSize: 10 });
        expect(p).toMatchObject({ spans: [], count: inScope().length, hasMore: false });
      });

      test('summary sums the matches', async () => {
        const filters = typeFilters(SPAN_CATALOG, [{ field: 'model', operator: '', values: ['gpt-4o'] }]);
        const s = await store.spans.summary({ scope, ...window, filters });
        const m = inScope().filter((r) => r.model === 'gpt-4o');
        expect(s.number_of_requests).toBe(m.length);
        expect(s.total_cost).toBeCloseTo(m.reduce((a, r) => a + r.cost, 0), 10);
        expect(s.total_tokens).toBe(m.reduce((a, r) => a + r.total_request_tokens, 0));
        expect(s.error_count).toBe(m.filter((r) => r.status === 'error').length);
      });

      test('summaries over any window and filter equal sums over the spans (rollups with exact edges)', async () => {
        const cases: FilterCondition[][] = [
          [],
          [{ field: 'model', operator: 'in', values: ['gpt-4o', 'claude-3-5-haiku'] }],
          [{ field: 'model', operator: 'isnull', values: [true] }],
          [{ field: 'customer_identifier', operator: 'icontains', values: ['cust-1'] }],
          [{ field: 'customer_identifier', operator: '', values: ['Cust-2'] }, { field: 'model', operator: 'not', values: ['gpt-4o'] }],
          [{ field: 'metadata__tier', operator: '', values: ['gold'] }],
        ];
        const windows = [
          { from: T0 - 2 * HOUR, to: T0 },
          { from: T0 - 37 * 60_000 + 123, to: T0 - 4 * 60_000 - 77 },
          { from: T0 - 26 * HOUR, to: T0 + 26 * HOUR },
          { from: T0 - 5 * 60_000, to: T0 - 5 * 60_000 },
        ];
        for (const c of cases) {
          for (const w of windows) {
            const s = await store.spans.summary({ scope, ...w, filters: typeFilters(SPAN_CATALOG, c) });
            const m = inScope().filter((r) => r.timestamp >= w.from && r.timestamp <= w.to && c.every((x) => matches(r, x)));
            expect(s.number_of_requests).toBe(m.length);
            expect(s.total_cost).toBeCloseTo(m.reduce((a, r) => a + r.cost, 0), 9);
            expect(s.total_prompt_tokens).toBe(m.reduce((a, r) => a + r.prompt_tokens, 0));
            const lat = m.filter((r) => r.latency !== null);
            if (lat.length === 0) expect(s.avg_latency).toBeNull();
            else expect(s.avg_latency ?? 0).toBeCloseTo(lat.reduce((a, r) => a + (r.latency ?? 0), 0) / lat.length, 9);
          }
        }
      });

      test('analytics over any window equal sums over the spans (rollups with exact edges)', async () => {
        const windows = [
          { from: T0 - 2 * HOUR, to: T0 + 1 },
          { from: T0 - 37 * 60_000 + 123, to: T0 - 4 * 60_000 - 77 },
          { from: T0 - 26 * HOUR, to: T0 + 26 * HOUR },
          // More of the day's buckets with calls inside than outside: the day row less the bucket outside.
          { from: T0 - 50 * 60_000, to: T0 },
        ];
        const groupsOf = (m: Row[], key: (r: Row) => unknown) => {
          const out = new Map<string | null, number>();
          for (const r of m) {
            const k = key(r);
            const text = k === null || k === undefined ? null : String(k);
            out.set(text, (out.get(text) ?? 0) + 1);
          }
          return out;
        };
        for (const w of windows) {
          const m = inScope().filter((r) => r.timestamp >= w.from && r.timestamp < w.to);
          const q = { scope, ...w, customer: null };
          const s = await store.analytics.summary(q);
          expect(s.requests).toBe(m.length);
          expect(s.errors).toBe(m.filter((r) => r.status === 'error').length);
          expect(s.cost).toBeCloseTo(m.reduce((a, r) => a + r.cost, 0), 9);
          expect(s.total_tokens).toBe(m.reduce((a, r) => a + r.total_request_tokens, 0));
          const ts = await store.analytics.timeseries(q, '1h');
          expect(new Map<string | null, number>(ts.map((p) => [String(p.start), p.requests]))).toEqual(groupsOf(m, (r) => r.timestamp - (r.timestamp % HOUR)));
          for (const [by, key] of [
            [{ kind: 'model' }, (r: Row) => r.model],
            [{ kind: 'customer' }, (r: Row) => r.customer_identifier],
            [{ kind: 'metadata', key: 'tier' }, (r: Row) => r.metadata?.tier],
          ] as const) {
            const groups = await store.analytics.breakdown(q, by, 'requests', 100);
            expect(new Map(groups.map((g) => [g.key, g.requests]))).toEqual(groupsOf(m, key));
            for (const g of groups) {
              const of = m.filter((r) => {
                const k = key(r);
                return (k === null || k === undefined ? null : String(k)) === g.key;
              });
              expect(g.cost).toBeCloseTo(of.reduce((a, r) => a + r.cost, 0), 9);
            }
          }
          const one = await store.analytics.summary({ ...q, customer: 'Cust-1' });
          expect(one.requests).toBe(m.filter((r) => r.customer_identifier === 'Cust-1').length);
        }
      });

      test('update merges metadata and sets the mutable fields; delete removes', async () => {
        const r = rows[2] as SpanRecord;
        const u = await store.spans.update(org, r.unique_id, { metadata: { added: 1 }, note: 'n', positive_feedback: true, custom_identifier: 'c' });
        expect(u).toMatchObject({ metadata: { ...r.metadata, added: 1 }, positive_feedback: true, custom_identifier: 'c' });
        expect(u?.extra.note).toBe('n');
        expect(await store.spans.update('org_other', r.unique_id, { note: 'x' })).toBeNull();
        expect(await store.spans.delete(org, r.unique_id)).toBe(true);
        expect(await store.spans.delete(org, r.unique_id)).toBe(false);
        rows = rows.filter((x) => x.unique_id !== r.unique_id);
      });

      test('concurrent metadata updates of one span lose none', async () => {
        const r = rows[3] as SpanRecord;
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.spans.update(org, r.unique_id, { metadata: { [`k${i}`]: i } })));
        const got = await store.spans.get(org, r.unique_id);
        for (let i = 0; i < 20; i++) expect(got?.metadata?.[`k${i}`]).toBe(i);
      });

      test('a batch sent twice counts once', async () => {
        const s = span({ org_id: org, customer_identifier: 'dup', cost: 1 });
        await store.spans.insertBatch([s]);
        expect(await store.spans.insertBatch([s])).toEqual([]);
        expect((await store.customers.get(org, 'prod', 'dup'))?.requests).toBe(1);
      });
    });

    describe('summaries at minute and bucket edges', () => {
      const org = 'org_edges';
      const scope = { orgId: org, environments: ['prod' as const] };
      const MIN = 60_000;
      const BUCKET = 15 * MIN;
      // T0 is on a bucket boundary. Spans exactly on bucket and minute boundaries, a millisecond
      // either side of them, and inside minutes, over three buckets.
      const offsets = [
        -BUCKET - 1, -BUCKET, -BUCKET + 1, -7 * MIN - 30_000, -7 * MIN, -7 * MIN + 1, -MIN - 1, -1, 0, 1, 29_999, MIN, MIN + 1,
        2 * MIN + 40_000, 14 * MIN + 59_999, BUCKET, BUCKET + 1, BUCKET + 3 * MIN, BUCKET + 3 * MIN + 500, 2 * BUCKET - 1, 2 * BUCKET,
        2 * BUCKET + 2 * MIN + 1, 2 * BUCKET + 2 * MIN + 59_999,
      ];
      const models = ['gpt-4o', 'gpt-4o-mini', null];
      const rows = offsets.map((o, i) =>
        span({
          org_id: org, timestamp: T0 + o, start_time: T0 + o - 100, model: models[i % 3] ?? null, cost: (i + 1) / 1000,
          prompt_tokens: i, total_request_tokens: 2 * i, latency: i % 4 === 0 ? null : i / 7, status: i % 5 === 0 ? 'error' : 'success',
        }),
      );
      const windows = [
        // Partial minutes and partial buckets at both edges, several whole buckets between.
        { from: T0 - BUCKET - 1, to: T0 + 2 * BUCKET + 2 * MIN + 1 },
        { from: T0 - 7 * MIN - 29_999, to: T0 + BUCKET + 3 * MIN + 499 },
        // Edges exactly on minute boundaries, and a millisecond off them.
        { from: T0 - 7 * MIN, to: T0 + BUCKET + 3 * MIN - 1 },
        { from: T0 - 7 * MIN + 1, to: T0 + BUCKET + 3 * MIN },
        // Shorter than a bucket: whole minutes and partial ones; across a bucket boundary; within a minute.
        { from: T0 + 1, to: T0 + 14 * MIN + 59_998 },
        { from: T0 - MIN - 1, to: T0 + MIN },
        { from: T0 + MIN, to: T0 + MIN + 1 },
        { from: T0 - 2 * BUCKET, to: T0 + 3 * BUCKET },
      ];
      beforeAll(async () => {
        await store.spans.insertBatch(rows.slice(0, 10));
        await store.spans.insertBatch(rows.slice(10));
      });

      test('summaries whose windows cut buckets and minutes at both edges equal sums over the spans', async () => {
        for (const filters of [[], [{ field: 'model', operator: 'in', values: ['gpt-4o', 'gpt-4o-mini'] }]] as FilterCondition[][]) {
          for (const w of windows) {
            const s = await store.spans.summary({ scope, ...w, filters: typeFilters(SPAN_CATALOG, filters) });
            const m = rows.filter((r) => r.timestamp >= w.from && r.timestamp <= w.to && filters.every((c) => matches(r, c)));
            const label = `${w.from - T0}..${w.to - T0} ${filters.length}`;
            expect([label, s.number_of_requests]).toEqual([label, m.length]);
            expect(s.total_cost).toBeCloseTo(m.reduce((a, r) => a + r.cost, 0), 9);
            expect(s.total_prompt_tokens).toBe(m.reduce((a, r) => a + r.prompt_tokens, 0));
            expect(s.total_tokens).toBe(m.reduce((a, r) => a + r.total_request_tokens, 0));
            expect(s.error_count).toBe(m.filter((r) => r.status === 'error').length);
            const lat = m.filter((r) => r.latency !== null);
            if (lat.length === 0) expect(s.avg_latency).toBeNull();
            else expect(s.avg_latency ?? 0).toBeCloseTo(lat.reduce((a, r) => a + (r.latency ?? 0), 0) / lat.length, 9);
          }
        }
      });

      test('the overview over the same windows ([from, to)) equals sums over the spans: totals, 15-minute series, by model', async () => {
        for (const w of windows) {
          const m = rows.filter((r) => r.timestamp >= w.from && r.timestamp <= w.to);
          const q = { scope, from: w.from, to: w.to + 1, customer: null };
          const s = await store.analytics.summary(q);
          expect([w.from - T0, s.requests]).toEqual([w.from - T0, m.length]);
          expect(s.cost).toBeCloseTo(m.reduce((a, r) => a + r.cost, 0), 9);
          const count = (of: Row[], key: (r: Row) => string | null) => {
            const out = new Map<string | null, number>();
            for (const r of of) out.set(key(r), (out.get(key(r)) ?? 0) + 1);
            return out;
          };
          const ts = await store.analytics.timeseries(q, '15m');
          expect(new Map<string | null, number>(ts.map((p) => [String(p.start), p.requests]))).toEqual(count(m, (r) => String(r.timestamp - (r.timestamp % BUCKET))));
          const groups = await store.analytics.breakdown(q, { kind: 'model' }, 'requests', 100);
          expect(new Map(groups.map((g) => [g.key, g.requests]))).toEqual(count(m, (r) => r.model));
        }
      });
    });

    describe('traces and threads', () => {
      const org = 'org_traces';
      const scope = { orgId: org, environments: ['prod' as const] };
      beforeAll(async () => {
        const mk = (trace: string, id: string, parent: string | null, at: number, over: Partial<SpanRecord> = {}) =>
          span({ org_id: org, trace_unique_id: trace, span_unique_id: id, span_parent_id: parent, timestamp: at, start_time: at - 100, ...over });
        await store.spans.insertBatch([
          mk('t1', 'a', null, T0 - 1000, { span_workflow_name: 'wf', log_type: 'workflow', cost: 0 }),
          mk('t1', 'b', 'a', T0 - 900, { cost: 0.5, status: 'error' }),
          mk('t1', 'c', 'b', T0 - 800, { cost: 0.25 }),
          mk('t2', 'x', null, T0 - 500, { cost: 1, span_name: 'root2' }),
          span({ org_id: org, thread_identifier: 'th1', customer_identifier: 'u1', timestamp: T0 - 300, cost: 0.1 }),
          span({ org_id: org, thread_identifier: 'th1', customer_identifier: 'u1', timestamp: T0 - 200, cost: 0.2 }),
          span({ org_id: org, thread_identifier: 'th2', timestamp: T0 - 100 }),
        ]);
      });

      test('trace list aggregates spans, filters and sorts', async () => {
        const r = await store.spans.listTraces({
          scope, from: T0 - HOUR, to: T0, filters: [], sort: { field: 'total_cost', descending: true }, page: 1, pageSize: 10,
        });
        expect(r.count).toBe(2);
        expect(r.traces.map((t) => t.trace_unique_id)).toEqual(['t2', 't1']);
        expect(r.traces[1]).toMatchObject({ span_count: 3, error_count: 1, name: 'wf', start_time: T0 - 1100, end_time: T0 - 800 });
        expect(r.traces[1]?.total_cost).toBeCloseTo(0.75, 10);
      });

      test('trace spans in start order; delete trace removes them all', async () => {
        expect((await store.spans.traceSpans(scope, 't1')).map((s) => s.span_unique_id)).toEqual(['a', 'b', 'c']);
        expect(await store.spans.deleteTrace(scope, 't2')).toBe(1);
        expect(await store.spans.traceSpans(scope, 't2')).toEqual([]);
      });

      test('thread list and thread spans', async () => {
        const r = await store.spans.listThreads({ scope, from: T0 - HOUR, to: T0, filters: [], page: 1, pageSize: 10 });
        expect(r.threads.map((t) => t.thread_identifier)).toEqual(['th2', 'th1']);
        expect(r.threads[1]).toMatchObject({ log_count: 2, customer_identifier: 'u1' });
        expect((await store.spans.threadSpans(scope, 'th1')).map((s) => s.timestamp)).toEqual([T0 - 300, T0 - 200]);
      });

      test('trace links: the link fields of a trace in scope; fills set only what is still null', async () => {
        const mk = (id: string, over: Partial<SpanRecord>) =>
          span({ org_id: org, trace_unique_id: 'tl', span_unique_id: id, timestamp: T0 - 50, start_time: T0 - 60, ...over });
        const wf = mk('w', { log_type: 'workflow', span_workflow_name: 'wf', span_path: 'wf', span_entity_name: 'wf' });
        const task = mk('t', { log_type: 'task', span_path: 'wf', span_entity_name: 'step' });
        const kept = mk('k', { span_parent_id: 'elsewhere', span_workflow_name: 'own' });
        await store.spans.insertBatch([wf, task, kept, { ...mk('o', {}), org_id: 'org_other' }]);
        const links = await store.spans.traceLinks(scope, 'tl');
        expect(links.sort((a, b) => a.unique_id.localeCompare(b.unique_id))).toEqual(
          [wf, task, kept]
            .map((s) => ({
              unique_id: s.unique_id, log_type: s.log_type, start_time: s.start_time, timestamp: s.timestamp,
              span_unique_id: s.span_unique_id, span_parent_id: s.span_parent_id, span_workflow_name: s.span_workflow_name,
              span_path: s.span_path, span_entity_name: s.span_entity_name,
            }))
            .sort((a, b) => a.unique_id.localeCompare(b.unique_id)),
        );
        await store.spans.fillLinks(org, [
          { unique_id: task.unique_id, span_parent_id: 'w', span_workflow_name: 'wf' },
          { unique_id: kept.unique_id, span_parent_id: 'w', span_workflow_name: 'wf' },
        ]);
        // Another organization's span of that id is not touched.
        await store.spans.fillLinks('org_other', [{ unique_id: wf.unique_id, span_parent_id: 'x' }]);
        const after = new Map((await store.spans.traceSpans(scope, 'tl')).map((s) => [s.span_unique_id, s]));
        expect([after.get('t')?.span_parent_id, after.get('t')?.span_workflow_name]).toEqual(['w', 'wf']);
        expect([after.get('k')?.span_parent_id, after.get('k')?.span_workflow_name]).toEqual(['elsewhere', 'own']);
        expect(after.get('w')?.span_parent_id).toBeNull();
      });

      test('a filled parent changes which spans are roots in the trace list', async () => {
        const mk = (id: string, name: string) =>
          span({ org_id: org, trace_unique_id: 'tr', span_unique_id: id, span_name: name, timestamp: T0 - 40, start_time: T0 - 45 });
        const root = mk('r', 'a-root');
        const orphan = mk('o', 'z-orphan');
        await store.spans.insertBatch([root, orphan]);
        const name = async () => {
          const filters = typeFilters(TRACE_CATALOG, [{ field: 'trace_unique_id', operator: '', values: ['tr'] }]);
          const r = await store.spans.listTraces({
            scope, from: T0 - HOUR, to: T0, filters, sort: { field: 'start_time', descending: false }, page: 1, pageSize: 1,
          });
          return r.traces[0]?.name;
        };
        // Two roots: the trace is named after one of them.
        expect(await name()).toBe('z-orphan');
        await store.spans.fillLinks(org, [{ unique_id: orphan.unique_id, span_parent_id: 'r' }]);
        expect(await name()).toBe('a-root');
      });
    });

    describe('retention', () => {
      const org = 'org_ret';
      test('purge deletes old spans in batches and leaves usage; purgeBodies empties old bodies once', async () => {
        const mk = (t: number) =>
          span({ org_id: org, customer_identifier: 'r', timestamp: t, input: 'in', output: 'out', extra: { full_request: { a: 1 } }, trace_unique_id: `rt${t}` });
        // Far before every other test's spans: retention is not scoped to an organization.
        const base = T0 - 400 * 86_400_000;
        const oldOnes = Array.from({ length: 9 }, (_, i) => mk(base + i));
        const newOnes = Array.from({ length: 4 }, (_, i) => mk(base + 10 * 86_400_000 - i));
        await store.spans.insertBatch([...oldOnes, ...newOnes]);
        const cut = base + 5 * 86_400_000;
        const upTo = base + 10 * 86_400_000;
        const bodies = [await store.spans.purgeBodies(upTo, 5), await store.spans.purgeBodies(upTo, 5), await store.spans.purgeBodies(upTo, 5)];
        expect(bodies).toEqual([5, 5, 2]);
        const emptied = await store.spans.get(org, newOnes[1]?.unique_id ?? '');
        expect(emptied).toMatchObject({ input: null, output: null, customer_identifier: 'r' });
        expect(emptied?.extra.full_request).toBeUndefined();
        expect((await store.spans.get(org, newOnes[0]?.unique_id ?? ''))?.input).toBe('in');
        expect([await store.spans.purge(cut, 4), await store.spans.purge(cut, 4), await store.spans.purge(cut, 4)]).toEqual([4, 4, 1]);
        expect(await store.spans.count({ orgId: org, environments: ['prod'] })).toBe(4);
        expect(await store.spans.get(org, oldOnes[0]?.unique_id ?? '')).toBeNull();
        expect((await store.customers.get(org, 'prod', 'r'))?.requests).toBe(13);
        const traces = await store.spans.listTraces({
          scope: { orgId: org, environments: ['prod'] }, from: 0, to: upTo, filters: [], sort: { field: 'start_time', descending: true }, page: 1, pageSize: 50,
        });
        expect(traces.count).toBe(4);
        // The per-minute rollup stands in for spans at a window's edges: it goes with them.
        const edge = await store.spans.summary({ scope: { orgId: org, environments: ['prod'] }, from: base - 1000, to: base + 61_000, filters: [] });
        expect(edge.number_of_requests).toBe(0);
      });
    });

    describe('customers and usage accounting', () => {
      const org = 'org_cust';
      test('spans create customers, apply their params, and add billed usage with markup', async () => {
        const usage = await store.spans.insertBatch([
          span({ org_id: org, customer_identifier: 'ann', cost: 1, extra: { customer_params: { customer_identifier: 'ann', markup_percentage: 50, name: 'Ann' } } }),
          span({ org_id: org, customer_identifier: 'ann', cost: 2, status: 'error', extra: { limit_info: { reservation_id: 'res_1' } } }),
          span({ org_id: org, customer_identifier: 'bob', cost: 0.5, cached: true }),
        ]);
        expect(usage).toHaveLength(3);
        expect(usage[1]).toMatchObject({ subject: { orgId: org, identifier: 'ann' }, billed: 3, reservationId: 'res_1' });
        const ann = await store.customers.get(org, 'prod', 'ann');
        expect(ann).toMatchObject({ name: 'Ann', markup_percentage: 50, requests: 2, cost: 3, billed: 4.5, errors: 1, active_days: 1 });
        expect(await store.customers.billed(org, 'prod', 'ann', null)).toBeCloseTo(4.5, 10);
        expect(await store.customers.billed(org, 'prod', 'ann', { start: T0 - HOUR, end: T0 + HOUR })).toBeCloseTo(4.5, 10);
        expect(await store.customers.billed(org, 'prod', 'ann', { start: T0 + HOUR, end: T0 + 2 * HOUR })).toBe(0);
        expect(await store.customers.billed(org, 'prod', 'nobody', null)).toBe(0);
      });

      test('list, count, usage and organization figures', async () => {
        const scope = { orgId: org, environments: ['prod' as const] };
        expect(await store.customers.count(scope, [])).toBe(2);
        const list = await store.customers.list(scope, { filters: [{ field: 'total_cost', operator: 'gt', values: [1] }], sort: 'total_cost', desc: true, offset: 0, limit: 10 });
        expect(list.map((c) => c.customer_identifier)).toEqual(['ann']);
        const u = await store.customers.usage(list.map((c) => c.id), null, 0);
        expect(u.get(list[0]?.id ?? 0)).toMatchObject({ requests: 2, billed: 4.5, errors: 1, active_days: 1 });
        const day = { start: Date.parse('2026-06-15T00:00:00Z'), end: Date.parse('2026-06-16T00:00:00Z') };
        const month = { start: Date.parse('2026-06-01T00:00:00Z'), end: Date.parse('2026-07-01T00:00:00Z') };
        expect(await store.customers.orgFigures(scope, null, day, month)).toMatchObject({
          total_users: 2, daily_active_users: 2, monthly_active_users: 2, daily_requests: 3,
        });
      });

      test('update is atomic against concurrent span commits; delete removes the customer and its usage', async () => {
        const writes = Array.from({ length: 10 }, (_, i) =>
          store.spans.insertBatch([span({ org_id: org, customer_identifier: 'bob', cost: 0.1, extra: { customer_params: { customer_identifier: 'bob', metadata: { [`s${i}`]: i } } } })]),
        );
        const patches = Array.from({ length: 10 }, (_, i) => store.customers.update(org, 'prod', 'bob', { metadata: { [`p${i}`]: i } }, T0));
        await Promise.all([...writes, ...patches]);
        const bob = await store.customers.get(org, 'prod', 'bob');
        for (let i = 0; i < 10; i++) {
          expect(bob?.metadata?.[`s${i}`]).toBe(i);
          expect(bob?.metadata?.[`p${i}`]).toBe(i);
        }
        expect(bob?.requests).toBe(11);
        expect(await store.customers.update(org, 'prod', 'nobody', { name: 'x' }, T0)).toBeNull();
        expect(await store.customers.delete(org, 'prod', 'bob')).toBe(true);
        expect(await store.customers.get(org, 'prod', 'bob')).toBeNull();
        expect(await store.customers.billed(org, 'prod', 'bob', null)).toBe(0);
      });
    });

    describe('custom models', () => {
      test('insert (once per name), list, get, update, delete, scoped by organization', async () => {
        const orgM = (await store.orgs.ensure('models-org')).org.id;
        const rec = {
          org_id: orgM, model_name: 'm1', base_model_name: null, provider_id: 'openai', input_cost: 1, output_cost: 2,
          cache_hit_input_cost: null, cache_creation_input_cost: null, max_context_window: null, created_at: T0, updated_at: T0,
        };
        expect(await store.models.insert(rec)).toBe(true);
        expect(await store.models.insert(rec)).toBe(false);
        expect(await store.models.list(orgM)).toEqual([rec]);
        expect(await store.models.get('org_x', 'm1')).toBeNull();
        expect(await store.models.update(orgM, 'm1', { input_cost: 3 })).toMatchObject({ input_cost: 3 });
        expect(await store.models.delete(orgM, 'm1')).toBe(true);
        expect(await store.models.list(orgM)).toEqual([]);
      });
    });

    describe('prompts', () => {
      const content = {
        messages: [{ role: 'user' as const, content: 'hi {{name}}' }], model: 'gpt-4o', temperature: null, max_tokens: null,
        top_p: null, frequency_penalty: null, presence_penalty: null, stop: null, tools: null, tool_choice: null,
        response_format: null, fallback_models: null, load_balance_models: null, variables: ['name'],
      };
      test('versions are numbered without gaps under concurrency; deploy freezes; live cannot be deleted', async () => {
        const orgP = (await store.orgs.ensure('prompts-org')).org.id;
        await store.prompts.create({ id: 'p1', org_id: orgP, name: 'P', description: '', created_at: T0, updated_at: T0, last_version: 0, live_version: null });
        const made = await Promise.all(Array.from({ length: 8 }, () => store.prompts.addVersion(orgP, 'p1', content, T0, false)));
        expect(made.map((v) => v?.version).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(await store.prompts.addVersion('org_x', 'p1', content, T0, false)).toBeNull();
        expect((await store.prompts.deploy(orgP, 'p1', 3, T0)).status).toBe('ok');
        expect((await store.prompts.get(orgP, 'p1'))?.live_version).toBe(3);
        expect((await store.prompts.updateVersion(orgP, 'p1', 3, { model: 'x' }, T0)).status).not.toBe('ok');
        expect((await store.prompts.deleteVersion(orgP, 'p1', 3, T0)).status).not.toBe('ok');
        expect((await store.prompts.getVersion(orgP, 'p1', 'latest'))?.version).toBe(8);
        expect((await store.prompts.listVersions(orgP, 'p1')).length).toBe(8);
        expect(await store.prompts.update(orgP, 'p1', { name: 'Q' }, T0)).toMatchObject({ name: 'Q' });
        expect(await store.prompts.delete(orgP, 'p1')).toBe(true);
        expect(await store.prompts.list(orgP)).toEqual([]);
      });
    });

    describe('two gateways on one database', () => {
      test('first start is seen once; writes through one are read through the other; counters add up', async () => {
        if (!h.second) return;
        const other = await h.second();
        try {
          const [a, b] = await Promise.all([other.orgs.ensure('shared'), store.orgs.ensure('shared')]);
          expect(a.org.id).toBe(b.org.id);
          const k = key({ org_id: a.org.id });
          await store.keys.insert(k);
          expect((await other.keys.findByPrefix(k.prefix))?.id).toBe(k.id);
          await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).keys.recordUse(k.id, T0)));
          expect((await store.keys.findByPrefix(k.prefix))?.usage_count).toBe(20);
          const batches = Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? store : other).spans.insertBatch(Array.from({ length: 20 }, () => span({ org_id: 'org_two', customer_identifier: 'both', cost: 0.01 }))),
          );
          const patches = Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).customers.update('org_two', 'prod', 'both', { metadata: { [`m${i}`]: i } }, T0));
          await Promise.all([...batches, ...patches]);
          const c = await other.customers.get('org_two', 'prod', 'both');
          expect(c?.requests).toBe(200);
          expect(c?.cost).toBeCloseTo(2, 10);
          expect(await store.spans.count({ orgId: 'org_two', environments: ['prod'] })).toBe(200);
        } finally {
          await other.close();
        }
      });
    });
  });
}
