/**
 * The providers the gateway knows, and where each one's prices come from in
 * the @pydantic/genai-prices data (its ids differ from ours: `google`, `x-ai`).
 */

export const PROVIDER_IDS = [
  'openai',
  'azure',
  'anthropic',
  'gemini',
  'mistral',
  'groq',
  'deepseek',
  'together',
  'openrouter',
  'fireworks',
  'xai',
  'ollama',
  'vllm',
  'llamacpp',
  'mock',
] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export interface ProviderDef {
  /** A built-in ProviderId, or the id of a provider declared in the config file. */
  id: string;
  name: string;
  /**
   * genai-prices provider ids whose models price this provider, first match
   * wins. Azure falls back to OpenAI: an `azure/` model is priced as the
   * OpenAI model of that name when Azure's own list lacks it.
   */
  catalogs: readonly string[];
  /**
   * Prefixes tried when the bare model part is not found, e.g. Fireworks'
   * data names `accounts/fireworks/models/x` while users write `fireworks/x`.
   */
  namePrefixes?: readonly string[];
  /** Self-hosted: no per-token price; models cost 0 unless configured. */
  local?: boolean;
}

export const PROVIDERS: ReadonlyMap<string, ProviderDef> = new Map(
  (
    [
      { id: 'openai', name: 'OpenAI', catalogs: ['openai'] },
      { id: 'azure', name: 'Azure OpenAI', catalogs: ['azure', 'openai'] },
      { id: 'anthropic', name: 'Anthropic', catalogs: ['anthropic'] },
      { id: 'gemini', name: 'Google Gemini', catalogs: ['google'] },
      { id: 'mistral', name: 'Mistral', catalogs: ['mistral'] },
      { id: 'groq', name: 'Groq', catalogs: ['groq'] },
      { id: 'deepseek', name: 'DeepSeek', catalogs: ['deepseek'] },
      { id: 'together', name: 'Together AI', catalogs: ['together'] },
      { id: 'openrouter', name: 'OpenRouter', catalogs: ['openrouter'] },
      {
        id: 'fireworks',
        name: 'Fireworks',
        catalogs: ['fireworks'],
        namePrefixes: ['accounts/fireworks/models/'],
      },
      { id: 'xai', name: 'xAI', catalogs: ['x-ai'] },
      { id: 'ollama', name: 'Ollama', catalogs: [], local: true },
      { id: 'vllm', name: 'vLLM', catalogs: [], local: true },
      { id: 'llamacpp', name: 'llama.cpp', catalogs: [], local: true },
      { id: 'mock', name: 'Mock', catalogs: [] },
    ] satisfies ProviderDef[]
  ).map((p) => [p.id, p]),
);

/**
 * Order in which a bare model name (no `provider/` prefix) is looked up: the
 * model makers first, then hosts whose catalogues use their own names. Azure
 * and OpenRouter are never chosen for a bare name (Azure repeats OpenAI's
 * names; OpenRouter's names all contain a slash).
 */
export const BARE_NAME_ORDER: readonly ProviderId[] = [
  'openai',
  'anthropic',
  'gemini',
  'mistral',
  'deepseek',
  'xai',
  'groq',
  'fireworks',
  'together',
];

/** Every genai-prices provider id some provider of ours reads. */
export function catalogIds(): string[] {
  const ids = new Set<string>();
  for (const p of PROVIDERS.values()) for (const c of p.catalogs) ids.add(c);
  return [...ids];
}
