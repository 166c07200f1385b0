import { describe, expect, test } from 'bun:test';
import { MissingCredentialsError, ModelNotFoundError, ValidationError } from '../../src/errors.ts';
import { ModelRegistry } from '../../src/pricing/registry.ts';
import { type PlanContext, type RoutingParams, planAttempts } from '../../src/routing/plan.ts';
import { seededRandom } from '../../src/lib/random.ts';

const registry = new ModelRegistry({ now: new Date('2026-06-15T00:00:00Z') });
const KEYLESS = new Set(['mock', 'ollama']);

function ctx(over: Partial<PlanContext> = {}): PlanContext {
  return {
    registry,
    providers: {
      openai: { api_key: 'sk-config-openai' },
      anthropic: { api_key: 'sk-config-anthropic' },
      azure: { api_key: 'az-config', api_base: 'https://cfg.openai.azure.com', api_version: '2024-10-21', deployments: { 'gpt-4o': 'cfg-gpt4o' } },
      gemini: { api_key: 'g-config' },
      mistral: { api_key: 'm-config' },
    },
    groups: {
      chat: { models: [{ model: 'mock/a', weight: 1 }, { model: 'mock/b', weight: 1, credentials: { api_key: 'group-key' } }] },
    },
    random: seededRandom(3),
    keyless: (p) => KEYLESS.has(p),
    ...over,
  };
}

const models = (p: RoutingParams, c = ctx()) => planAttempts(p, c).map((a) => a.model);

describe('planAttempts: which models, in which order', () => {
  test('model, then models as fallbacks, then fallback_models; duplicates once', () => {
    expect(models({ model: 'gpt-4o-mini', models: ['mock/x'], fallback_models: ['gemini/gemini-pro', 'mock/x', 'gpt-4o'] })).toEqual([
      'gpt-4o-mini',
      'mock/x',
      'gemini/gemini-pro',
      'gpt-4o',
    ]);
  });

  test('provider and upstream name from the registry', () => {
    const [a, b, c] = planAttempts({ model: 'gpt-4o-mini', fallback_models: ['azure/gpt-4o', 'mistral/mistral-small'] }, ctx());
    expect([a!.provider, a!.upstreamModel]).toEqual(['openai', 'gpt-4o-mini']);
    expect([b!.provider, b!.upstreamModel]).toEqual(['azure', 'gpt-4o']);
    expect([c!.provider, c!.upstreamModel]).toEqual(['mistral', 'mistral-small']);
    expect(a!.source).toBe('model');
    expect(c!.source).toBe('fallback');
  });

  test('disable_fallback keeps only the first', () => {
    expect(models({ model: 'mock/a', fallback_models: ['mock/b'], disable_fallback: true })).toEqual(['mock/a']);
  });

  test('loadbalance_models (deprecated) overrides model', () => {
    const got = models({ model: 'gpt-4o', loadbalance_models: [{ model: 'mock/a', weight: 1 }] });
    expect(got).toEqual(['mock/a']);
  });

  test('model wins over load_balance_group', () => {
    expect(models({ model: 'mock/z', load_balance_group: { group_id: 'chat' } })).toEqual(['mock/z']);
  });

  test('configured group: every member once, then fallbacks', () => {
    const got = models({ load_balance_group: { group_id: 'chat' }, fallback_models: ['mock/f'] });
    expect(got.slice(0, 2).sort()).toEqual(['mock/a', 'mock/b']);
    expect(got[2]).toBe('mock/f');
  });

  test('inline group models override the configured group', () => {
    expect(models({ load_balance_group: { group_id: 'chat', models: [{ model: 'mock/inline', weight: 2 }] } })).toEqual([
      'mock/inline',
    ]);
  });

  test('unknown group id is a 422 naming the field', () => {
    try {
      planAttempts({ load_balance_group: { group_id: 'nope' } }, ctx());
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).errors['load_balance_group.group_id']?.[0]).toContain('nope');
    }
  });

  test('router: models minus exclude_models and exclude_providers; fallbacks are not excluded', () => {
    const got = models({
      models: ['gpt-4o-mini', 'anthropic/claude-3-5-haiku-20241022', 'mock/a', 'mock/b'],
      exclude_models: ['mock/a'],
      exclude_providers: ['anthropic'],
      fallback_models: ['anthropic/claude-3-5-haiku-20241022'],
    });
    expect(got).toEqual(['gpt-4o-mini', 'mock/b', 'anthropic/claude-3-5-haiku-20241022']);
  });

  test('everything excluded, or nothing given, is a 422', () => {
    expect(() => planAttempts({ models: ['mock/a'], exclude_models: ['mock/a'] }, ctx())).toThrow(ValidationError);
    expect(() => planAttempts({}, ctx())).toThrow(ValidationError);
  });

  test('an unknown model becomes an attempt carrying the 404', () => {
    const [a] = planAttempts({ model: 'no-such-model-xyz' }, ctx());
    expect(a!.error).toBeInstanceOf(ModelNotFoundError);
    expect(a!.error!.message).toContain('no-such-model-xyz');
  });
});

describe('planAttempts: credentials, most specific first', () => {
  const one = (p: RoutingParams, c = ctx()) => planAttempts(p, c)[0]!;

  test('configured provider key when the request gives none', () => {
    const a = one({ model: 'gpt-4o-mini' });
    expect(a.credentials.api_key).toBe('sk-config-openai');
    expect(a.callerCredentials).toBe(false);
  });

  test('credential_override[model] > customer_credentials[provider] > customer_api_keys[model] > configured', () => {
    const base: RoutingParams = { model: 'gpt-4o-mini' };
    expect(one({ ...base, customer_api_keys: { 'gpt-4o-mini': 'legacy' } }).credentials.api_key).toBe('legacy');
    expect(
      one({ ...base, customer_api_keys: { 'gpt-4o-mini': 'legacy' }, customer_credentials: { openai: { api_key: 'cust' } } })
        .credentials.api_key,
    ).toBe('cust');
    const top = one({
      ...base,
      customer_api_keys: { 'gpt-4o-mini': 'legacy' },
      customer_credentials: { openai: { api_key: 'cust' } },
      credential_override: { 'gpt-4o-mini': { api_key: 'override' } },
    });
    expect(top.credentials.api_key).toBe('override');
    expect(top.callerCredentials).toBe(true);
  });

  test('customer_credentials applies by provider, not to other providers', () => {
    const [a, b] = planAttempts(
      { model: 'gpt-4o-mini', fallback_models: ['anthropic/claude-3-5-haiku-20241022'], customer_credentials: { openai: { api_key: 'cust' } } },
      ctx(),
    );
    expect(a!.credentials.api_key).toBe('cust');
    expect(b!.credentials.api_key).toBe('sk-config-anthropic');
    expect(b!.callerCredentials).toBe(false);
  });

  test("a caller's api_base never gets the configured key: its own, or a missing-key error saying why", () => {
    const own = one({ model: 'gpt-4o-mini', customer_credentials: { openai: { api_base: 'https://mine.test/v1', api_key: 'mine' } } });
    expect(own.credentials).toEqual({ api_base: 'https://mine.test/v1', api_key: 'mine' });
    expect(own).toMatchObject({ callerBase: true, callerCredentials: true, error: null });
    const none = one({ model: 'gpt-4o-mini', credential_override: { 'gpt-4o-mini': { api_base: 'https://mine.test/v1' } } });
    expect(none.credentials.api_key).toBeUndefined();
    expect(none.callerBase).toBe(true);
    expect(none.error).toBeInstanceOf(MissingCredentialsError);
    expect(none.error!.message).toContain("never sent to a caller's api_base");
    const configured = planAttempts({ load_balance_group: { group_id: 'chat' } }, ctx()).find((a) => a.model === 'mock/b')!;
    expect(configured.callerBase).toBe(false);
  });

  test('group entry credentials: caller when inline, config when configured', () => {
    const inline = one({ load_balance_group: { models: [{ model: 'gpt-4o', weight: 1, credentials: { api_key: 'entry' } }] } });
    expect(inline.credentials.api_key).toBe('entry');
    expect(inline.callerCredentials).toBe(true);
    const configured = planAttempts({ load_balance_group: { group_id: 'chat' } }, ctx()).find((a) => a.model === 'mock/b')!;
    expect(configured.credentials.api_key).toBe('group-key');
    expect(configured.callerCredentials).toBe(false);
  });

  test('fields merge: an override key keeps the configured Azure base and version', () => {
    const a = one({ model: 'azure/gpt-4o', credential_override: { 'azure/gpt-4o': { api_key: 'mine' } } });
    expect(a.credentials).toEqual({
      api_key: 'mine',
      api_base: 'https://cfg.openai.azure.com',
      api_version: '2024-10-21',
      deployment: 'cfg-gpt4o',
    });
  });

  test('model_name_map picks the Azure deployment over the configured one', () => {
    const a = one({ model: 'azure/gpt-4o', model_name_map: { 'azure/gpt-4o': 'azure/my-deploy' } });
    expect(a.credentials.deployment).toBe('my-deploy');
  });

  test('a missing key is a clear error on the attempt, never the key itself', () => {
    const a = one({ model: 'deepseek/deepseek-chat' });
    expect(a.error).toBeInstanceOf(MissingCredentialsError);
    expect(a.error!.status).toBe(400);
    expect(a.error!.message).toContain('deepseek');
    expect(one({ model: 'mock/echo' }).error).toBeNull();
  });

  test('keys never appear in error messages', () => {
    const plan = planAttempts(
      { model: 'no-such-model', fallback_models: ['deepseek/deepseek-chat'], credential_override: { 'no-such-model': { api_key: 'sk-secret-123' } } },
      ctx(),
    );
    for (const a of plan) expect(a.error?.message ?? '').not.toContain('sk-secret-123');
  });
});
