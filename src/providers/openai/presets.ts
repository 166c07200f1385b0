/**
 * OpenAI-compatible providers reachable with the OpenAI adapter and another
 * base URL. Local servers default to their usual localhost ports; every base
 * is overridable with `api_base` in config or per-call credentials.
 */
export const OPENAI_COMPATIBLE_PRESETS = {
  openai: 'https://api.openai.com/v1',
  groq: 'https://api.groq.com/openai/v1',
  mistral: 'https://api.mistral.ai/v1',
  deepseek: 'https://api.deepseek.com/v1',
  together: 'https://api.together.xyz/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  fireworks: 'https://api.fireworks.ai/inference/v1',
  xai: 'https://api.x.ai/v1',
  ollama: 'http://localhost:11434/v1',
  vllm: 'http://localhost:8000/v1',
  llamacpp: 'http://localhost:8080/v1',
} as const satisfies Record<string, string>;

export type OpenAIPresetId = keyof typeof OPENAI_COMPATIBLE_PRESETS;

export function isOpenAIPreset(id: string): id is OpenAIPresetId {
  return Object.hasOwn(OPENAI_COMPATIBLE_PRESETS, id);
}

/**
 * Presets whose servers answer the Responses API (`POST {base}/responses`)
 * themselves, so a Responses call goes to them as is; the others get it
 * translated to chat completions. Ids that are no preset (a server of your
 * own, kind openai) are assumed to serve it; `responses_api: false` in the
 * provider's config says otherwise.
 */
const RESPONSES_PRESETS: ReadonlySet<string> = new Set(['openai', 'groq', 'openrouter', 'xai', 'fireworks', 'vllm', 'ollama']);

export function servesResponsesApi(id: string): boolean {
  return !isOpenAIPreset(id) || RESPONSES_PRESETS.has(id);
}
