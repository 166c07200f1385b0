/**
 * OpenAI chat request -> Anthropic Messages request (pure).
 *
 * Decisions:
 * - `max_tokens` is required by Anthropic; absent both `max_completion_tokens`
 *   and `max_tokens` we send DEFAULT_MAX_TOKENS (4096: enough for ordinary
 *   answers on every current Claude model, small enough to be valid on all).
 * - `temperature` must be within Anthropic's 0..1 (the adapter refuses others).
 * - JSON mode: the Messages API has no `response_format`, so `json_object` /
 *   `json_schema` append an instruction (with the schema) to `system`. We do
 *   not prefill "{" because it breaks when the last turn is an assistant turn
 *   and would need re-adding to the answer.
 * - `n`, penalties, `logit_bias`, `seed`, `logprobs` have no equivalent: the
 *   adapter refuses requests that set them (shared/unsupported.ts).
 */
import type { ChatMessage, ChatRequest, ContentPart, Tool, ToolChoice } from '../../../schemas/openai.ts';
import { jsonInstruction, parseDataUrl, partImageUrl, partText, stopList, textOf } from '../../shared/content.ts';
import { parseArgs, type JsonRecord } from '../../shared/json.ts';

export const DEFAULT_MAX_TOKENS = 4096;

export type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string } }
  | { type: 'tool_use'; id: string; name: string; input: JsonRecord }
  | { type: 'tool_result'; tool_use_id: string; content: string | AnthropicBlock[]; is_error?: boolean };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: string;
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  stream?: boolean;
  tools?: { name: string; description?: string; input_schema: Record<string, unknown> }[];
  tool_choice?: { type: 'auto' | 'any' | 'none' | 'tool'; name?: string; disable_parallel_tool_use?: boolean };
  metadata?: { user_id: string };
}

export interface ToAnthropicOptions {
  defaultMaxTokens?: number;
}

export function toAnthropicRequest(req: ChatRequest, model: string, opts: ToAnthropicOptions = {}): AnthropicRequest {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const m of req.messages) {
    if (m.role === 'system' || m.role === 'developer') {
      const t = textOf(m.content);
      if (t) system.push(t);
      continue;
    }
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const blocks = toBlocks(m);
    if (blocks.length === 0) continue;
    const prev = messages[messages.length - 1];
    // Anthropic wants alternating roles; parallel tool results must share one user turn.
    if (prev && prev.role === role) prev.content.push(...blocks);
    else messages.push({ role, content: blocks });
  }

  const fmt = req.response_format;
  if (fmt && fmt.type !== 'text') {
    const schema = fmt.type === 'json_schema' ? (fmt.json_schema?.schema ?? fmt.json_schema) : undefined;
    system.push(jsonInstruction(schema));
  }

  const out: AnthropicRequest = {
    model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? opts.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system.length > 0) out.system = system.join('\n\n');
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  const stop = stopList(req.stop);
  if (stop && stop.length > 0) out.stop_sequences = stop;
  if (req.user) out.metadata = { user_id: req.user };
  if (req.tools && req.tools.length > 0) {
    out.tools = req.tools.map(toTool);
    const choice = toToolChoice(req.tool_choice, req.parallel_tool_calls);
    if (choice) out.tool_choice = choice;
  }
  return out;
}

function toBlocks(m: ChatMessage): AnthropicBlock[] {
  if (m.role === 'tool' || m.role === 'function') {
    const content = typeof m.content === 'string' ? m.content : partsToBlocks(m.content ?? []);
    return [{ type: 'tool_result', tool_use_id: m.tool_call_id ?? m.name ?? '', content }];
  }
  const blocks = typeof m.content === 'string' ? textBlock(m.content) : partsToBlocks(m.content ?? []);
  if (m.role === 'assistant' && m.tool_calls) {
    for (const tc of m.tool_calls) {
      blocks.push({ type: 'tool_use', id: tc.id, name: tc.function.name, input: parseArgs(tc.function.arguments) });
    }
  }
  return blocks;
}

/** Anthropic rejects empty text blocks, so empty strings vanish. */
function textBlock(text: string): AnthropicBlock[] {
  return text ? [{ type: 'text', text }] : [];
}

function partsToBlocks(parts: ContentPart[]): AnthropicBlock[] {
  const out: AnthropicBlock[] = [];
  for (const p of parts) {
    const t = partText(p);
    if (t) {
      out.push({ type: 'text', text: t });
      continue;
    }
    const url = partImageUrl(p);
    if (!url) continue;
    const data = parseDataUrl(url);
    out.push({
      type: 'image',
      source: data ? { type: 'base64', media_type: data.mediaType, data: data.data } : { type: 'url', url },
    });
  }
  return out;
}

function toTool(t: Tool): NonNullable<AnthropicRequest['tools']>[number] {
  const tool: NonNullable<AnthropicRequest['tools']>[number] = {
    name: t.function.name,
    input_schema: t.function.parameters ?? { type: 'object', properties: {} },
  };
  if (t.function.description) tool.description = t.function.description;
  return tool;
}

function toToolChoice(c: ToolChoice | undefined, parallel: boolean | undefined): AnthropicRequest['tool_choice'] {
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (c === undefined) return parallel === false ? { type: 'auto', ...noParallel } : undefined;
  if (c === 'none') return { type: 'none' };
  if (c === 'auto') return { type: 'auto', ...noParallel };
  if (c === 'required') return { type: 'any', ...noParallel };
  return { type: 'tool', name: c.function.name, ...noParallel };
}
