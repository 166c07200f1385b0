/**
 * Deterministic content for the mock provider: replies, token counts, tool
 * arguments, JSON answers and embedding vectors. Pure functions, no state.
 *
 * Token counting: one token per run of non-whitespace characters ("words").
 * prompt_tokens = words in every message's text; completion_tokens = words in
 * the reply (a tool call counts its name and its arguments' words). Streams
 * send exactly one word-token per content chunk, so chunk count == tokens.
 */
import type { ChatMessage, ChatRequest, Tool } from '../../schemas/openai.ts';
import { textOf } from '../shared/content.ts';
import { arr, isRecord, rec, type JsonRecord } from '../shared/json.ts';

export const MOCK_PHRASE = 'This is a mock response.';

/** Counts whitespace-separated words without allocating. */
export function countTokens(s: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 9 || c === 13;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

export function promptTokens(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) n += countTokens(textOf(m.content));
  return n;
}

export function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && m.role === 'user') return textOf(m.content);
  }
  return '';
}

/** The reply text: `echo` repeats the prompt; otherwise a fixed phrase plus the echo. */
export function replyText(req: ChatRequest, echo: boolean): string {
  const last = req.messages[req.messages.length - 1];
  if (last && last.role === 'tool') return `Tool result received: ${textOf(last.content)}`;
  const user = lastUserText(req.messages);
  if (echo) return user;
  return user ? `${MOCK_PHRASE} You said: ${user}` : MOCK_PHRASE;
}

/**
 * Which tool to call, if any: the named one, else the first — unless
 * tool_choice is "none" or the last turn is already a tool result (so agent
 * loops in demos terminate instead of calling tools forever).
 */
export function toolToCall(req: ChatRequest): Tool | undefined {
  const tools = req.tools;
  if (!tools || tools.length === 0 || req.tool_choice === 'none') return undefined;
  const choice = req.tool_choice;
  if (typeof choice === 'object') return tools.find((t) => t.function.name === choice.function.name) ?? tools[0];
  const last = req.messages[req.messages.length - 1];
  if (last && last.role === 'tool' && choice !== 'required') return undefined;
  return tools[0];
}

/** A value that satisfies `schema` (first enum/const, placeholder per type). */
export function sampleValue(schema: unknown, allProps: boolean, depth = 0): unknown {
  const s = rec(schema);
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if ('const' in s) return s.const;
  const anyOf = arr(s.anyOf ?? s.oneOf);
  if (anyOf.length > 0) return sampleValue(anyOf[0], allProps, depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
      return 'mock';
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const min = typeof s.minItems === 'number' ? s.minItems : 0;
      return depth > 5 ? [] : Array.from({ length: min }, () => sampleValue(s.items, allProps, depth + 1));
    }
    default:
      if (type === 'object' || isRecord(s.properties)) return depth > 5 ? {} : sampleObject(s, allProps, depth);
      return 'mock';
  }
}

/** Required fields only (tool arguments) or every listed property (JSON answers). */
export function sampleObject(schema: unknown, allProps: boolean, depth = 0): JsonRecord {
  const s = rec(schema);
  const props = rec(s.properties);
  const names = allProps ? Object.keys(props) : arr(s.required).filter((r): r is string => typeof r === 'string');
  const out: JsonRecord = {};
  for (const name of names) out[name] = sampleValue(props[name], allProps, depth + 1);
  return out;
}

/** Valid JSON for json_object / json_schema response formats. */
export function jsonAnswer(req: ChatRequest, text: string): string | undefined {
  const fmt = req.response_format;
  if (!fmt || fmt.type === 'text') return undefined;
  if (fmt.type === 'json_schema') {
    const js = rec(fmt.json_schema);
    const schema = js.schema ?? js;
    if (isRecord(schema) && (isRecord(schema.properties) || schema.type === 'object')) {
      return JSON.stringify(sampleObject(schema, true));
    }
  }
  return JSON.stringify({ reply: text });
}

/** FNV-1a: a stable 32-bit seed per text. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A unit-length vector derived only from `text` (same text, same vector). */
export function embeddingVector(text: string, dims: number): number[] {
  let x = hash32(text) || 1;
  const v = new Array<number>(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    // xorshift32
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const f = ((x >>> 0) / 0xffffffff) * 2 - 1;
    v[i] = f;
    norm += f * f;
  }
  const k = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dims; i++) v[i] = (v[i] ?? 0) * k;
  return v;
}

/** Splits text into word chunks that keep their trailing whitespace (concatenation is exact). */
export function wordChunks(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    while (i < n && !isSpace(text.charCodeAt(i))) i++;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    out.push(text.slice(start, i));
    start = i;
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}


/** Exactly `n` word-tokens: the text's words repeated or cut, joined by single spaces. */
export function fitTokens(text: string, n: number): string {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  const source = words.length > 0 ? words : MOCK_PHRASE.split(' ');
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = source[i % source.length] as string;
  return out.join(' ');
}

/** The first `limit` word-tokens of the text, spacing kept (trailing space dropped). */
export function firstTokens(text: string, limit: number): string {
  return wordChunks(text).slice(0, limit).join('').trimEnd();
}
