/**
 * Anthropic Messages request -> chat request (pure), for adapters that do
 * not speak Messages.
 *
 * - `system` (a string or text blocks) -> a first system message.
 * - user turns: text -> text parts, image (base64 or url) -> image_url
 *   parts; each tool_result -> a tool message, placed before the turn's
 *   other content (chat wants tool answers right after the tool calls).
 * - assistant turns: text -> content, tool_use -> tool_calls; thinking and
 *   redacted_thinking blocks are dropped (their signatures mean nothing to
 *   another model).
 * - `max_tokens`, `temperature`, `top_p`, `stop_sequences` (-> stop),
 *   custom `tools`, `tool_choice` (any -> required, tool -> a function,
 *   disable_parallel_tool_use -> parallel_tool_calls: false),
 *   `metadata.user_id` (-> user), `thinking` (-> reasoning_effort by budget:
 *   < 4096 low, < 16384 medium, else high) translate.
 * - Anything else (server tools, documents, `top_k`, ...) is a 400 naming it.
 */
import type { ChatMessage, ChatRequest, ContentPart, Tool, ToolCall, ToolChoice } from '../../../schemas/openai.ts';
import { arr, type JsonRecord, num, rec, str } from '../../shared/json.ts';
import { type Attempt, type Refuse, refuser } from '../wire.ts';

/** Fields that translate, then those that are not sent because they do not change the answer. */
const KNOWN: ReadonlySet<string> = new Set([
  ...['system', 'messages', 'max_tokens', 'temperature', 'top_p', 'stop_sequences', 'tools', 'tool_choice', 'thinking'],
  ...['model', 'stream', 'metadata', 'service_tier'],
]);

export function messagesToChat(req: JsonRecord, attempt: Attempt | null): ChatRequest {
  const refuse = refuser(req, KNOWN, 'Messages', attempt);
  const messages: ChatMessage[] = [];
  const system = typeof req.system === 'string' ? req.system : arr(req.system).map((b) => str(rec(b).text) ?? '').join('\n');
  if (system) messages.push({ role: 'system', content: system });
  arr(req.messages).forEach((m, i) => addTurn(messages, rec(m), `messages[${i}]`, refuse));

  const out: ChatRequest = { model: str(req.model) ?? '', messages };
  const max = num(req.max_tokens);
  if (max !== undefined) out.max_tokens = max;
  if (typeof req.temperature === 'number') out.temperature = req.temperature;
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  const stop = arr(req.stop_sequences).filter((s): s is string => typeof s === 'string');
  if (stop.length > 0) out.stop = stop;
  const tools: Tool[] = [];
  arr(req.tools).forEach((t, i) => {
    const tool = rec(t);
    if (tool.type !== undefined && tool.type !== 'custom') {
      return refuse(`tools[${i}]`, `tool type '${String(tool.type)}' runs on Anthropic's servers; only custom tools translate`);
    }
    const fn: Tool['function'] = { name: str(tool.name) ?? '', parameters: rec(tool.input_schema) };
    if (typeof tool.description === 'string') fn.description = tool.description;
    tools.push({ type: 'function', function: fn });
  });
  if (tools.length > 0) out.tools = tools;
  const choice = rec(req.tool_choice);
  const tc = toolChoice(choice);
  if (tc) out.tool_choice = tc;
  if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  const user = str(rec(req.metadata).user_id);
  if (user) out.user = user;
  const thinking = rec(req.thinking);
  if (thinking.type === 'enabled') {
    const budget = num(thinking.budget_tokens) ?? 0;
    // OpenAI's chat parameter of that meaning, passed through as an extra.
    (out as JsonRecord).reasoning_effort = budget < 4096 ? 'low' : budget < 16384 ? 'medium' : 'high';
  }
  if (req.stream === true) out.stream = true;
  return out;
}

function toolChoice(c: JsonRecord): ToolChoice | undefined {
  switch (c.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: str(c.name) ?? '' } };
    default:
      return undefined;
  }
}

function addTurn(messages: ChatMessage[], m: JsonRecord, at: string, refuse: Refuse): void {
  const role = m.role === 'assistant' ? 'assistant' : 'user';
  if (typeof m.content === 'string') {
    messages.push({ role, content: m.content });
    return;
  }
  const parts: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  arr(m.content).forEach((b, j) => {
    const block = rec(b);
    const here = `${at}.content[${j}]`;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: str(block.text) ?? '' });
        return;
      case 'image': {
        const url = imageUrl(rec(block.source));
        if (!url) return refuse(here, 'only base64 and url image sources translate');
        parts.push({ type: 'image_url', image_url: { url } });
        return;
      }
      case 'tool_use':
        toolCalls.push({ id: str(block.id) ?? '', type: 'function', function: { name: str(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) } });
        return;
      case 'tool_result':
        messages.push({ role: 'tool', tool_call_id: str(block.tool_use_id) ?? '', content: toolResultText(block, here, refuse) });
        return;
      case 'thinking':
      case 'redacted_thinking':
        return;
      default:
        return refuse(here, `content of type '${String(block.type)}' does not translate to chat completions`);
    }
  });
  if (role === 'assistant') {
    const text = parts.map((p) => (p.type === 'text' ? str((p as JsonRecord).text) ?? '' : '')).join('');
    if (text === '' && toolCalls.length === 0) return;
    const msg: ChatMessage = { role, content: text === '' ? null : text };
    if (toolCalls.length > 0) msg.tool_calls = toolCalls;
    messages.push(msg);
  } else if (parts.length > 0) messages.push({ role, content: parts });
}

function imageUrl(source: JsonRecord): string | undefined {
  if (source.type === 'url') return str(source.url);
  if (source.type === 'base64') return `data:${str(source.media_type) ?? 'image/png'};base64,${str(source.data) ?? ''}`;
  return undefined;
}

function toolResultText(block: JsonRecord, at: string, refuse: Refuse): string {
  const c = block.content;
  let text = typeof c === 'string' ? c : '';
  if (Array.isArray(c)) {
    for (const p of c) {
      const part = rec(p);
      if (part.type === 'text') text += str(part.text) ?? '';
      else refuse(`${at}.content`, `tool results of type '${String(part.type)}' do not translate to chat completions`);
    }
  }
  return block.is_error === true ? `Error: ${text}` : text;
}
