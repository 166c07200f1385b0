/**
 * Content chunks of a stream without a JSON parse each. Most chunks of an
 * OpenAI-compatible stream differ only in the text of `delta.content`: once
 * one such chunk has been parsed, its text before and after that string is
 * the template, and a later event made of the same text around another valid
 * JSON string is the same chunk with that content. It is checked by comparing
 * text and built by copying the parsed chunk, at a fraction of a parse (which
 * was about half of the gateway's own work per streamed token).
 *
 * Sound by construction: the template's split point is proven by parsing the
 * template with a probe string in it, and a match is the template's valid
 * JSON with one string's body replaced by another valid string body. Anything
 * else (another shape, a changed field, a broken event) does not match and is
 * parsed as before, so its errors are unchanged.
 */
import type { ChatChunk } from '../../schemas/openai.ts';
import { isRecord, type JsonRecord } from '../shared/json.ts';
import { isChatChunk } from './guards.ts';

const KEY = '"content":"';
const PROBE = 'probe';
/** Templates tried per stream: a server whose chunks differ elsewhere too (a per-chunk nonce) stops paying for probes. */
const MAX_TEMPLATES = 2;

type Choice = ChatChunk['choices'][number];

/** Only primitives beside the replaced parts, so a built chunk shares no object with another. */
function flat(o: JsonRecord, skip: string): boolean {
  for (const k in o) {
    if (k === skip) continue;
    const v = o[k];
    if (typeof v === 'object' && v !== null) return false;
  }
  return true;
}

/** The chunk's one choice when its delta is content and nothing else. */
function contentChoice(chunk: ChatChunk): Choice | null {
  if (chunk.choices.length !== 1 || chunk.usage) return null;
  const choice = chunk.choices[0] as Choice;
  const delta = choice.delta as JsonRecord;
  if (!isRecord(delta) || typeof delta.content !== 'string') return null;
  for (const k in delta) if (k !== 'content') return null;
  return flat(chunk, 'choices') && flat(choice as JsonRecord, 'delta') ? choice : null;
}

/** `s` from `from` to `to` is a JSON string body with nothing to unescape: its text is its value. */
function plain(s: string, from = 0, to = s.length): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92 || c < 32) return false;
  }
  return true;
}

export class ChunkTemplate {
  private constructor(
    private readonly prefix: string,
    private readonly suffix: string,
    private readonly chunk: ChatChunk,
    private readonly choice: Choice,
  ) {}

  /** A template from a parsed chunk and its text, or null when it is not a plain content chunk. */
  static of(raw: string, chunk: ChatChunk): ChunkTemplate | null {
    const choice = contentChoice(chunk);
    const content = choice?.delta.content;
    if (!choice || typeof content !== 'string' || !plain(content)) return null;
    const at = raw.lastIndexOf(`${KEY}${content}"`);
    if (at === -1) return null;
    const prefix = raw.slice(0, at + KEY.length);
    const suffix = raw.slice(at + KEY.length + content.length);
    // Proves the split is delta.content's string and not look-alike text elsewhere.
    let probe: unknown;
    try {
      probe = JSON.parse(prefix + PROBE + suffix);
    } catch {
      return null;
    }
    if (!isChatChunk(probe)) return null;
    const c = contentChoice(probe);
    return c && c.delta.content === PROBE && c.index === choice.index ? new ChunkTemplate(prefix, suffix, chunk, choice) : null;
  }

  /** The chunk `raw` is, when it is this template around another string; else null (parse it). */
  match(raw: string): ChatChunk | null {
    const end = raw.length - this.suffix.length;
    if (end < this.prefix.length || !raw.startsWith(this.prefix) || !raw.endsWith(this.suffix)) return null;
    let content = raw.slice(this.prefix.length, end);
    if (!plain(raw, this.prefix.length, end)) {
      // Escapes (a newline, a quote): the string alone is parsed; an unescaped quote fails here.
      try {
        const s: unknown = JSON.parse(`"${content}"`);
        if (typeof s !== 'string') return null;
        content = s;
      } catch {
        return null;
      }
    }
    return { ...this.chunk, choices: [{ ...this.choice, delta: { content } }] };
  }
}

/** The templates of one stream: at most MAX_TEMPLATES made, the latest used. */
export class ChunkTemplates {
  private current: ChunkTemplate | null = null;
  private made = 0;

  match(raw: string): ChatChunk | null {
    return this.current ? this.current.match(raw) : null;
  }

  /** After a parse: a plain content chunk becomes the template when none matched. */
  learn(raw: string, chunk: ChatChunk): void {
    if (this.made >= MAX_TEMPLATES) return;
    const t = ChunkTemplate.of(raw, chunk);
    if (!t) return;
    this.made++;
    this.current = t;
  }
}
