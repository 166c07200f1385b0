/**
 * No read of the span store runs on the event loop: while reads that take
 * hundreds of milliseconds each run back to back, a timer on the main thread
 * keeps firing on time, and small reads keep answering (the heavy-read bound
 * leaves them a thread).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPAN_CATALOG } from '../../src/query/catalogs.ts';
import { typeFilters } from '../../src/query/filters.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
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
      span({ org_id: 'org_loop', timestamp: T0 - i * 100, metadata: { n: i, note: 'x'.repeat(200) }, input: 'y'.repeat(300) }),
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
  const t = performance.now();
  await heavy();
  const oneHeavyMs = performance.now() - t;

  let worstLag = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    worstLag = Math.max(worstLag, now - last - 5);
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
  // The heavy read is long enough that running it on the loop would show as lag.
  expect(oneHeavyMs).toBeGreaterThan(60);
  expect(worstLag).toBeLessThan(Math.max(40, oneHeavyMs / 2));
  expect(Math.max(...light)).toBeLessThan(oneHeavyMs);
}, 120_000);
