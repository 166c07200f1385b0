/**
 * Provider registry: config -> adapters, looked up by provider id. Built per
 * app instance (no module-level singletons); the network is reached only
 * through each call's `ctx.fetch`, so tests inject fetch per call.
 */
import type { ProviderAdapter } from './types.ts';
import { createAnthropicAdapter } from './anthropic/adapter.ts';
import { createAzureAdapter } from './azure/adapter.ts';
import { createGeminiAdapter } from './gemini/adapter.ts';
import { createMockAdapter, type MockOptions } from './mock/adapter.ts';
import { createOpenAIAdapter } from './openai/adapter.ts';

export type ProviderKind = 'openai' | 'azure' | 'anthropic' | 'gemini' | 'mock';

export interface ProviderConfig {
  /** Id used in `provider/model` names; for kind openai a preset id (groq, ollama, ...) sets the default base URL. */
  id: string;
  kind: ProviderKind;
  api_key?: string;
  api_base?: string;
  api_version?: string;
  /** Azure deployment when it differs from the model name. */
  deployment?: string;
  /** OpenAI-compatible: extra fixed headers. */
  headers?: Record<string, string>;
  /** OpenAI-compatible: set false for a server that rejects `stream_options`. */
  stream_usage?: boolean;
  /** OpenAI-compatible: whether the server answers the Responses API itself (default: see openai/presets.ts). */
  responses_api?: boolean;
  /** Anthropic: max_tokens when the request has none. */
  default_max_tokens?: number;
  /** Mock: latency/error knobs (see mock/adapter.ts). */
  mock?: MockOptions;
}

export interface ProviderRegistry {
  get(id: string): ProviderAdapter | undefined;
  has(id: string): boolean;
  ids(): string[];
}

export interface RegistryOptions {
  /** Add the built-in `mock` provider when the config has none (default true). */
  includeMock?: boolean;
}

export function createProviderAdapter(c: ProviderConfig): ProviderAdapter {
  const opt = <K extends keyof ProviderConfig>(k: K) => (c[k] === undefined ? {} : { [k]: c[k] });
  switch (c.kind) {
    case 'openai':
      return createOpenAIAdapter({
        id: c.id,
        ...opt('api_base'),
        ...opt('api_key'),
        ...opt('headers'),
        ...(c.stream_usage === undefined ? {} : { streamUsage: c.stream_usage }),
        ...(c.responses_api === undefined ? {} : { responsesApi: c.responses_api }),
      });
    case 'azure':
      return createAzureAdapter({ id: c.id, ...opt('api_base'), ...opt('api_key'), ...opt('api_version'), ...opt('deployment') });
    case 'anthropic':
      return createAnthropicAdapter({
        id: c.id,
        ...opt('api_base'),
        ...opt('api_key'),
        ...(c.default_max_tokens === undefined ? {} : { defaultMaxTokens: c.default_max_tokens }),
      });
    case 'gemini':
      return createGeminiAdapter({ id: c.id, ...opt('api_base'), ...opt('api_key') });
    case 'mock':
      return createMockAdapter({ ...c.mock, id: c.id });
  }
}

export function createProviderRegistry(configs: readonly ProviderConfig[], options: RegistryOptions = {}): ProviderRegistry {
  const adapters = new Map<string, ProviderAdapter>();
  for (const c of configs) {
    if (adapters.has(c.id)) throw new Error(`provider '${c.id}' is configured twice`);
    adapters.set(c.id, createProviderAdapter(c));
  }
  if ((options.includeMock ?? true) && !adapters.has('mock')) adapters.set('mock', createMockAdapter());
  return {
    get: (id) => adapters.get(id),
    has: (id) => adapters.has(id),
    ids: () => [...adapters.keys()],
  };
}
