/**
 * A span scan in slices (src/store/sqlite/span-slices.ts): the slices cover
 * the window exactly, in time order, each with at most the slice size of
 * spans (one millisecond on its own when more spans share it); a summary
 * read slice by slice sums as one read of the window would; and a read that
 * another index narrows is not sliced.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPAN_CATALOG } from '../../src/query/catalogs.ts';
import { typeFilters } from '../../src/query/filters.ts';
import { openConnection } from '../../src/store/sqlite/connection.ts';
import { localStore, type StoreParts } from '../../src/store/sqlite/local.ts';
import { applyMigrations } from '../../src/store/sqlite/migrate.ts';
import { migrations } from '../../src/store/sqlite/migrations/index.ts';
import { type Slice, spanSlices, walksWindow } from '../../src/store/sqlite/span-slices.ts';
import type { SpanRecord } from '../../src/store/types.ts';
import { span } from '../helpers/spans.ts';

const T0 = Date.parse('2026-06-15T12:00:00Z');
const scope = { orgId: 'org_slices', environments: ['prod' as const, 'test' as const] };
let client: Database;
let store: StoreParts;
const spans: SpanRecord[] = [];

beforeAll(async () => {
  client = openConnection(':memory:');
  applyMigrations(client, migrations);
  store = localStore(client);
  let seed = 3;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let i = 0; i < 3000; i++) {
    spans.push(
      span({
        org_id: 'org_slices',
        environment: i % 5 === 0 ? 'test' : 'prod',
        // Dense and sparse stretches, and 300 spans at one millisecond.
        timestamp: i < 300 ? T0 - 5000 : T0 - Math.floor(rnd() ** 2 * 3_600_000),
        cost: i,
        customer_identifier: `c-${i % 7}`,
        metadata: { region: i % 3 === 0 ? 'eu' : 'us' },
      }),
    );
  }
  await store.spans.insertBatch(spans);
});
afterAll(() => client.close());

const countIn = (s: Slice) =>
  client
    .query<{ n: number }, [string, string, number, number]>('SELECT count(*) AS n FROM spans WHERE org_id = ? AND environment = ? AND timestamp >= ? AND timestamp <= ?')
    .get(scope.orgId, s.environment, s.from, s.to)?.n ?? 0;

describe('span slices', () => {
  test('cover the window exactly per environment, in order, each within the size or one millisecond', () => {
    const from = T0 - 3_600_000;
    const slices = [...spanSlices(client, scope, from, T0, 100)];
    for (const env of scope.environments) {
      const own = slices.filter((s) => s.environment === env);
      expect(own[0]?.from).toBe(from);
      expect(own.at(-1)?.to).toBe(T0);
      for (let i = 1; i < own.length; i++) expect(own[i]?.from).toBe((own[i - 1]?.to ?? 0) + 1);
      const counts = own.map(countIn);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(spans.filter((s) => s.environment === env).length);
      for (const [i, n] of counts.entries()) {
        const s = own[i] as Slice;
        if (n > 100) expect(s.to).toBe(s.from);
        else expect(n).toBeLessThanOrEqual(100);
      }
    }
    // The 240 prod spans at T0 - 5000 ms are more than a slice: that millisecond is a slice alone.
    expect(slices.some((s) => s.environment === 'prod' && s.from === T0 - 5000 && s.to === T0 - 5000)).toBe(true);
  });

  test('a summary scanned slice by slice sums what the spans hold', async () => {
    const filters = typeFilters(SPAN_CATALOG, [{ field: 'metadata__region', operator: '', values: ['eu'] }]);
    const from = T0 - 2_000_000;
    const s = await store.spans.summary({ scope, from, to: T0, filters });
    const want = spans.filter((x) => x.timestamp >= from && x.timestamp <= T0 && (x.metadata as { region: string }).region === 'eu');
    expect(s.number_of_requests).toBe(want.length);
    expect(s.total_cost).toBeCloseTo(want.reduce((a, x) => a + x.cost, 0), 6);
  });

  test('a reader connection that planned and sliced a read still sees the spans written after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-slices-'));
    const writer = openConnection(join(dir, 'switchyard.db'));
    applyMigrations(writer, migrations);
    const reader = openConnection(join(dir, 'switchyard.db'));
    try {
      const [w, r] = [localStore(writer), localStore(reader)];
      const one = () => span({ org_id: 'org_snap', metadata: { region: 'eu' } });
      await w.spans.insertBatch([one()]);
      const q = { scope: { orgId: 'org_snap', environments: ['prod' as const] }, from: T0 - 3_600_000, to: T0 };
      const filters = typeFilters(SPAN_CATALOG, [{ field: 'metadata__region', operator: 'icontains', values: ['e'] }]);
      expect((await r.spans.summary({ ...q, filters })).number_of_requests).toBe(1);
      await w.spans.insertBatch([one()]);
      expect(await r.spans.count(q.scope)).toBe(2);
      expect((await r.spans.summary({ ...q, filters })).number_of_requests).toBe(2);
    } finally {
      reader.close();
      writer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a list's count, taken slice by slice, is the number of matches", async () => {
    const from = T0 - 2_000_000;
    for (const [field, value] of [['metadata__region', 'eu'], ['metadata__region', 'nowhere']] as const) {
      const filters = typeFilters(SPAN_CATALOG, [{ field, operator: 'icontains', values: [value] }]);
      const page = await store.spans.list({ scope, from, to: T0, filters, sort: { field: 'id', descending: true }, page: 1, pageSize: 5 });
      const want = spans.filter((x) => x.timestamp >= from && x.timestamp <= T0 && (x.metadata as { region: string }).region.includes(value));
      expect(page.count).toBe(want.length);
      expect(page.countExact).toBe(true);
      expect(page.spans.length).toBe(Math.min(5, want.length));
    }
  });

  test("a list's page cut from the walk's matches is the page SQL's ORDER BY gives (nulls, ties, offsets)", async () => {
    const org = 'org_pages';
    const own = Array.from({ length: 400 }, (_, i) =>
      span({
        org_id: org,
        timestamp: T0 - ((i * 7919) % 3_600_000),
        // Ties on cost, and spans without a time to first token.
        cost: (i % 9) / 1000,
        time_to_first_token: i % 4 === 0 ? null : (i % 13) / 10,
        metadata: { region: i % 3 === 0 ? 'eu' : 'us' },
      }),
    );
    await store.spans.insertBatch(own);
    const pageScope = { orgId: org, environments: ['prod' as const] };
    const filters = typeFilters(SPAN_CATALOG, [{ field: 'metadata__region', operator: 'icontains', values: ['e'] }]);
    const oracle = (field: string, dir: string, limit: number, offset: number) =>
      client
        .query<{ unique_id: string }, [string, number, number, number, number]>(
          `SELECT unique_id FROM spans WHERE org_id = ? AND timestamp >= ? AND timestamp <= ? AND json_extract(metadata, '$.region') = 'eu'
           ORDER BY ${field} ${dir}, id ${dir} LIMIT ? OFFSET ?`,
        )
        .all(org, T0 - 3_600_000, T0, limit, offset)
        .map((r) => r.unique_id);
    const matches = own.filter((x) => (x.metadata as { region: string }).region === 'eu').length;
    for (const field of ['cost', 'time_to_first_token', 'timestamp', 'id'] as const) {
      for (const descending of [false, true]) {
        for (const page of [1, 3, 20]) {
          const got = await store.spans.list({ scope: pageScope, from: T0 - 3_600_000, to: T0, filters, sort: { field, descending }, page, pageSize: 7 });
          expect(got.spans.map((x) => x.unique_id)).toEqual(oracle(field, descending ? 'DESC' : 'ASC', 7, (page - 1) * 7));
          expect(got).toMatchObject({ count: matches, countExact: true, hasMore: page * 7 < matches });
        }
      }
    }
  });

  test('only a read that walks the window is sliced', () => {
    const window = 'SELECT count(*) FROM spans WHERE org_id = ? AND environment IN (?) AND timestamp >= ? AND timestamp <= ?';
    expect(walksWindow(client, `${window} AND json_extract(metadata, '$.region') = ?`, ['org_slices', 'prod', T0 - 1000, T0, 'eu'])).toBe(true);
    const narrowed = `${window} AND customer_identifier = ? AND model = ?`;
    expect(walksWindow(client, narrowed, ['org_slices', 'prod', T0 - 3_600_000, T0, 'c-1', 'gpt-4o-mini'])).toBe(false);
  });
});
