/**
 * Chat request -> Responses request fields (pure): how a prompt template,
 * which is a chat request, is written into a Responses call. A template
 * parameter with no Responses equivalent (stop, penalties, ...) is a 422
 * naming it rather than dropped.
 */
import { ValidationError } from '../../../errors.ts';
import type { ChatMessage, ChatRequest } from '../../../schemas/openai.ts';
import { textOf } from '../../shared/content.ts';
import { type JsonRecord, rec, str } from '../../shared/json.ts';

const PASSED = ['temperature', 'top_p', 'parallel_tool_calls'] as const;
const TRANSLATED = new Set(['messages', 'tools', 'tool_choice', 'response_format', 'max_tokens', 'max_completion_tokens', ...PASSED]);

export function chatToResponsesRequest(chat: ChatRequest): JsonRecord {
  for (const k of Object.keys(chat)) {
    if (!TRANSLATED.has(k) && chat[k as keyof ChatRequest] !== undefined) {
      throw ValidationError.field(`prompt.${k}`, 'the template parameter has no Responses API equivalent');
    }
  }
  const out: JsonRecord = { input: chat.messages.flatMap(toItems) };
  for (const k of PASSED) if (chat[k] !== undefined) out[k] = chat[k];
  const max = chat.max_completion_tokens ?? chat.max_tokens;
  if (max !== undefined) out.max_output_tokens = max;
  if (chat.tools) out.tools = chat.tools.map((t) => ({ type: 'function', ...t.function }));
  const c = chat.tool_choice;
  if (c !== undefined) out.tool_choice = typeof c === 'string' ? c : { type: 'function', name: c.function.name };
  const fmt = chat.response_format;
  if (fmt?.type === 'json_object') out.text = { format: { type: 'json_object' } };
  else if (fmt?.type === 'json_schema') {
    const js = rec(fmt.json_schema);
    out.text = { format: { type: 'json_schema', name: str(js.name) ?? 'response', schema: rec(js.schema), ...(js.strict === undefined ? {} : { strict: js.strict }) } };
  }
  return out;
}

function toItems(m: ChatMessage): JsonRecord[] {
  if (m.role === 'tool' || m.role === 'function') {
    return [{ type: 'function_call_output', call_id: m.tool_call_id ?? m.name ?? '', output: textOf(m.content) }];
  }
  const items: JsonRecord[] = [];
  if (m.role === 'assistant') {
    const text = textOf(m.content);
    if (text) items.push({ role: 'assistant', content: text });
    for (const tc of m.tool_calls ?? []) items.push({ type: 'function_call', call_id: tc.id, name: tc.function.name, arguments: tc.function.arguments });
    return items;
  }
  if (typeof m.content === 'string' || !m.content) return [{ role: m.role, content: m.content ?? '' }];
  const content = m.content.map((p) => {
    const part = p as JsonRecord;
    if (part.type === 'image_url') return { type: 'input_image', image_url: str(rec(part.image_url).url) ?? '', detail: str(rec(part.image_url).detail) ?? 'auto' };
    return { type: 'input_text', text: str(part.text) ?? '' };
  });
  return [{ role: m.role, content }];
}
