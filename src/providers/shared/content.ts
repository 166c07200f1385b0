/** Helpers for reading OpenAI message content, shared by the translating adapters. */
import type { ChatMessage, ContentPart } from '../../schemas/openai.ts';
import { isRecord, str } from './json.ts';

/** The text of a message's content; non-text parts are skipped. */
export function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  let out = '';
  for (const p of content) {
    const t = partText(p);
    if (t !== undefined) out += out ? `\n${t}` : t;
  }
  return out;
}

export function partText(p: ContentPart): string | undefined {
  return p.type === 'text' ? str((p as Record<string, unknown>).text) : undefined;
}

export function partImageUrl(p: ContentPart): string | undefined {
  if (p.type !== 'image_url') return undefined;
  const img = (p as Record<string, unknown>).image_url;
  return isRecord(img) ? str(img.url) : undefined;
}

export interface DataUrl {
  mediaType: string;
  data: string;
}

/** `data:image/png;base64,AAAA` -> media type and base64 payload. */
export function parseDataUrl(url: string): DataUrl | undefined {
  const m = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  return { mediaType: m[1], data: m[2] };
}

const EXT_MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

/** Best guess of an image URL's media type from its extension (Gemini requires one). */
export function guessMimeType(url: string): string {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return EXT_MIME[ext] ?? 'image/jpeg';
}

/** OpenAI `stop` as a list. */
export function stopList(stop: string | string[] | undefined): string[] | undefined {
  if (stop === undefined) return undefined;
  return typeof stop === 'string' ? [stop] : stop;
}

/** The instruction used where a provider has no native JSON mode. */
export function jsonInstruction(schema: unknown): string {
  const base = 'Respond only with a single valid JSON value, with no prose and no code fences.';
  return schema === undefined ? base : `${base} It must conform to this JSON Schema: ${JSON.stringify(schema)}`;
}
