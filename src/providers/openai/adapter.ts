/** OpenAI and OpenAI-compatible servers: `{base}/chat/completions` with Bearer auth. */
import type { CallContext, ProviderAdapter } from '../types.ts';
import { createOpenAICompatibleAdapter, joinUrl } from './compat.ts';
import { isOpenAIPreset, OPENAI_COMPATIBLE_PRESETS, servesResponsesApi } from './presets.ts';

export interface OpenAIAdapterOptions {
  /** Provider id; a preset id (groq, ollama, ...) also picks the default base URL. */
  id: string;
  /** Base URL including the version segment, e.g. `https://api.openai.com/v1`. */
  api_base?: string;
  api_key?: string;
  /** Extra fixed headers (e.g. OpenRouter's `HTTP-Referer`). */
  headers?: Record<string, string>;
  streamUsage?: boolean;
  /** The server answers the Responses API itself; default from the preset (presets.ts). */
  responsesApi?: boolean;
}

export function createOpenAIAdapter(options: OpenAIAdapterOptions): ProviderAdapter {
  const presetBase = isOpenAIPreset(options.id) ? OPENAI_COMPATIBLE_PRESETS[options.id] : undefined;
  const defaultBase = options.api_base ?? presetBase ?? OPENAI_COMPATIBLE_PRESETS.openai;
  const fixed = options.headers ?? {};
  return createOpenAICompatibleAdapter({
    id: options.id,
    // Per-call credentials (routing's most specific) win over provider config.
    url: (endpoint, ctx: CallContext) => joinUrl(ctx.credentials.api_base ?? defaultBase, endpoint),
    headers: (ctx) => {
      const key = ctx.credentials.api_key ?? options.api_key;
      // Local servers (ollama, llama.cpp) need no key: send no header rather than "Bearer undefined".
      return key ? { ...fixed, authorization: `Bearer ${key}` } : { ...fixed };
    },
    ...(options.streamUsage === undefined ? {} : { streamUsage: options.streamUsage }),
    responses: options.responsesApi ?? servesResponsesApi(options.id),
  });
}
