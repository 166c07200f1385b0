/**
 * Which provider adapters a gateway has, from its config: every configured
 * provider (kind from the config, else from the id, else OpenAI-compatible),
 * plus every known provider id with no config, so a caller's own credentials
 * (customer_credentials, credential_override) reach providers the gateway
 * itself has no key for. `mock` only when `mock_provider` is on.
 */
import type { Config } from '../config.ts';
import { PROVIDERS } from '../pricing/providers.ts';
import { type ProviderConfig, type ProviderKind, type ProviderRegistry, createProviderRegistry } from '../providers/registry.ts';

const NATIVE_KINDS: Readonly<Record<string, ProviderKind>> = {
  openai: 'openai',
  azure: 'azure',
  anthropic: 'anthropic',
  gemini: 'gemini',
  mock: 'mock',
};

export function kindOf(id: string, configured?: ProviderKind): ProviderKind {
  return configured ?? NATIVE_KINDS[id] ?? 'openai';
}

export function providerConfigs(config: Config): ProviderConfig[] {
  const out = new Map<string, ProviderConfig>();
  for (const id of PROVIDERS.keys()) {
    if (id === 'mock' && !config.mock_provider) continue;
    out.set(id, { id, kind: kindOf(id) });
  }
  for (const [id, p] of Object.entries(config.providers)) {
    if (id === 'mock' && !config.mock_provider) continue;
    const c: ProviderConfig = { id, kind: kindOf(id, p.kind) };
    if (p.api_key) c.api_key = p.api_key;
    if (p.api_base) c.api_base = p.api_base;
    if (p.api_version) c.api_version = p.api_version;
    if (p.responses_api !== undefined) c.responses_api = p.responses_api;
    if (p.mock) c.mock = p.mock;
    out.set(id, c);
  }
  return [...out.values()];
}

export function providersFromConfig(config: Config): ProviderRegistry {
  return createProviderRegistry(providerConfigs(config), { includeMock: config.mock_provider });
}

/** Providers called without an API key: the mock and local servers. */
export function keylessProvider(id: string): boolean {
  const def = PROVIDERS.get(id);
  return def === undefined || id === 'mock' || def.local === true;
}
