/**
 * The chat completion body a load test sends: built from a model, a prompt
 * length and max_tokens, or read from a file with those fields overridden.
 */

export interface BodyOptions {
  model?: string;
  promptTokens?: number;
  maxTokens?: number;
  /** Adds `stream: true` and asks for usage in the last chunk. */
  stream?: boolean;
}

export const DEFAULT_MODEL = 'mock/loadtest';
export const DEFAULT_PROMPT_TOKENS = 64;
export const DEFAULT_MAX_TOKENS = 64;

const WORDS = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'a', 'lazy', 'dog', 'while', 'it', 'rains'];

/** A prompt of `n` words (the mock counts a token per word; real tokenizers come close for these). */
export function promptText(n: number): string {
  return Array.from({ length: n }, (_, i) => WORDS[i % WORDS.length]).join(' ');
}

export function buildBody(o: BodyOptions): Record<string, unknown> {
  return applyOverrides(
    { model: o.model ?? DEFAULT_MODEL, messages: [{ role: 'user', content: promptText(o.promptTokens ?? DEFAULT_PROMPT_TOKENS) }] },
    { ...o, maxTokens: o.maxTokens ?? DEFAULT_MAX_TOKENS },
  );
}

/** A body read from a file, with the model, max_tokens and streaming given on the command line set over it. */
export function applyOverrides(body: Record<string, unknown>, o: BodyOptions): Record<string, unknown> {
  const out = { ...body };
  if (o.model !== undefined) out.model = o.model;
  if (o.maxTokens !== undefined) out.max_tokens = o.maxTokens;
  if (o.stream) {
    out.stream = true;
    const options = typeof out.stream_options === 'object' && out.stream_options !== null ? out.stream_options : {};
    out.stream_options = { ...options, include_usage: true };
  }
  return out;
}
