import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { QueueFullError } from '../../src/errors.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { Store } from '../../src/store/types.ts';
import { SpanWriter } from '../../src/store/writer.ts';
import { span } from '../helpers/spans.ts';

let store: Store;
let failures: string[];
const scope = { orgId: 'org_test', environments: ['prod' as const] };
beforeEach(() => {
  store = openSqliteStore({ path: ':memory:' });
  failures = [];
});
afterEach(() => store.close());

function writer(maxQueue = 1000, batchSize = 100) {
  return new SpanWriter(store.spans, { maxQueue, batchSize, onError: (_e, s) => failures.push(s.unique_id) });
}

describe('span writer', () => {
  test('spans offered in one tick are committed together, in batches', async () => {
    const w = writer(1000, 100);
    for (let i = 0; i < 250; i++) expect(w.offer(span())).toBe(true);
    await w.flush();
    expect(await store.spans.count(scope)).toBe(250);
    expect(w.stats()).toMatchObject({ written: 250, batches: 3, queued: 0 });
  });

  test('write resolves only after the spans are stored', async () => {
    const w = writer();
    const s = span({ metadata: { a: 1 }, extra: { tools: [] } });
    await w.write([s]);
    const got = await store.spans.get('org_test', s.unique_id);
    expect(got?.metadata).toEqual({ a: 1 });
    expect(got?.extra).toEqual({ tools: [] });
  });

  test('a full queue refuses: offer returns false, write rejects with 503', async () => {
    const w = writer(3);
    expect(w.offer(span())).toBe(true);
    expect(w.offer(span())).toBe(true);
    expect(w.offer(span())).toBe(true);
    expect(w.offer(span())).toBe(false);
    await expect(w.write([span()])).rejects.toBeInstanceOf(QueueFullError);
    await w.flush();
    expect(await store.spans.count(scope)).toBe(3);
    expect(w.stats().refused).toBe(2);
  });

  test('one bad span does not cost the rest of its batch', async () => {
    const w = writer();
    const dup = span();
    await w.write([dup]);
    const good = [span(), span()];
    const results = await Promise.allSettled([w.write([good[0]!]), w.write([{ ...dup }]), w.write([good[1]!])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(failures).toEqual([dup.unique_id]);
    expect(await store.spans.count(scope)).toBe(3);
  });

  test('the cost of a span is added to its key spend in the same transaction', async () => {
    const org = await store.orgs.create('acme');
    await store.keys.insert({
      id: 'key_1', org_id: org.id, prefix: 'abcdefgh', hash: 'x', name: 'k', environment: 'prod', created_at: 0,
      expires_at: null, revoked_at: null, max_usage: -1, usage_count: 0, rate_limit: null, spending_limit: null,
      spent: 0, last_used_at: null,
    });
    const w = writer();
    await w.write([span({ api_key_id: 'key_1', cost: 0.25 }), span({ api_key_id: 'key_1', cost: 0.5 })]);
    expect((await store.keys.get(org.id, 'key_1'))?.spent).toBeCloseTo(0.75, 10);
  });
});

describe('span writer flush interval', () => {
  test('spans offered within the interval share one transaction', async () => {
    const w = new SpanWriter(store.spans, { maxQueue: 1000, batchSize: 50, flushIntervalMs: 200, onError: () => {} });
    for (let i = 0; i < 10; i++) w.offer(span());
    await Bun.sleep(1);
    expect(await store.spans.count(scope)).toBe(0);
    await Bun.sleep(400);
    expect(await store.spans.count(scope)).toBe(10);
    expect(w.stats().batches).toBe(1);
  });

  // With an interval longer than the test timeout, waiting for it would fail the test.
  test('a full batch and flush() do not wait for the interval', async () => {
    const w = new SpanWriter(store.spans, { maxQueue: 1000, batchSize: 50, flushIntervalMs: 60_000, onError: () => {} });
    await w.write(Array.from({ length: 50 }, () => span()));
    expect(await store.spans.count(scope)).toBe(50);
    w.offer(span());
    await w.flush();
    expect(await store.spans.count(scope)).toBe(51);
  });
});
