/**
 * Retention: old spans go and old bodies are emptied, in batches, while the
 * usage figures people report on (users page, customer totals) stay as they
 * were.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { silentLogger } from '../../../src/lib/log.ts';
import { RetentionService } from '../../../src/modules/logs/retention.ts';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';
import { span } from '../../helpers/spans.ts';

const DAY = 86_400_000;
let t: TestApp;
let key: string;
let orgId: string;
let now: number;
const old: string[] = [];
const middle: string[] = [];
const fresh: string[] = [];

beforeAll(async () => {
  t = await makeTestApp();
  key = await t.key('acme');
  orgId = (await t.store.orgs.getByName('acme'))?.id ?? '';
  now = t.clock.now;
  const mk = (daysAgo: number, i: number, into: string[]) => {
    const s = span({
      org_id: orgId, customer_identifier: `c${i % 3}`, cost: 0.5, prompt_tokens: 7, completion_tokens: 3,
      total_request_tokens: 10, timestamp: now - daysAgo * DAY + i, trace_unique_id: `tr-${daysAgo}-${i % 4}`,
      thread_identifier: `th-${daysAgo}`, metadata: { keep: 'me' }, input: '[{"role":"user","content":"secret prompt"}]',
      output: '{"role":"assistant","content":"secret answer"}', extra: { full_request: { messages: [] }, tools: [{ x: 1 }] },
    });
    into.push(s.unique_id);
    return s;
  };
  await t.writer.write([
    ...Array.from({ length: 25 }, (_, i) => mk(40, i, old)),
    ...Array.from({ length: 10 }, (_, i) => mk(10, i, middle)),
    ...Array.from({ length: 5 }, (_, i) => mk(1, i, fresh)),
  ]);
});
afterAll(() => t.close());

const get = (id: string) => t.call('GET', `/api/request-logs/${id}/`, { key });
const users = async () => (await json(await t.call('GET', '/api/users/?summary_type=all', { key }))).results;

describe('retention', () => {
  test('spans past spans_days are deleted in batches; customer totals and the users page do not change', async () => {
    const before = await users();
    const detail = await json(await t.call('GET', '/api/users/c0/', { key }));
    const traces = async () => (await json(await t.call('GET', `/api/traces/list/?start_time=${new Date(now - 60 * DAY).toISOString()}`, { key }))).count;
    expect(await traces()).toBe(12);
    const r = new RetentionService(t.store.spans, { spans_days: 30, bodies_days: null, interval_s: 60, batch: 7 }, silentLogger, () => now, 0);
    expect(await r.runOnce()).toEqual({ spans: 25, bodies: 0 });
    for (const id of old) expect((await get(id)).status).toBe(404);
    for (const id of [...middle, ...fresh]) expect((await get(id)).status).toBe(200);
    expect(await users()).toEqual(before);
    expect(await json(await t.call('GET', '/api/users/c0/', { key }))).toEqual(detail);
    expect(await traces()).toBe(8);
    expect(await r.runOnce()).toEqual({ spans: 0, bodies: 0 });
  });

  test('bodies past bodies_days are emptied; the span still lists with its cost, tokens and metadata', async () => {
    const r = new RetentionService(t.store.spans, { spans_days: null, bodies_days: 5, interval_s: 60, batch: 3 }, silentLogger, () => now, 0);
    expect(await r.runOnce()).toEqual({ spans: 0, bodies: 10 });
    const s = await json(await get(middle[0] as string));
    expect(s).toMatchObject({ cost: 0.5, prompt_tokens: 7, completion_tokens: 3, metadata: { keep: 'me' } });
    expect(JSON.stringify(s)).not.toContain('secret');
    const kept = await json(await get(fresh[0] as string));
    expect(JSON.stringify(kept)).toContain('secret prompt');
    const list = await json(
      await t.call('GET', `/api/request-logs/list/?start_time=${new Date(now - 20 * DAY).toISOString()}&page_size=100`, { key }),
    );
    expect(list.count).toBe(15);
    expect(list.results.find((x: { unique_id: string }) => x.unique_id === middle[0])?.cost).toBe(0.5);
    expect(await r.runOnce()).toEqual({ spans: 0, bodies: 0 });
  });
});
