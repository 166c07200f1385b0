import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { defaultBucket } from '../../../src/modules/analytics/service.ts';
import { json, makeTestApp, type TestApp } from '../../helpers/app.ts';

const T0 = Date.parse('2026-06-15T10:00:00Z');
const min = (n: number) => T0 + n * 60_000;

/** Spans of the prod key: 2 models, 2 customers, one error, one cache hit, metadata.team. */
const LOGS = [
  { model: 'gpt-4o', customer_identifier: 'acme', cost: 0.5, latency: 1, ttft: 0.2, prompt_tokens: 100, completion_tokens: 10, timestamp: min(1), metadata: { team: 'search' } },
  { model: 'gpt-4o', customer_identifier: 'acme', cost: 0.25, latency: 2, prompt_tokens: 50, completion_tokens: 5, timestamp: min(20), metadata: { team: 'search' }, cache_hit: true },
  { model: 'gpt-4o-mini', customer_identifier: 'globex', cost: 0.125, latency: 4, prompt_tokens: 10, completion_tokens: 1, timestamp: min(70), metadata: { team: 'ads' }, status_code: 500, error_message: 'upstream failed' },
  { model: 'gpt-4o-mini', cost: 0.125, latency: 8, prompt_tokens: 10, completion_tokens: 1, timestamp: min(75) },
].map((l) => ({ ...l, timestamp: new Date(l.timestamp).toISOString() }));

let t: TestApp;
let key: string;
const window = `start_time=${new Date(T0).toISOString()}&end_time=${new Date(T0 + 2 * 3_600_000).toISOString()}`;
const get = async (path: string, k = key) => {
  const r = await t.call('GET', `/api/analytics/${path}`, { key: k });
  return { status: r.status, body: await json(r) };
};

beforeAll(async () => {
  t = await makeTestApp();
  key = await t.key('acme-org');
  const testKey = await t.key('acme-org', 'test');
  const other = await t.key('other-org');
  for (const [k, logs] of [[key, LOGS], [testKey, [LOGS[0]]], [other, LOGS]] as const) {
    const r = await t.call('POST', '/api/request-logs/batch/create', { key: k, body: { logs } });
    expect(r.status).toBe(200);
  }
});
afterAll(() => t.close());

describe('GET /api/analytics/summary', () => {
  test('totals of the window, the key environment only, the organization only', async () => {
    const { status, body } = await get(`summary?${window}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      requests: 4, errors: 1, error_rate: 0.25, cost: 1, prompt_tokens: 170, completion_tokens: 17, total_tokens: 187,
      cache_hits: 1, cache_hit_rate: 0.25, latency_avg: 3.75, ttft_avg: 0.2,
    });
    // Approximate percentiles: interpolated within the histogram bin of the exact value
    // (2 s is a bin's upper bound; 8 s lies in the bin from 7.5 to 10 s).
    expect(body.latency_p50).toBeCloseTo(2, 5);
    expect(body.latency_p95).toBeGreaterThan(7.5);
    expect(body.latency_p95).toBeLessThanOrEqual(10);
  });

  test('is_test, all_envs and customer_identifier narrow or widen it; an empty window is zeros', async () => {
    expect((await get(`summary?${window}&is_test=true`)).body.requests).toBe(1);
    expect((await get(`summary?${window}&all_envs=true`)).body.requests).toBe(5);
    expect((await get(`summary?${window}&customer_identifier=acme`)).body).toMatchObject({ requests: 2, cost: 0.75 });
    const empty = await get('summary?start_time=2020-01-01T00:00:00Z&end_time=2020-01-02T00:00:00Z');
    expect(empty.body).toMatchObject({ requests: 0, error_rate: 0, latency_p50: null, latency_avg: null });
  });

  test('a window that cuts 15-minute buckets counts exactly the spans inside it', async () => {
    const at = (m: number) => new Date(min(m)).toISOString();
    const { body } = await get(`summary?start_time=${at(10)}&end_time=${at(72)}`);
    expect(body).toMatchObject({ requests: 2, cost: 0.375, errors: 1 });
    const series = await get(`timeseries?start_time=${at(10)}&end_time=${at(72)}&bucket=1h`);
    expect(series.body.results.map((p: { requests: number }) => p.requests)).toEqual([1, 1]);
  });

  test('bad input is a 422 naming the field', async () => {
    for (const [q, field] of <[string, string][]>[
      ['start_time=yesterday', 'start_time'],
      [`start_time=2026-06-16T00:00:00Z&end_time=2026-06-15T00:00:00Z`, 'start_time'],
      ['is_test=maybe', 'is_test'],
      ['colour=red', 'colour'],
    ]) {
      const r = await get(`summary?${q}`);
      expect(r.status).toBe(422);
      expect(Object.keys(r.body.errors)).toContain(field);
    }
    expect((await t.call('GET', '/api/analytics/summary')).status).toBe(401);
  });
});

describe('GET /api/analytics/timeseries', () => {
  test('every bucket of the range, empty ones as zeros', async () => {
    const { body } = await get(`timeseries?${window}&bucket=1h`);
    expect(body.bucket).toBe('1h');
    expect(body.results.map((p: { time: string; requests: number; cost: number }) => [p.time, p.requests, p.cost])).toEqual([
      ['2026-06-15T10:00:00.000Z', 2, 0.75],
      ['2026-06-15T11:00:00.000Z', 2, 0.25],
    ]);
    const quarter = await get(`timeseries?${window}&bucket=15m`);
    expect(quarter.body.results).toHaveLength(8);
    expect(quarter.body.results.map((p: { requests: number }) => p.requests)).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
  });

  test('the bucket defaults from the range, and too many buckets is a 422', async () => {
    expect((await get(`timeseries?${window}`)).body.bucket).toBe('15m');
    expect(defaultBucket(0, 7 * 86_400_000)).toBe('1h');
    expect(defaultBucket(0, 30 * 86_400_000)).toBe('1d');
    const r = await get('timeseries?start_time=2020-01-01T00:00:00Z&end_time=2026-01-01T00:00:00Z&bucket=15m');
    expect(r.status).toBe(422);
    expect(r.body.errors.bucket).toBeDefined();
    expect((await get('timeseries?bucket=5m')).status).toBe(422);
  });
});

describe('GET /api/analytics/breakdown', () => {
  const rows = (body: { results: { key: string | null; requests: number; cost: number }[] }) =>
    body.results.map((r) => [r.key, r.requests, r.cost]);

  test('by model, customer (with the calls of no customer), provider and metadata key', async () => {
    expect(rows((await get(`breakdown?${window}&by=model`)).body)).toEqual([['gpt-4o', 2, 0.75], ['gpt-4o-mini', 2, 0.25]]);
    expect(rows((await get(`breakdown?${window}&by=customer&order_by=cost`)).body)).toEqual([
      ['acme', 2, 0.75], ['globex', 1, 0.125], [null, 1, 0.125],
    ]);
    expect(rows((await get(`breakdown?${window}&by=metadata.team&order_by=cost&limit=2`)).body)).toEqual([
      ["search", 2, 0.75], ["ads", 1, 0.125],
    ]);
    // Per-customer usage keeps sums only.
    const acme = (await get(`breakdown?${window}&by=customer`)).body.results[0];
    expect(acme).toMatchObject({ key: 'acme', latency_avg: 1.5, latency_p50: null, cached_tokens: null });
    const model = (await get(`breakdown?${window}&by=model`)).body.results[1];
    expect(model).toMatchObject({ errors: 1, error_rate: 0.5, latency_avg: 6 });
  });

  test('a metadata key named in rollups.metadata_keys gives the same rows from its day rollup', async () => {
    const days = 'start_time=2026-06-14T00:00:00Z&end_time=2026-06-16T12:00:00Z';
    const rolled = await makeTestApp({ rollups: { metadata_keys: ['team'] } });
    try {
      const k = await rolled.key('acme-org');
      expect((await rolled.call('POST', '/api/request-logs/batch/create', { key: k, body: { logs: LOGS } })).status).toBe(200);
      const read = async (app: TestApp, key: string) =>
        (await json(await app.call('GET', `/api/analytics/breakdown?${days}&by=metadata.team&order_by=cost`, { key }))).results;
      const expected = await read(t, key);
      expect(expected.map((r: { key: string | null }) => r.key)).toEqual(['search', 'ads', null]);
      expect(await read(rolled, k)).toEqual(expected);
    } finally {
      await rolled.close();
    }
  });

  test('by api_key names the key; bad dimensions and limits are 422s', async () => {
    const { body } = await get(`breakdown?${window}&by=api_key`);
    expect(body.results).toHaveLength(1);
    expect(body.results[0].label).toMatch(/^acme-org key \(\w{8}\)$/);
    for (const q of ['by=colour', 'by=metadata.', 'by=model&limit=0', 'by=model&limit=500', 'by=model&order_by=name', '']) {
      expect((await get(`breakdown?${q}`)).status).toBe(422);
    }
  });

  test('is documented in the OpenAPI document', async () => {
    const doc = await json(await t.call('GET', '/openapi.json'));
    for (const p of ['summary', 'timeseries', 'breakdown']) expect(doc.paths[`/analytics/${p}`]?.get).toBeDefined();
  });
});
