/**
 * The customer gate: each budget duration, rolling periods from period_start,
 * period_end, total budget, markup, rate limit, and concurrent admits.
 * Committed usage comes from spans written through the real span writer.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { BudgetExceededError, RateLimitError } from '../../../src/errors.ts';
import { errorResponse } from '../../../src/http/errors.ts';
import { estimateCost } from '../../../src/modules/customers/estimate.ts';
import type { AdmitRequest } from '../../../src/modules/customers/gate.ts';
import { Tokenizer } from '../../../src/pricing/tokenizer.ts';
import type { CustomerParams } from '../../../src/schemas/customer.ts';
import { makeTestApp, type TestApp } from '../../helpers/app.ts';
import { STATE_FOLLOWS_CLOCK } from '../../helpers/backend.ts';
import { span } from '../../helpers/spans.ts';

let t: TestApp;
let orgId: string;
const NOW = Date.parse('2026-06-15T12:00:00Z'); // a Monday

beforeEach(async () => {
  t = await makeTestApp();
  await t.key('acme');
  orgId = (await t.store.orgs.getByName('acme'))?.id ?? '';
});
afterEach(() => t.close());

function req(customer: CustomerParams, estimatedCost: number, now = NOW): AdmitRequest {
  return { orgId, environment: 'prod', customer, estimateCost: async () => estimatedCost, now };
}

/** Committed usage: spans of `cost` USD at the given instants. */
async function spent(customer: string, cost: number, ...at: string[]) {
  await t.writer.write(at.map((ts) => span({ org_id: orgId, customer_identifier: customer, cost, timestamp: Date.parse(ts) })));
}

async function refusal(p: Promise<unknown>): Promise<BudgetExceededError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BudgetExceededError);
  return err as BudgetExceededError;
}

describe('period budgets per budget_duration (UTC calendar periods, weeks from Monday)', () => {
  const cases = [
    { duration: 'daily', outside: '2026-06-14T23:59:00Z', inside: '2026-06-15T00:01:00Z' },
    { duration: 'weekly', outside: '2026-06-14T23:00:00Z', inside: '2026-06-15T00:30:00Z' },
    { duration: 'monthly', outside: '2026-05-31T23:00:00Z', inside: '2026-06-01T00:10:00Z' },
    { duration: 'yearly', outside: '2025-12-31T23:00:00Z', inside: '2026-01-01T00:10:00Z' },
  ] as const;
  for (const c of cases) {
    test(c.duration, async () => {
      const customer = { customer_identifier: `c-${c.duration}`, period_budget: 1, budget_duration: c.duration };
      await spent(customer.customer_identifier, 0.5, c.outside, c.outside);
      await spent(customer.customer_identifier, 0.45, c.inside, c.inside);
      // 0.9 used in the period: 0.1 fits, 0.11 does not.
      const a = await t.gate.admit(req(customer, 0.1));
      expect(a.limitInfo).toMatchObject({ allowed: true, period_budget: 1, period_usage: 0.9, budget_duration: c.duration });
      await a.release();
      const err = await refusal(t.gate.admit(req(customer, 0.11)));
      expect(err.budget).toBe('period_budget');
      expect(err.limit).toBe(1);
      expect(err.used).toBeCloseTo(0.9, 10);
    });
  }

  test('monthly is the default duration', async () => {
    const customer = { customer_identifier: 'm', period_budget: 1 };
    await spent('m', 0.6, '2026-05-20T10:00:00Z', '2026-06-02T10:00:00Z');
    const a = await t.gate.admit(req(customer, 0.4));
    expect(a.limitInfo).toMatchObject({ budget_duration: 'monthly', period_start: '2026-06-01T00:00:00.000Z', period_end: '2026-07-01T00:00:00.000Z' });
  });

  test('periods roll from period_start; monthly ones keep its day of month', async () => {
    const customer = { customer_identifier: 'r', period_budget: 1, budget_duration: 'monthly' as const, period_start: '2026-01-10' };
    await spent('r', 0.7, '2026-06-09T23:00:00Z', '2026-06-10T01:00:00Z');
    const a = await t.gate.admit(req(customer, 0.3));
    expect(a.limitInfo).toMatchObject({ period_start: '2026-06-10T00:00:00.000Z', period_end: '2026-07-10T00:00:00.000Z', period_usage: 0.7 });
    await a.release();
    await refusal(t.gate.admit(req(customer, 0.31)));
    const weekly = { customer_identifier: 'r', period_budget: 1, budget_duration: 'weekly' as const, period_start: '2026-06-03' };
    // 2026-06-03 + 14 days = 06-17 > now, so the period is 06-10 .. 06-17.
    const w = await t.gate.admit(req(weekly, 0.3));
    expect(w.limitInfo).toMatchObject({ period_start: '2026-06-10T00:00:00.000Z', period_end: '2026-06-17T00:00:00.000Z' });
  });

  test('after period_end the period budget is no longer enforced; the total budget still is', async () => {
    await spent('e', 5, '2026-06-15T01:00:00Z');
    const ended = { customer_identifier: 'e', period_budget: 1, period_end: '2026-06-14' };
    const a = await t.gate.admit(req(ended, 1));
    expect(a.limitInfo).toMatchObject({ allowed: true, period_state: 'ended' });
    const err = await refusal(t.gate.admit(req({ ...ended, total_budget: 5 }, 0.01)));
    expect(err.budget).toBe('total_budget');
  });
});

describe('total budget and markup', () => {
  test('total_budget counts all time', async () => {
    await spent('tot', 1, '2024-01-01T00:00:00Z', '2025-06-01T00:00:00Z', '2026-06-15T11:00:00Z');
    const customer = { customer_identifier: 'tot', total_budget: 3 };
    const err = await refusal(t.gate.admit(req(customer, 0)));
    expect([err.budget, err.limit, err.used]).toEqual(['total_budget', 3, 3]);
    const body = await errorResponse(err, 'openai').json();
    expect(body).toMatchObject({ budget: 'total_budget', limit: 3, used: 3, customer_identifier: 'tot' });
    expect(errorResponse(err, 'detail').status).toBe(402);
    expect(err.limitInfo).toMatchObject({ allowed: false, reason: 'total_budget' });
    const ok = await t.gate.admit(req({ ...customer, total_budget: 3.5 }, 0.5));
    expect(ok.limitInfo).toMatchObject({ allowed: true, total_usage: 3 });
  });

  test('markup_percentage raises both committed usage and the estimate', async () => {
    // markup 100: the 0.3 USD span bills 0.6; the 0.2 estimate reserves 0.4.
    await t.writer.write([
      span({ org_id: orgId, customer_identifier: 'mk', cost: 0.3, timestamp: NOW - 1000,
        extra: { customer_params: { customer_identifier: 'mk', markup_percentage: 100 } } }),
    ]);
    const customer = { customer_identifier: 'mk', period_budget: 1 };
    const a = await t.gate.admit(req(customer, 0.2));
    expect(a.limitInfo).toMatchObject({ period_usage: 0.6, estimated_cost: 0.4, markup_percentage: 100 });
    const err = await refusal(t.gate.admit(req(customer, 0.0001)));
    expect(err.used).toBeCloseTo(1, 10);
    await a.release();
    // Without markup the estimate is 0.2; history keeps the markup it was billed with (0.6).
    const plain = await t.gate.admit(req({ ...customer, markup_percentage: null }, 0.2));
    expect(plain.limitInfo).toMatchObject({ allowed: true, estimated_cost: 0.2 });
  });

  test('a customer with no budgets is admitted without a reservation', async () => {
    const a = await t.gate.admit(req({ customer_identifier: 'free' }, 1000));
    expect(a.limitInfo).toEqual({ customer_identifier: 'free', allowed: true });
  });

  test('the request own customer_params set the budget; stored ones apply when it sets none', async () => {
    await t.writer.write([span({ org_id: orgId, customer_identifier: 'st', extra: { customer_params: { customer_identifier: 'st', period_budget: 0.5 } } })]);
    await refusal(t.gate.admit(req({ customer_identifier: 'st' }, 0.6)));
    const a = await t.gate.admit(req({ customer_identifier: 'st', period_budget: 1 }, 0.6));
    expect(a.limitInfo).toMatchObject({ allowed: true, period_budget: 1 });
  });
});

describe('rate limit', () => {
  test('rate_limit requests per minute, then 429 with retry_after', async () => {
    // Redis counts on its own clock: hits on both sides of a minute's end weigh the earlier
    // ones by what is left of their window, which lets a 4th through. Start clear of the end.
    if (!STATE_FOLLOWS_CLOCK) {
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 55_000) await Bun.sleep(60_000 - intoMinute + 200);
    }
    const customer = { customer_identifier: 'rl', rate_limit: 3 };
    for (let i = 0; i < 3; i++) await t.gate.admit(req(customer, 0));
    const err = await t.gate.admit(req(customer, 0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    const r = err as RateLimitError;
    expect(r.retryAfterSeconds).toBeGreaterThan(0);
    expect(r.limitInfo).toMatchObject({ allowed: false, reason: 'rate_limit', rate_limit: 3 });
    const res = errorResponse(r, 'detail');
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ detail: 'Rate limit exceeded', retry_after: r.retryAfterSeconds });
    // Another customer is not affected.
    await t.gate.admit(req({ customer_identifier: 'other', rate_limit: 3 }, 0));
  }, 15_000);

  // Redis keeps rate windows on its own clock, which the test cannot move.
  test.skipIf(!STATE_FOLLOWS_CLOCK)('the next minute has room again', async () => {
    const customer = { customer_identifier: 'rl-next', rate_limit: 1 };
    await t.gate.admit(req(customer, 0));
    expect(await t.gate.admit(req(customer, 0)).catch((e: unknown) => e)).toBeInstanceOf(RateLimitError);
    t.clock.now = NOW + 120_000;
    await t.gate.admit(req(customer, 0, NOW + 120_000));
  });
});

describe('concurrency: reserve, settle, commit', () => {
  test('50 parallel calls with room for 10 admit exactly 10', async () => {
    const customer = { customer_identifier: 'burst', period_budget: 1 };
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => t.gate.admit(req(customer, 0.1))));
    const admitted = results.filter((r) => r.status === 'fulfilled');
    expect(admitted).toHaveLength(10);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(BudgetExceededError);
  });

  test('settled costs stay reserved until their span commits, then count once', async () => {
    const customer = { customer_identifier: 'flow', period_budget: 1 };
    const admissions = await Promise.all(Array.from({ length: 10 }, () => t.gate.admit(req(customer, 0.1))));
    await refusal(t.gate.admit(req(customer, 0.1)));
    // The calls cost half their estimate: 0.5 is free again.
    await Promise.all(admissions.map((a) => a.settle(0.05)));
    const more = await Promise.allSettled(Array.from({ length: 10 }, () => t.gate.admit(req(customer, 0.1))));
    expect(more.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const r of more) if (r.status === 'fulfilled') await r.value.release();
    // The first ten spans commit: their reservations become committed usage (not counted twice).
    await t.writer.write(
      admissions.map((a) => span({ org_id: orgId, customer_identifier: 'flow', cost: 0.05, timestamp: NOW, extra: { limit_info: a.limitInfo } })),
    );
    const after = await Promise.allSettled(Array.from({ length: 10 }, () => t.gate.admit(req(customer, 0.1))));
    expect(after.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const last = await refusal(t.gate.admit(req(customer, 0.1)));
    expect(last.used).toBeCloseTo(1, 10);
  });

  test('release frees the reservation at once', async () => {
    const customer = { customer_identifier: 'rel', period_budget: 1 };
    const a = await t.gate.admit(req(customer, 1));
    await refusal(t.gate.admit(req(customer, 0.5)));
    await a.release();
    (await t.gate.admit(req(customer, 1))).release();
  });
});

describe('estimateCost', () => {
  test('prompt tokens by the tokenizer, completion from max_tokens, priced per 1M tokens', async () => {
    const model = { model_name: 'gpt-4o', input_cost: 2.5, output_cost: 10, cache_hit_input_cost: null, cache_creation_input_cost: null };
    const messages = [{ role: 'user' as const, content: 'Say this is a test' }];
    // OpenAI reports 12 prompt tokens for this conversation (see the tokenizer tests).
    expect(await estimateCost(messages, 100, model, new Tokenizer())).toBeCloseTo((12 * 2.5 + 100 * 10) / 1e6, 12);
    expect(await estimateCost(messages, undefined, model, new Tokenizer())).toBeCloseTo((12 * 2.5 + 1024 * 10) / 1e6, 12);
  });
});
