import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { ModelNotFoundError, ValidationError } from '../../src/errors.ts';
import { PublicModelsResponse } from '../../src/pricing/model.ts';
import { MOCK_PRICES, ModelRegistry } from '../../src/pricing/registry.ts';

// One registry for the read-only cases; price data as of a fixed date so
// dated price changes in the package data do not move the expectations.
const registry = new ModelRegistry({ now: new Date('2026-10-01T00:00:00Z') });

function must(name: string) {
  const info = registry.resolve(name);
  if (!info) throw new Error(`${name} did not resolve`);
  return info;
}

describe('bare names resolve to their maker', () => {
  test.each([
    ['gpt-4o-mini', 'openai'],
    ['o3', 'openai'],
    ['text-embedding-3-small', 'openai'],
    ['claude-3-5-sonnet-20240620', 'anthropic'],
    ['claude-sonnet-4-5', 'anthropic'],
    ['gemini-1.5-pro', 'gemini'],
    ['mistral-small', 'mistral'],
    ['deepseek-chat', 'deepseek'],
    ['grok-3', 'xai'],
    ['llama-3.1-8b-instant', 'groq'],
  ])('%s -> %s', (name, provider) => {
    const info = must(name);
    expect(info.provider_id).toBe(provider);
    expect(info.model_name).toBe(name);
    expect(info.upstream_model).toBe(name);
    expect(info.price_source).toBe('catalog');
    expect(info.input_cost).toBeGreaterThan(0);
  });

  test('gpt-4o-mini carries its prices and context window', () => {
    expect(must('gpt-4o-mini')).toEqual({
      model_name: 'gpt-4o-mini',
      provider_id: 'openai',
      provider_name: 'OpenAI',
      upstream_model: 'gpt-4o-mini',
      max_context_window: 128000,
      input_cost: 0.15,
      output_cost: 0.6,
      cache_hit_input_cost: 0.075,
      cache_creation_input_cost: null,
      price_source: 'catalog',
    });
  });

  test('anthropic models have cache write and read rates', () => {
    const info = must('claude-3-5-sonnet-20240620');
    expect([info.input_cost, info.output_cost, info.cache_hit_input_cost, info.cache_creation_input_cost]).toEqual([
      3, 15, 0.3, 3.75,
    ]);
    expect(info.max_context_window).toBe(200000);
  });
});

describe('provider/model selects the provider', () => {
  test.each([
    ['openai/gpt-4o', 'openai', 'gpt-4o'],
    ['azure/gpt-4o', 'azure', 'gpt-4o'],
    ['anthropic/claude-3-5-sonnet-20240620', 'anthropic', 'claude-3-5-sonnet-20240620'],
    ['gemini/gemini-pro', 'gemini', 'gemini-pro'],
    ['mistral/mistral-small', 'mistral', 'mistral-small'],
    ['groq/llama-3.1-8b-instant', 'groq', 'llama-3.1-8b-instant'],
    ['deepseek/deepseek-chat', 'deepseek', 'deepseek-chat'],
    ['xai/grok-3', 'xai', 'grok-3'],
    ['openrouter/openai/gpt-4o', 'openrouter', 'openai/gpt-4o'],
    ['together/meta-llama/Llama-3-70b-chat-hf', 'together', 'meta-llama/Llama-3-70b-chat-hf'],
    ['fireworks/deepseek-r1-0528', 'fireworks', 'deepseek-r1-0528'],
  ])('%s', (name, provider, upstream) => {
    const info = must(name);
    expect(info.provider_id).toBe(provider);
    expect(info.upstream_model).toBe(upstream);
    expect(info.model_name).toBe(name);
    expect(info.price_source).toBe('catalog');
    expect(info.input_cost).toBeGreaterThan(0);
  });

  test('an azure/ model is priced as the OpenAI model of that name', () => {
    const azure = must('azure/gpt-4o-mini');
    const openai = must('gpt-4o-mini');
    expect(azure.provider_name).toBe('Azure OpenAI');
    expect([azure.input_cost, azure.output_cost, azure.max_context_window]).toEqual([
      openai.input_cost,
      openai.output_cost,
      openai.max_context_window,
    ]);
  });

  test('the provider prefix is case-insensitive, the upstream name is kept as sent', () => {
    const info = must('OpenAI/GPT-4o');
    expect(info.provider_id).toBe('openai');
    expect(info.upstream_model).toBe('GPT-4o');
    expect(info.input_cost).toBe(2.5);
  });

  test('a known provider with a model the data lacks resolves without prices', () => {
    const info = must('openai/gpt-from-the-future');
    expect(info).toMatchObject({
      provider_id: 'openai',
      upstream_model: 'gpt-from-the-future',
      input_cost: null,
      output_cost: null,
      cache_hit_input_cost: null,
      cache_creation_input_cost: null,
      max_context_window: null,
      price_source: 'unknown',
    });
  });

  test('local providers resolve any model at zero cost', () => {
    for (const p of ['ollama', 'vllm', 'llamacpp']) {
      const info = must(`${p}/llama3.1:8b`);
      expect(info.provider_id).toBe(p);
      expect(info.upstream_model).toBe('llama3.1:8b');
      expect([info.input_cost, info.output_cost, info.price_source]).toEqual([0, 0, 'local']);
    }
  });

  test('mock/* resolves to the mock provider at the documented prices', () => {
    const info = must('mock/fail-once');
    expect(info).toMatchObject({ provider_id: 'mock', upstream_model: 'fail-once', ...MOCK_PRICES });
    expect(MOCK_PRICES).toEqual({
      input_cost: 1,
      output_cost: 2,
      cache_hit_input_cost: 0.5,
      cache_creation_input_cost: 1.25,
    });
  });
});

describe('unknown names', () => {
  test.each(['no-such-model', 'madeup/gpt-4o', 'openai/', 'mock/', ''])('%p does not resolve', (name) => {
    expect(registry.resolve(name)).toBeNull();
  });

  test('require throws the 404 ModelNotFoundError', () => {
    expect(() => registry.require('no-such-model')).toThrow(ModelNotFoundError);
    try {
      registry.require('no-such-model');
    } catch (e) {
      expect(e instanceof ModelNotFoundError && e.status).toBe(404);
    }
  });

  test('misses are cached and stay misses; a tiny LRU still answers correctly', () => {
    const small = new ModelRegistry({ cacheSize: 2 });
    for (let i = 0; i < 3; i++) {
      expect(small.resolve('no-such-model')).toBeNull();
      expect(small.resolve('gpt-4o-mini')?.provider_id).toBe('openai');
      expect(small.resolve('mock/a')?.provider_id).toBe('mock');
    }
  });
});

describe('dated prices', () => {
  test('the price in force at `now` is used', () => {
    const before = new ModelRegistry({ now: new Date('2025-01-01T00:00:00Z') });
    expect(before.resolve('o3')?.input_cost).toBe(10);
    expect(registry.resolve('o3')?.input_cost).toBe(2);
  });
});

describe('config models and per-organization overlays', () => {
  const withConfig = new ModelRegistry({
    configModels: [
      { model_name: 'house-model', provider_id: 'vllm', base_model_name: 'Qwen/Qwen2.5-7B', input_cost: 0.5, output_cost: 1 },
      { model_name: 'gpt-4o', provider_id: 'azure', base_model_name: 'my-gpt4o-deployment', input_cost: 2, output_cost: 8 },
    ],
  });

  test('a config model resolves with its provider, upstream name and prices', () => {
    expect(withConfig.resolve('house-model')).toMatchObject({
      provider_id: 'vllm',
      upstream_model: 'Qwen/Qwen2.5-7B',
      input_cost: 0.5,
      output_cost: 1,
      price_source: 'config',
    });
  });

  test('a config model shadows the built-in name', () => {
    expect(withConfig.resolve('gpt-4o')).toMatchObject({ provider_id: 'azure', input_cost: 2, output_cost: 8 });
    expect(registry.resolve('gpt-4o')).toMatchObject({ provider_id: 'openai', input_cost: 2.5 });
  });

  test('an organization overlay wins over config and built-ins, and only where passed', () => {
    const org = withConfig.overlay([
      { model_name: 'gpt-4o', provider_id: 'openai', input_cost: 1, output_cost: 4 },
      { model_name: 'my-ft', provider_id: 'openai', base_model_name: 'gpt-4o-mini', input_cost: 0.3 },
    ]);
    expect(withConfig.resolve('gpt-4o', org)).toMatchObject({ provider_id: 'openai', input_cost: 1, output_cost: 4 });
    // Fields left out come from the base model's built-in prices.
    expect(withConfig.resolve('my-ft', org)).toMatchObject({
      provider_id: 'openai',
      upstream_model: 'gpt-4o-mini',
      input_cost: 0.3,
      output_cost: 0.6,
      cache_hit_input_cost: 0.075,
      max_context_window: 128000,
      price_source: 'custom',
    });
    expect(withConfig.resolve('my-ft')).toBeNull();
    expect(withConfig.resolve('gpt-4o')).toMatchObject({ provider_id: 'azure' });
  });

  test('an unknown provider id is a validation error', () => {
    expect(() => registry.overlay([{ model_name: 'x', provider_id: 'nope' }])).toThrow(ValidationError);
  });
});

describe('GET /api/models/public list', () => {
  const body = registry.publicModels();

  test('matches the wire schema and lists the big providers', () => {
    expect(Value.Check(PublicModelsResponse, body)).toBe(true);
    const mini = body.models.find((m) => m.model_name === 'gpt-4o-mini');
    expect(mini).toEqual({
      model_name: 'gpt-4o-mini',
      max_context_window: 128000,
      input_cost: 0.15,
      output_cost: 0.6,
      provider: { provider_name: 'OpenAI', provider_id: 'openai' },
    });
    const providers = new Set(body.models.map((m) => m.provider.provider_id));
    for (const p of ['openai', 'anthropic', 'gemini', 'mistral', 'groq', 'deepseek', 'xai']) {
      expect(providers.has(p)).toBe(true);
    }
  });

  test('every listed name resolves back to the listed provider', () => {
    for (const m of body.models) {
      expect(registry.resolve(m.model_name)?.provider_id).toBe(m.provider.provider_id);
    }
  });

  test('overlay models are listed, replacing same-named entries', () => {
    const org = registry.overlay([{ model_name: 'gpt-4o-mini', provider_id: 'openai', input_cost: 9 }]);
    const listed = registry.publicModels(org).models.filter((m) => m.model_name === 'gpt-4o-mini');
    expect(listed).toHaveLength(1);
    expect(listed[0]?.input_cost).toBe(9);
  });
});

describe('providers declared in the config file', () => {
  const reg = new ModelRegistry({
    configProviders: ['inhouse'],
    configModels: [{ model_name: 'house-model', provider_id: 'inhouse', input_cost: 3, output_cost: 4 }],
  });

  test('config models may name them, with their own prices', () => {
    expect(reg.resolve('house-model')).toMatchObject({ provider_id: 'inhouse', upstream_model: 'house-model', input_cost: 3, output_cost: 4 });
  });

  test('provider/model resolves to them, unpriced', () => {
    expect(reg.resolve('inhouse/llama-3-8b')).toMatchObject({ provider_id: 'inhouse', upstream_model: 'llama-3-8b', input_cost: null, price_source: 'unknown' });
  });

  test('custom models may name them; an undeclared provider is still a 422', () => {
    expect(reg.overlay([{ model_name: 'x', provider_id: 'inhouse', input_cost: 1, output_cost: 1 }]).models.get('x')?.provider_id).toBe('inhouse');
    expect(() => reg.overlay([{ model_name: 'y', provider_id: 'elsewhere', input_cost: 1, output_cost: 1 }])).toThrow(ValidationError);
  });
});
