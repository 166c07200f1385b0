/**
 * Cost of one call in USD, per the reference:
 *   ((prompt - cached - cache_creation) * input + cached * cache_read
 *     + cache_creation * cache_write + completion * output) / 1e6
 * with every rate in USD per 1M tokens.
 */
import type { ModelPrices } from './model.ts';

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  /** Prompt tokens read from the provider's prompt cache (part of prompt_tokens). */
  cached_tokens?: number;
  /** Prompt tokens written to the prompt cache (Anthropic; part of prompt_tokens). */
  cache_creation_tokens?: number;
}

/** Caller-supplied prices (seed 003), USD per 1M tokens; they win over the model's. */
export interface PriceOverrides {
  prompt_unit_price?: number | null;
  completion_unit_price?: number | null;
}

export type CostPrices = Pick<
  ModelPrices,
  'input_cost' | 'output_cost' | 'cache_hit_input_cost' | 'cache_creation_input_cost'
>;

/** Rounds away float noise (0.1 + 0.2 style) while keeping sub-micro-dollar costs exact. */
export function roundCost(usd: number): number {
  return usd === 0 ? 0 : Number(usd.toPrecision(12));
}

function count(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : 0;
}

function price(n: number | null | undefined): number | null {
  return n !== undefined && n !== null && Number.isFinite(n) && n >= 0 ? n : null;
}

/**
 * USD cost of a call. Unknown input/output rates count as 0 (the caller
 * records a warning; see ModelInfo.price_source). `prompt_unit_price`
 * replaces the input rate and, when the model has no cache rates of its own,
 * the cache rates too, since those fall back to the input rate.
 */
export function computeCost(usage: TokenUsage, prices: CostPrices, overrides?: PriceOverrides): number {
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  let cached = count(usage.cached_tokens);
  let creation = count(usage.cache_creation_tokens);
  // Cached and cache-creation tokens are parts of the prompt. A client (or a
  // provider that reports them separately) may send more of them than prompt
  // tokens; then we trust the cache counts, shrink them to fit in that order,
  // and charge no uncached input, so the uncached part is never negative.
  if (cached > prompt) cached = prompt;
  if (cached + creation > prompt) creation = prompt - cached;
  const uncached = prompt - cached - creation;

  const promptUnit = price(overrides?.prompt_unit_price);
  const input = promptUnit ?? price(prices.input_cost) ?? 0;
  const output = price(overrides?.completion_unit_price) ?? price(prices.output_cost) ?? 0;
  const cacheRead = price(prices.cache_hit_input_cost) ?? input;
  const cacheWrite = price(prices.cache_creation_input_cost) ?? input;

  const usd = (uncached * input + cached * cacheRead + creation * cacheWrite + completion * output) / 1e6;
  return roundCost(usd);
}

/**
 * A customer's markup: 20 means cost x 1.2. A negative markup is a discount
 * (-25 means x 0.75), floored at free; null/undefined means none.
 */
export function applyMarkup(cost: number, markupPercentage: number | null | undefined): number {
  if (markupPercentage === null || markupPercentage === undefined || !Number.isFinite(markupPercentage)) {
    return cost;
  }
  return roundCost(cost * Math.max(0, 1 + markupPercentage / 100));
}
