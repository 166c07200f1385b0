/**
 * A listening gateway whose providers are the real adapters talking to the
 * wire fakes (test/providers/fakes/): an OpenAI-kind upstream (chat and
 * Responses), Anthropic and Gemini. One model per upstream, with the tokens
 * each fake reports, so tests can check spans and costs exactly.
 */
import { expect } from 'bun:test';
import { computeCost } from '../../../src/pricing/cost.ts';
import { ModelRegistry } from '../../../src/pricing/registry.ts';
import type { SpanRecord } from '../../../src/store/types.ts';
import { makeTestApp, type TestApp } from '../../helpers/app.ts';
import { startAnthropicFake } from '../../providers/fakes/anthropic.ts';
import { API_KEY, type FakeServer } from '../../providers/fakes/common.ts';
import { startGeminiFake } from '../../providers/fakes/gemini.ts';
import { startOpenAIFake } from '../../providers/fakes/openai.ts';

export interface Tokens {
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
}

export interface Upstream {
  name: 'openai' | 'anthropic' | 'gemini';
  model: string;
  /** What the fake's usage becomes in the span. */
  tokens: Tokens;
}

export const UPSTREAMS: Upstream[] = [
  { name: 'openai', model: 'gpt-4o-mini', tokens: { prompt: 12, completion: 5, cached: 4, reasoning: 2 } },
  // Anthropic: input 10 + cache read 5 + cache write 3; Gemini: candidates 5 + thoughts 3.
  { name: 'anthropic', model: 'anthropic/claude-3-5-haiku-20241022', tokens: { prompt: 18, completion: 6, cached: 5, reasoning: 0 } },
  { name: 'gemini', model: 'gemini/gemini-2.0-flash', tokens: { prompt: 10, completion: 8, cached: 4, reasoning: 3 } },
];

export interface Gateway {
  t: TestApp;
  key: string;
  base: string;
  fakes: Record<Upstream['name'], FakeServer>;
  close(): Promise<void>;
}

export async function upstreamGateway(): Promise<Gateway> {
  const fakes = { openai: startOpenAIFake(), anthropic: startAnthropicFake(), gemini: startGeminiFake() };
  const t = await makeTestApp({
    providers: {
      openai: { api_key: API_KEY, api_base: `${fakes.openai.url}/v1` },
      anthropic: { api_key: API_KEY, api_base: fakes.anthropic.url },
      gemini: { api_key: API_KEY, api_base: fakes.gemini.url },
    },
  });
  const key = await t.key('acme');
  return {
    t,
    key,
    base: t.listen(),
    fakes,
    async close() {
      await t.close();
      await Promise.all(Object.values(fakes).map((f) => f.stop()));
    },
  };
}

const prices = new ModelRegistry({ configModels: [], configProviders: [] });

/** The span carries the fake's tokens (cached and reasoning too), and the cost the price table makes of them. */
export function expectSpanUsage(s: SpanRecord, up: Upstream): void {
  expect({ prompt: s.prompt_tokens, completion: s.completion_tokens, cached: s.cached_tokens, reasoning: s.reasoning_tokens }).toEqual(up.tokens);
  const info = prices.resolve(s.model ?? '');
  const t = { prompt_tokens: s.prompt_tokens, completion_tokens: s.completion_tokens, cached_tokens: s.cached_tokens, cache_creation_tokens: s.cache_creation_tokens, reasoning_tokens: s.reasoning_tokens };
  expect(info).not.toBeNull();
  expect(s.cost).toBeGreaterThan(0);
  expect(s.cost).toBeCloseTo(computeCost(t, info!), 15);
}
