/**
 * GET /api/users/ against an independent computation over the same spans:
 * every summary field, for each summary_type, several timezone offsets
 * (fractional ones included) and dates next to month and year boundaries.
 * The expected values are computed from raw spans with calendar fields of
 * shifted Date objects, not with the bucket code under test.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { SpanRecord } from '../../../src/store/types.ts';
import { json, makeTestApp, type Json, type TestApp } from '../../helpers/app.ts';
import { span } from '../../helpers/spans.ts';

const H = 3_600_000;
const DAY = 24 * H;

function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CUSTOMERS = [
  { id: 'alice', markup: 20 },
  { id: 'bob', markup: null },
  { id: 'carol', markup: -25 },
  { id: 'dave', markup: null },
  { id: 'erin', markup: 50 },
];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet'];
/** Spans cluster around these instants (year and month boundaries in many zones). */
const CENTRES = ['2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-06-15T00:00:00Z'].map(Date.parse);

let t: TestApp;
let key: string;
let orgId: string;
const spans: SpanRecord[] = [];
const markup = new Map(CUSTOMERS.map((c) => [c.id, c.markup]));

beforeAll(async () => {
  t = await makeTestApp();
  key = await t.key('acme');
  orgId = (await t.store.orgs.getByName('acme'))?.id ?? '';
  const rnd = prng(42);
  // First, one span per customer carrying its customer_params (markup applies from it on).
  const first: SpanRecord[] = [];
  for (const c of CUSTOMERS) {
    first.push(
      span({
        org_id: orgId,
        customer_identifier: c.id,
        timestamp: Date.parse('2025-11-20T10:00:00Z'),
        cost: 0.01,
        extra: { customer_params: { customer_identifier: c.id, name: c.id.toUpperCase(), markup_percentage: c.markup } },
      }),
    );
  }
  await t.writer.write(first);
  spans.push(...first);
  const more: SpanRecord[] = [];
  for (let i = 0; i < 600; i++) {
    const c = CUSTOMERS[Math.floor(rnd() * CUSTOMERS.length)]!;
    const centre = CENTRES[Math.floor(rnd() * CENTRES.length)]!;
    const ts = Math.round(centre + (rnd() * 2 - 1) * 3 * DAY);
    more.push(
      span({
        org_id: orgId,
        customer_identifier: c.id,
        timestamp: ts,
        start_time: ts - 500,
        model: MODELS[Math.floor(rnd() * MODELS.length)]!,
        prompt_tokens: Math.floor(rnd() * 500),
        completion_tokens: Math.floor(rnd() * 300),
        cost: Math.round(rnd() * 1e6) / 1e8,
        latency: rnd() < 0.2 ? null : rnd() * 3,
        time_to_first_token: rnd() < 0.4 ? null : rnd(),
        cached: rnd() < 0.15,
        status: rnd() < 0.1 ? 'error' : 'success',
      }),
    );
  }
  // A span with no customer and one in another organization must not count.
  more.push(span({ org_id: orgId, customer_identifier: null }));
  more.push(span({ org_id: 'org_other', customer_identifier: 'alice' }));
  await t.writer.write(more);
  spans.push(...more.filter((s) => s.org_id === orgId && s.customer_identifier));
});
afterAll(() => t.close());

// ---- the independent computation ---------------------------------------------------------

interface Local {
  y: number;
  m: number;
  d: number;
  /** Days since 1970-01-01 in local time. */
  day: number;
  /** Monday-based week number in local time. */
  week: number;
}

function local(ms: number, offsetHours: number): Local {
  const shifted = new Date(ms - offsetHours * H);
  const day = Math.floor(shifted.getTime() / DAY);
  const mondayBased = (shifted.getUTCDay() + 6) % 7;
  return { y: shifted.getUTCFullYear(), m: shifted.getUTCMonth(), d: shifted.getUTCDate(), day, week: day - mondayBased };
}

function wall(date: string): Local {
  const [d, time = '00:00:00'] = date.split(' ');
  return local(Date.parse(`${d}T${time}Z`), 0);
}

function samePeriod(type: string, a: Local, b: Local): boolean {
  switch (type) {
    case 'all':
      return true;
    case 'daily':
      return a.day === b.day;
    case 'weekly':
      return a.week === b.week;
    case 'monthly':
      return a.y === b.y && a.m === b.m;
    default:
      return a.y === b.y;
  }
}

const billed = (s: SpanRecord) => s.cost * (1 + (markup.get(s.customer_identifier ?? '') ?? 0) / 100);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => (xs.length ? sum(xs) / xs.length : 0);

function expected(type: string, date: string, offset: number) {
  const target = wall(date);
  const rows = new Map<string, Json>();
  for (const c of CUSTOMERS) {
    const all = spans.filter((s) => s.customer_identifier === c.id);
    const inP = all.filter((s) => samePeriod(type, local(s.timestamp, offset), target));
    const models: Record<string, number> = {};
    for (const s of inP) if (s.model) models[s.model] = (models[s.model] ?? 0) + 1;
    const utcDays = new Set(all.map((s) => Math.floor(s.timestamp / DAY))).size;
    const first = Math.min(...all.map((s) => s.timestamp));
    const last = Math.max(...all.map((s) => s.timestamp));
    rows.set(c.id, {
      name: c.id.toUpperCase(),
      requests: inP.length,
      total_requests: all.length,
      tokens: sum(inP.map((s) => s.prompt_tokens + s.completion_tokens)),
      total_tokens: sum(all.map((s) => s.prompt_tokens + s.completion_tokens)),
      cost: sum(inP.map(billed)),
      total_cost: sum(all.map(billed)),
      active_days: new Set(inP.map((s) => local(s.timestamp, offset).day)).size,
      top_models: models,
      cache_hits: inP.filter((s) => s.cached).length,
      average_latency: mean(inP.flatMap((s) => (s.latency === null ? [] : [s.latency]))),
      average_ttft: mean(inP.flatMap((s) => (s.time_to_first_token === null ? [] : [s.time_to_first_token]))),
      total_prompt_tokens: sum(all.map((s) => s.prompt_tokens)),
      total_completion_tokens: sum(all.map((s) => s.completion_tokens)),
      average_monthly_cost: (sum(all.map(billed)) / Math.max(utcDays, 1)) * 30,
      first_seen: first,
      last_active: last,
      active_duration_ms: last - first,
    });
  }
  const inDay = spans.filter((s) => samePeriod('daily', local(s.timestamp, offset), target));
  const inMonth = spans.filter((s) => samePeriod('monthly', local(s.timestamp, offset), target));
  const firstOf = (id: string) => Math.min(...spans.filter((s) => s.customer_identifier === id).map((s) => s.timestamp));
  const aggregation = {
    total_users: CUSTOMERS.length,
    new_users: CUSTOMERS.filter((c) => samePeriod(type, local(firstOf(c.id), offset), target)).length,
    montly_active_users: new Set(inMonth.map((s) => s.customer_identifier)).size,
    daily_active_users: new Set(inDay.map((s) => s.customer_identifier)).size,
    daily_requests: inDay.length,
    montly_cost: sum(inMonth.map(billed)),
  };
  return { rows, aggregation };
}

/** Django's duration string, independently: [D ]HH:MM:SS[.ffffff]. */
function duration(ms: number): string {
  const days = Math.floor(ms / DAY);
  const secs = Math.floor((ms % DAY) / 1000);
  const hh = String(Math.floor(secs / 3600)).padStart(2, '0');
  const mm = String(Math.floor((secs % 3600) / 60)).padStart(2, '0');
  const ss = String(secs % 60).padStart(2, '0');
  const micro = (ms % 1000) * 1000;
  return `${days ? `${days} ` : ''}${hh}:${mm}:${ss}${micro ? `.${String(micro).padStart(6, '0')}` : ''}`;
}

const TYPES = ['all', 'daily', 'weekly', 'monthly', 'yearly'];
const OFFSETS = [0, 8, -5.5, -5.75, 3.5, -14, 12];
const DATES = [
  '2025-12-31 23:30:00',
  '2026-01-01 00:30:00',
  '2026-02-28 23:50:00',
  '2026-03-01 00:10:00',
  '2026-06-15 12:00:00',
];

describe('GET /api/users/ against an independent computation', () => {
  for (const type of TYPES) {
    for (const offset of OFFSETS) {
      test(`summary_type=${type} timezone_offset=${offset}`, async () => {
        for (const date of DATES) {
          const q = new URLSearchParams({ summary_type: type, date, timezone_offset: String(offset), page_size: '100' });
          const r = await t.call('GET', `/api/users/?${q}`, { key });
          expect(r.status).toBe(200);
          const body = await json(r);
          const want = expected(type, date, offset);
          expect(body.count).toBe(CUSTOMERS.length);
          expect(body.next).toBeNull();
          expect(body.previous).toBeNull();
          const agg = body.aggregation_data;
          for (const [k, v] of Object.entries(want.aggregation)) {
            if (k === 'montly_cost') expect(agg[k]).toBeCloseTo(v, 9);
            else expect([date, k, agg[k]]).toEqual([date, k, v]);
          }
          expect(body.results).toHaveLength(CUSTOMERS.length);
          for (const row of body.results) {
            const w = want.rows.get(row.customer_identifier);
            expect(w).toBeDefined();
            const ctx = `${date} ${row.customer_identifier}`;
            for (const k of ['name', 'requests', 'total_requests', 'tokens', 'total_tokens', 'active_days', 'cache_hits',
              'total_prompt_tokens', 'total_completion_tokens']) {
              expect([ctx, k, row[k]]).toEqual([ctx, k, w[k]]);
            }
            for (const k of ['cost', 'total_cost', 'average_latency', 'average_ttft', 'average_monthly_cost']) {
              expect(row[k]).toBeCloseTo(w[k], 9);
            }
            expect(row.top_models).toEqual(w.top_models);
            expect(row.first_seen).toBe(new Date(w.first_seen).toISOString().replace('Z', '000Z'));
            expect(row.last_active_timeframe).toBe(
              new Date(w.last_active).toISOString().replace('T', ' ').replace('Z', '000+00:00'),
            );
            expect(row.active_duration).toBe(duration(w.active_duration_ms));
            expect(row.organization_name).toBe('acme');
            expect(row.email).toBe('');
            expect(row.average_sentiment).toBeNull();
            expect(row.total_budget).toBeNull();
            expect(row.period_budget).toBeNull();
            expect(typeof row.id).toBe('number');
          }
        }
      });
    }
  }
});

describe('GET /api/users/ parameters', () => {
  test('pagination: page_size, page, next and previous as absolute URLs', async () => {
    const r1 = await json(await t.call('GET', '/api/users/?page_size=2', { key }));
    expect(r1.results).toHaveLength(2);
    expect(r1.previous).toBeNull();
    expect(r1.next).toBe('http://localhost/api/users/?page_size=2&page=2');
    const r3 = await json(await t.call('GET', '/api/users/?page_size=2&page=3', { key }));
    expect(r3.results).toHaveLength(1);
    expect(r3.next).toBeNull();
    expect(r3.previous).toBe('http://localhost/api/users/?page_size=2&page=2');
    const ids = new Set([...r1.results, ...r3.results].map((r: Json) => r.customer_identifier));
    expect(ids.size).toBe(3);
  });

  test('a date with a zone is an instant, converted with the offset', async () => {
    // 2026-01-01T02:00Z is 2025-12-31 18:00 in PST (offset 8): the 2025 year.
    const a = await json(await t.call('GET', '/api/users/?summary_type=yearly&timezone_offset=8&date=2026-01-01T02:00:00Z&page_size=100', { key }));
    const b = await json(await t.call('GET', '/api/users/?summary_type=yearly&timezone_offset=8&date=2025-12-31 18:00:00&page_size=100', { key }));
    expect(a.results).toEqual(b.results);
    expect(a.aggregation_data).toEqual(b.aggregation_data);
  });

  test('bad values are 422 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['summary_type=hourly', 'summary_type'],
      ['timezone_offset=5.1', 'timezone_offset'],
      ['timezone_offset=abc', 'timezone_offset'],
      ['timezone_offset=20', 'timezone_offset'],
      ['date=2026-02-30', 'date'],
      ['date=yesterday', 'date'],
      ['page=0', 'page'],
      ['page_size=1001', 'page_size'],
      ['sort=x', 'sort'],
      ['environment=staging', 'environment'],
    ];
    for (const [q, field] of cases) {
      const r = await t.call('GET', `/api/users/?${q}`, { key });
      expect([q, r.status]).toEqual([q, 422]);
      const body = await json(r);
      expect(body.detail).toBe('Validation error');
      expect(Object.keys(body.errors)).toEqual([field]);
    }
  });

  test('the key environment scopes customers; environment=test reads the other one', async () => {
    await t.writer.write([span({ org_id: orgId, environment: 'test', customer_identifier: 'tess' })]);
    const prod = await json(await t.call('GET', '/api/users/?page_size=100', { key }));
    expect(prod.results.map((r: Json) => r.customer_identifier)).not.toContain('tess');
    const test = await json(await t.call('GET', '/api/users/?environment=test', { key }));
    expect(test.results.map((r: Json) => r.customer_identifier)).toEqual(['tess']);
    const none = await json(await t.call('GET', '/api/users/', { key: await t.key('other-org') }));
    expect(none.count).toBe(0);
  });
});
