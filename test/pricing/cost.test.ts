import { describe, expect, test } from 'bun:test';
import { applyMarkup, computeCost, roundCost } from '../../src/pricing/cost.ts';
import { MOCK_PRICES, ModelRegistry } from '../../src/pricing/registry.ts';

const registry = new ModelRegistry({ now: new Date('2026-10-01T00:00:00Z') });
const sonnet = { input_cost: 3, output_cost: 15, cache_hit_input_cost: 0.3, cache_creation_input_cost: 3.75 };
const noCacheRates = { input_cost: 3, output_cost: 15, cache_hit_input_cost: null, cache_creation_input_cost: null };

describe('computeCost', () => {
  test('plain prompt and completion (gpt-4o-mini from the registry)', () => {
    const prices = registry.require('gpt-4o-mini');
    // 1000 * 0.15 + 100 * 0.6 = 210 -> 0.00021 (raw float: 0.00020999999999999998)
    expect(computeCost({ prompt_tokens: 1000, completion_tokens: 100 }, prices)).toBe(0.00021);
  });

  test('cached and cache-creation tokens at mock prices', () => {
    // uncached 700 * 1 + cached 200 * 0.5 + creation 100 * 1.25 + completion 500 * 2
    // = 700 + 100 + 125 + 1000 = 1925 -> 0.001925
    const usage = { prompt_tokens: 1000, completion_tokens: 500, cached_tokens: 200, cache_creation_tokens: 100 };
    expect(computeCost(usage, MOCK_PRICES)).toBe(0.001925);
  });

  test('anthropic cache write (genai-prices README example)', () => {
    // uncached 5 * 3 + creation 4735 * 3.75 + output 255 * 15 = 15 + 17756.25 + 3825 = 21596.25
    const usage = { prompt_tokens: 4740, completion_tokens: 255, cached_tokens: 0, cache_creation_tokens: 4735 };
    expect(computeCost(usage, sonnet)).toBe(0.02159625);
  });

  test('missing cache rates fall back to the input rate', () => {
    // all 1000 prompt tokens at 3, 10 completion at 15 = 3150
    const usage = { prompt_tokens: 1000, completion_tokens: 10, cached_tokens: 400, cache_creation_tokens: 100 };
    expect(computeCost(usage, noCacheRates)).toBe(0.00315);
  });

  test('unit prices override the model rates (seed 003 example values)', () => {
    // (8 + 16) * 0.0042 = 0.1008 -> 1.008e-7
    const usage = { prompt_tokens: 8, completion_tokens: 16 };
    expect(computeCost(usage, sonnet, { prompt_unit_price: 0.0042, completion_unit_price: 0.0042 })).toBe(1.008e-7);
    // only one override: completion at the model's 15
    expect(computeCost(usage, sonnet, { prompt_unit_price: 1 })).toBe(0.000248);
  });

  test('a prompt unit price also prices cache tokens when the model has no cache rates', () => {
    // unknown model: 1000 prompt (300 cached) all at 2, 100 completion at 4 -> 2400
    const usage = { prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 300 };
    const unknown = registry.require('openai/some-self-hosted-fine-tune');
    expect(computeCost(usage, unknown, { prompt_unit_price: 2, completion_unit_price: 4 })).toBe(0.0024);
  });

  test('unknown prices cost 0', () => {
    const unknown = registry.require('openai/some-self-hosted-fine-tune');
    expect(computeCost({ prompt_tokens: 1000, completion_tokens: 1000 }, unknown)).toBe(0);
  });

  test('cached tokens above prompt tokens are clamped, never negative', () => {
    // cached 150 > prompt 100: 100 cached * 0.5 = 50, creation shrinks to 0
    const usage = { prompt_tokens: 100, completion_tokens: 0, cached_tokens: 150, cache_creation_tokens: 30 };
    expect(computeCost(usage, MOCK_PRICES)).toBe(0.00005);
    // cached 80 + creation 30 > 100: creation shrinks to 20 -> 80 * 0.5 + 20 * 1.25 = 65
    expect(computeCost({ ...usage, cached_tokens: 80 }, MOCK_PRICES)).toBe(0.000065);
  });

  test('negative or non-finite counts and prices count as 0', () => {
    const usage = { prompt_tokens: -5, completion_tokens: Number.NaN, cached_tokens: -1 };
    expect(computeCost(usage, MOCK_PRICES)).toBe(0);
    expect(computeCost({ prompt_tokens: 1000, completion_tokens: 0 }, { ...MOCK_PRICES, input_cost: -1 })).toBe(0);
  });

  test('big volumes stay exact to 12 significant digits', () => {
    // 123,456,789 prompt at 2.5 + 98,765 completion at 10 = 308641972.5 + 987650 = 309629622.5
    const usage = { prompt_tokens: 123_456_789, completion_tokens: 98_765 };
    expect(computeCost(usage, registry.require('gpt-4o'))).toBe(309.6296225);
  });
});

describe('roundCost and applyMarkup', () => {
  test('roundCost removes float noise', () => {
    expect(roundCost(0.1 + 0.2)).toBe(0.3);
    expect(roundCost(0)).toBe(0);
  });

  test('markup 20 means x1.2', () => {
    expect(applyMarkup(0.001925, 20)).toBe(0.00231);
    expect(applyMarkup(10, 0)).toBe(10);
    expect(applyMarkup(10, null)).toBe(10);
    expect(applyMarkup(10, undefined)).toBe(10);
  });

  test('a negative markup is a discount, floored at free', () => {
    expect(applyMarkup(10, -25)).toBe(7.5);
    expect(applyMarkup(10, -150)).toBe(0);
  });
});
