/**
 * OpenAI chat request -> Gemini generateContent request (pure).
 *
 * - system/developer -> systemInstruction; user -> role "user"; assistant ->
 *   role "model"; tool results -> functionResponse parts in a "user" turn.
 *   Consecutive same-role turns merge (parallel tool results share one turn).
 * - functionResponse needs the function's name, which OpenAI tool messages do
 *   not carry: we recover it from the earlier assistant tool_call with that id.
 * - Tool parameter schemas go through `toGeminiSchema`, which drops JSON
 *   Schema keywords Gemini's OpenAPI-subset `Schema` rejects.
 */
import type { ChatMessage, ChatRequest, ContentPart, ToolChoice } from '../../schemas/openai.ts';
import { guessMimeType, parseDataUrl, partImageUrl, partText, stopList, textOf } from '../shared/content.ts';
import { isRecord, parseArgs, type JsonRecord } from '../shared/json.ts';

export type GeminiPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: JsonRecord; id?: string } }
  | { functionResponse: { name: string; response: JsonRecord; id?: string } };

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: { functionDeclarations: { name: string; description?: string; parameters?: unknown }[] }[];
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  generationConfig?: JsonRecord;
}

export function toGeminiRequest(req: ChatRequest): GeminiRequest {
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  for (const m of req.messages) {
    if (m.role === 'system' || m.role === 'developer') {
      const t = textOf(m.content);
      if (t) system.push(t);
      continue;
    }
    const role = m.role === 'assistant' ? 'model' : 'user';
    const parts = toParts(m, toolNames);
    if (parts.length === 0) continue;
    const prev = contents[contents.length - 1];
    if (prev && prev.role === role) prev.parts.push(...parts);
    else contents.push({ role, parts });
  }

  const out: GeminiRequest = { contents };
  if (system.length > 0) out.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  if (req.tools && req.tools.length > 0) {
    out.tools = [
      {
        functionDeclarations: req.tools.map((t) => {
          const d: { name: string; description?: string; parameters?: unknown } = { name: t.function.name };
          if (t.function.description) d.description = t.function.description;
          if (t.function.parameters) d.parameters = toGeminiSchema(t.function.parameters);
          return d;
        }),
      },
    ];
    if (req.tool_choice !== undefined) out.toolConfig = { functionCallingConfig: toCallingConfig(req.tool_choice) };
  }
  const gen = generationConfig(req);
  if (Object.keys(gen).length > 0) out.generationConfig = gen;
  return out;
}

function toParts(m: ChatMessage, toolNames: Map<string, string>): GeminiPart[] {
  if (m.role === 'tool' || m.role === 'function') {
    const name = (m.tool_call_id && toolNames.get(m.tool_call_id)) || m.name || 'unknown';
    return [{ functionResponse: { name, response: toResponseObject(textOf(m.content)) } }];
  }
  const parts: GeminiPart[] = typeof m.content === 'string' ? (m.content ? [{ text: m.content }] : []) : contentParts(m.content ?? []);
  if (m.role === 'assistant' && m.tool_calls) {
    for (const tc of m.tool_calls) {
      toolNames.set(tc.id, tc.function.name);
      parts.push({ functionCall: { name: tc.function.name, args: parseArgs(tc.function.arguments) } });
    }
  }
  return parts;
}

/** functionResponse.response must be an object: JSON objects go as-is, anything else under `result`. */
function toResponseObject(text: string): JsonRecord {
  try {
    const v: unknown = JSON.parse(text);
    if (isRecord(v)) return v;
    return { result: v };
  } catch {
    return { result: text };
  }
}

function contentParts(parts: ContentPart[]): GeminiPart[] {
  const out: GeminiPart[] = [];
  for (const p of parts) {
    const t = partText(p);
    if (t) {
      out.push({ text: t });
      continue;
    }
    const url = partImageUrl(p);
    if (!url) continue;
    const data = parseDataUrl(url);
    out.push(
      data
        ? { inlineData: { mimeType: data.mediaType, data: data.data } }
        : { fileData: { mimeType: guessMimeType(url), fileUri: url } },
    );
  }
  return out;
}

function toCallingConfig(c: ToolChoice): NonNullable<GeminiRequest['toolConfig']>['functionCallingConfig'] {
  if (c === 'none') return { mode: 'NONE' };
  if (c === 'auto') return { mode: 'AUTO' };
  if (c === 'required') return { mode: 'ANY' };
  return { mode: 'ANY', allowedFunctionNames: [c.function.name] };
}

function generationConfig(req: ChatRequest): JsonRecord {
  const g: JsonRecord = {};
  if (req.temperature !== undefined) g.temperature = req.temperature;
  if (req.top_p !== undefined) g.topP = req.top_p;
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (max !== undefined) g.maxOutputTokens = max;
  const stop = stopList(req.stop);
  if (stop && stop.length > 0) g.stopSequences = stop;
  if (req.n !== undefined) g.candidateCount = req.n;
  if (req.presence_penalty !== undefined) g.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty !== undefined) g.frequencyPenalty = req.frequency_penalty;
  if (req.seed !== undefined) g.seed = req.seed;
  const fmt = req.response_format;
  if (fmt && fmt.type !== 'text') {
    g.responseMimeType = 'application/json';
    const js = fmt.json_schema;
    const schema = fmt.type === 'json_schema' && js ? (js.schema ?? js) : undefined;
    if (isRecord(schema)) g.responseSchema = toGeminiSchema(schema);
  }
  return g;
}

/** Keywords valid in JSON Schema but rejected by Gemini's Schema object. */
const DROP = new Set(['$schema', '$id', '$ref', '$defs', 'definitions', 'additionalProperties', 'strict', 'default', 'examples', 'title']);

/** Recursively strips unsupported keywords (the rest of the schema is kept as written). */
export function toGeminiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toGeminiSchema);
  if (!isRecord(schema)) return schema;
  const out: JsonRecord = {};
  for (const [k, v] of Object.entries(schema)) {
    if (DROP.has(k)) continue;
    // `properties` maps names to schemas: recurse into values, keep every name.
    if (k === 'properties' && isRecord(v)) {
      const props: JsonRecord = {};
      for (const [name, s] of Object.entries(v)) props[name] = toGeminiSchema(s);
      out[k] = props;
    } else out[k] = toGeminiSchema(v);
  }
  return out;
}
