/**
 * No read of the span store runs on the event loop: while reads that take
 * hundreds of milliseconds each run back to back, a timer on the main thread
 * keeps firing on time, and small reads keep answering (the heavy-read bound
 * leaves them a thread).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPAN_CATALOG } from '../../src/query/catalogs.ts';
import { typeFilters } from '../../src/query/filters.ts';
import { openSqliteStore, STORE_THREADS, type StoreThreads } from '../../src/store/sqlite/index.ts';
import type { ReaderPool } from '../../src/store/sqlite/readers.ts';
import type { Store } from '../../src/store/types.ts';
import { span } from '../helpers/spans.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-loop-'));
let store: Store;
const T0 = Date.parse('2026-06-15T12:00:00Z');
const scope = { orgId: 'org_loop', environments: ['prod' as const] };

beforeAll(async () => {
  store = openSqliteStore({ path: join(dir, 'switchyard.db'), readers: 2, maxHeavyQueries: 1 });
  const batch = () =>
    Array.from({ length: 5000 }, (_, i) =>
      span({ org_id: 'org_loop', timestamp: T0 - i * 100, latency: ((i * 37) % 1000) / 100, metadata: { n: i, note: 'x'.repeat(200) }, input: 'y'.repeat(300) }),
    );
  for (let i = 0; i < 16; i++) await store.spans.insertBatch(batch());
}, 120_000);
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('heavy reads run on reader threads: the event loop stays on time and light reads answer', async () => {
  // A filter no index covers over the whole window: every span's metadata is read.
  const heavy = () =>
    store.spans.summary({ scope, from: T0 - 86_400_000, to: T0, filters: typeFilters(SPAN_CATALOG, [{ field: 'metadata__note', operator: 'icontains', values: ['zz'] }]) });
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await heavy();
    times.push(performance.now() - t);
  }
  const oneHeavyMs = times.sort((a, b) => a - b)[1] as number;

  const lags: number[] = [];
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    lags.push(now - last - 5);
    last = now;
  }, 5);
  const light: number[] = [];
  const reads = Promise.all(Array.from({ length: 6 }, () => heavy()));
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    await store.spans.get('org_loop', 'no-such-span');
    light.push(performance.now() - s);
    await Bun.sleep(10);
  }
  await reads;
  clearInterval(probe);
  // Six heavy reads on the loop would stall it for six times as long as one of them takes; a
  // machine short of CPU (or a collection of a large test process's heap) delays timers too,
  // but by far less in total.
  expect(oneHeavyMs).toBeGreaterThan(60);
  const stalled = lags.reduce((sum, l) => sum + Math.max(0, l - 20), 0);
  expect(stalled).toBeLessThan(oneHeavyMs * 3);
  // Queued behind the six heavy reads, a light read would wait for all of them.
  expect(Math.max(...light)).toBeLessThan(oneHeavyMs * 3);
}, 120_000);

test('reads cut by the time budget do not pile up scans: a cut scan keeps its heavy slot until its thread ends', async () => {
  const filters = typeFilters(SPAN_CATALOG, [{ field: 'metadata__note', operator: 'icontains', values: ['zz'] }]);
  const query = { scope, from: T0 - 86_400_000, to: T0, filters };
  const t = performance.now();
  await store.spans.summary(query);
  const scanMs = performance.now() - t;
  expect(scanMs).toBeGreaterThan(40);

  // A store on the same file whose budget cuts that scan (its thread's start-up included) halfway.
  const cut = openSqliteStore({ path: join(dir, 'switchyard.db'), readers: 2, maxHeavyQueries: 1, queryTimeoutMs: scanMs / 2 });
  const pool = (cut as unknown as Record<symbol, StoreThreads>)[STORE_THREADS]?.readers as ReaderPool;
  try {
    const first = await cut.spans.summary(query).then(() => null, (e: unknown) => e);
    expect((first as { code?: string } | null)?.code).toBe('query_timeout');
    // The scan goes on in its ending thread (its end is reported later, as an event) and keeps the one
    // heavy slot: the next heavy read waits for it instead of starting a second scan beside it.
    expect(pool.stats()).toMatchObject({ heavyRunning: 0, cutScans: 1 });
    const cutAt = performance.now();
    let endedMs = Number.POSITIVE_INFINITY;
    const watch = setInterval(() => {
      if (pool.stats().cutScans === 0 && endedMs === Number.POSITIVE_INFINITY) endedMs = performance.now() - cutAt;
    }, 2);
    const next = cut.spans.summary(query).then(() => null, (e: unknown) => e);
    expect(pool.stats()).toMatchObject({ heavyRunning: 0, cutScans: 1, queued: 1 });
    await next;
    // Once the thread has ended, the slot is free again.
    for (let i = 0; i < 100 && pool.stats().cutScans > 0; i++) await Bun.sleep(scanMs / 10);
    expect(pool.stats().cutScans).toBe(0);
    clearInterval(watch);
    // The scan is read in slices (span-slices.ts) and the thread ends between two of them: well before
    // the half of the scan still to go when the budget cut it.
    expect(endedMs).toBeLessThan(scanMs / 2);
  } finally {
    await cut.close();
  }
}, 120_000);

test('a list count over many slices stops at the cap, and is exact below it', async () => {
  const sort = { field: 'id' as const, descending: true };
  const window = { scope, from: T0 - 86_400_000, to: T0, sort, page: 1, pageSize: 10 };
  const every = await store.spans.list({ ...window, filters: typeFilters(SPAN_CATALOG, [{ field: 'metadata__note', operator: 'icontains', values: ['x'] }]) });
  expect(every.countExact).toBe(false);
  expect(every.count).toBeGreaterThan(10_000);
  expect(every.spans.length).toBe(10);
  const few = await store.spans.list({ ...window, filters: typeFilters(SPAN_CATALOG, [{ field: 'metadata__n', operator: '', values: ['7'] }]) });
  expect(few.countExact).toBe(true);
  expect(few.count).toBe(16);
  // Its page comes from the matches the slices found: in order across the slices, no second scan.
  expect(few.spans.map((x) => x.id)).toEqual([...few.spans.map((x) => x.id)].sort((a, b) => b - a));
  expect(few.spans.length).toBe(10);
  const byTime = await store.spans.list({ ...window, page: 2, sort: { field: 'timestamp', descending: false }, filters: typeFilters(SPAN_CATALOG, [{ field: 'metadata__n', operator: '', values: ['7'] }]) });
  expect(byTime.spans.map((x) => x.timestamp)).toEqual(Array.from({ length: 6 }, () => T0 - 700));
  expect(byTime.hasMore).toBe(false);
}, 120_000);

test('a list of many matches sorted on a field no index orders is read slice by slice: the page SQL would give', async () => {
  const filters = typeFilters(SPAN_CATALOG, [{ field: 'metadata__note', operator: 'icontains', values: ['x'] }]);
  const page = await store.spans.list({ scope, from: T0 - 86_400_000, to: T0, filters, sort: { field: 'latency', descending: true }, page: 3, pageSize: 10 });
  const db = new Database(join(dir, 'switchyard.db'), { readonly: true });
  try {
    const want = db
      .query<{ unique_id: string }, []>("SELECT unique_id FROM spans WHERE org_id = 'org_loop' ORDER BY latency DESC, id DESC LIMIT 10 OFFSET 20")
      .all()
      .map((r) => r.unique_id);
    expect(page.spans.map((x) => x.unique_id)).toEqual(want);
  } finally {
    db.close();
  }
  expect(page).toMatchObject({ countExact: false, hasMore: true, count: 10_001 });
}, 120_000);
