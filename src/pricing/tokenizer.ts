/**
 * Token counting with gpt-tokenizer (pure JS, BPE ranks embedded as JS, so it
 * is bundled into the compiled binary). Used to estimate a prompt before the
 * upstream call (budget reservation) and to count a stream's completion when
 * the provider reports no usage.
 *
 * Encodings are loaded lazily, on first use, by dynamic import: loading o200k
 * takes ~200 ms of the event loop and ~100 MB, which most gateways should not
 * pay at start. `preload_tokenizer` (config) calls `warm()` before the server
 * listens, for those that would rather pay it there than on a first call.
 *
 * Encoding per model: cl100k_base for the GPT-3.5/GPT-4 (non-4o) family and
 * OpenAI's older embeddings, o200k_base for everything else. Non-OpenAI
 * models (Claude, Gemini, Llama, Mistral, ...) use o200k as an approximation:
 * their tokenizers are not published for JS or differ per model; o200k is
 * typically within 10-20% of them on English text, which is good enough for a
 * budget estimate and for a cost when the provider reports nothing.
 */
import type { ChatMessage, ContentPart } from '../schemas/openai.ts';

export type EncodingName = 'o200k_base' | 'cl100k_base';
type Counter = (text: string) => number;

/** Special-token text in user content (`<|endoftext|>`) is counted as plain text, never thrown on. */
const PLAIN = { disallowedSpecial: new Set<string>(), allowedSpecial: new Set<string>() };

/**
 * BPE time grows with the square of a word's length: 100,000 'y's in a row
 * took 55 s of event loop. Runs of non-space characters longer than this are
 * counted in slices of this length instead (a token or so more per slice;
 * ordinary text has no such runs and is counted whole).
 */
export const MAX_RUN = 128;

/** ASCII whitespace and the common Unicode spaces: where a run ends. (A loop: a regex scan was 10x slower.) */
function isSpace(c: number): boolean {
  return c <= 32 || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029;
}

function bounded(count: Counter): Counter {
  return (text) => {
    if (text.length <= MAX_RUN) return count(text);
    let total = 0;
    let done = 0;
    let run = 0;
    for (let i = 0; i <= text.length; i++) {
      if (i < text.length && !isSpace(text.charCodeAt(i))) {
        run++;
        continue;
      }
      if (run > MAX_RUN) {
        const start = i - run;
        if (start > done) total += count(text.slice(done, start));
        for (let s = start; s < i; s += MAX_RUN) total += count(text.slice(s, Math.min(s + MAX_RUN, i)));
        done = i;
      }
      run = 0;
    }
    return done < text.length ? total + count(text.slice(done)) : total;
  };
}

const LOADERS: Readonly<Record<EncodingName, () => Promise<Counter>>> = {
  o200k_base: async () => {
    const m = await import('gpt-tokenizer/encoding/o200k_base');
    return bounded((text) => m.countTokens(text, PLAIN));
  },
  cl100k_base: async () => {
    const m = await import('gpt-tokenizer/encoding/cl100k_base');
    return bounded((text) => m.countTokens(text, PLAIN));
  },
};

/**
 * OpenAI's chat format overhead (the OpenAI cookbook's rule for gpt-3.5-turbo
 * and later): 3 tokens per message, 1 more when it has a name, 3 to prime the
 * reply. Checked: "Say this is a test" -> 12 prompt tokens, as OpenAI reports.
 */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const REPLY_PRIMING_TOKENS = 3;
/** Per tool call in an assistant message, besides its name and arguments (estimate). */
export const TOKENS_PER_TOOL_CALL = 3;

/**
 * Images are not fetched or decoded, so their size is unknown. OpenAI bills
 * 85 tokens at `detail: "low"`; at high/auto detail 85 + 170 per 512 px tile
 * after scaling, which for a typical 1024x1024 image (scaled to 768x768, 4
 * tiles) is 765. We use those two numbers.
 */
export const IMAGE_TOKENS_LOW = 85;
export const IMAGE_TOKENS_HIGH = 765;
/** Other parts (input_audio, file, ...): a flat guess; their payload is not text. */
export const OTHER_PART_TOKENS = 85;

const CL100K = /^(gpt-4(?!o|\.\d)|gpt-3\.5|gpt-35|text-embedding-(ada|3)|text-davinci-00[23]|davinci-002|babbage-002)/;

/** Which encoding approximates a model; `provider/` prefixes are ignored. */
export function encodingForModel(model: string): EncodingName {
  const bare = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  return CL100K.test(bare) ? 'cl100k_base' : 'o200k_base';
}

export class Tokenizer {
  private readonly counters = new Map<EncodingName, Promise<Counter>>();

  /** Tokens of a plain text, as the model's encoding splits it. */
  async countTextTokens(text: string, model: string): Promise<number> {
    if (text === '') return 0;
    const count = await this.counter(encodingForModel(model));
    return count(text);
  }

  /**
   * Prompt tokens of a chat conversation, including OpenAI's per-message
   * overhead and the reply priming; images and other non-text parts by the
   * rules above. Tool definitions sent alongside are not counted here.
   */
  async countMessageTokens(messages: readonly ChatMessage[], model: string): Promise<number> {
    const count = await this.counter(encodingForModel(model));
    let total = REPLY_PRIMING_TOKENS;
    for (const m of messages) {
      total += TOKENS_PER_MESSAGE + count(m.role) + contentTokens(m.content, count);
      if (m.name) total += TOKENS_PER_NAME + count(m.name);
      if (m.tool_call_id) total += count(m.tool_call_id);
      for (const call of m.tool_calls ?? []) {
        total += TOKENS_PER_TOOL_CALL + count(call.function.name) + count(call.function.arguments);
      }
    }
    return total;
  }

  /** Loads the encodings now (both by default) so the first request does not wait. */
  async warm(encodings: readonly EncodingName[] = ['o200k_base', 'cl100k_base']): Promise<void> {
    await Promise.all(encodings.map((e) => this.counter(e)));
  }

  private counter(encoding: EncodingName): Promise<Counter> {
    let loading = this.counters.get(encoding);
    if (!loading) {
      loading = LOADERS[encoding]();
      // A failed load is not remembered, so the next call tries again.
      loading.catch(() => this.counters.delete(encoding));
      this.counters.set(encoding, loading);
    }
    return loading;
  }
}

function contentTokens(content: ChatMessage['content'], count: Counter): number {
  if (typeof content === 'string') return count(content);
  if (!content) return 0;
  let total = 0;
  for (const part of content) total += partTokens(part, count);
  return total;
}

function partTokens(part: ContentPart, count: Counter): number {
  if ('text' in part && part.type === 'text') return count(part.text);
  // `?.`: the open `{type}` variant lets `image_url: null` through validation.
  if ('image_url' in part) return part.image_url?.detail === 'low' ? IMAGE_TOKENS_LOW : IMAGE_TOKENS_HIGH;
  return OTHER_PART_TOKENS;
}
