/**
 * OpenAI Responses request -> chat request (pure), and the check of what the
 * gateway refuses before any upstream call.
 *
 * - `instructions` -> a first system message; `input` as a string -> one
 *   user message; message items keep their role, with `input_text` /
 *   `output_text` -> text and `input_image` -> image_url parts;
 *   `function_call` items -> the assistant's tool_calls (merged into the
 *   assistant message before them), `function_call_output` -> tool messages.
 * - `reasoning` items are dropped: they are another model's thoughts, and
 *   their encrypted content means nothing to this one.
 * - `tools` of type function, `tool_choice`, `parallel_tool_calls`,
 *   `text.format` (-> response_format), `max_output_tokens` (-> max_tokens),
 *   `temperature`, `top_p`, `reasoning.effort` (-> reasoning_effort),
 *   `user` / `safety_identifier` (-> user) translate.
 * - Fields that do not change the answer are not sent: `metadata` (echoed
 *   in the response), `store: false`, `include`, `truncation`,
 *   `prompt_cache_key`, `service_tier`, `stream_options`,
 *   `reasoning.summary`. Anything else (hosted tools, files, `top_logprobs`,
 *   ...) is a 400 naming it, so nothing is silently lost.
 */
import { BadRequestError } from '../../../errors.ts';
import type { ChatMessage, ChatRequest, ContentPart, Tool, ToolCall, ToolChoice } from '../../../schemas/openai.ts';
import { textOf } from '../../shared/content.ts';
import { arr, isRecord, type JsonRecord, rec, str } from '../../shared/json.ts';
import { type Attempt, type Refuse, refuser } from '../wire.ts';

/** Stateful parts of the Responses API: the gateway keeps no responses (docs/proxy.md says why). */
const STATELESS_HINT = 'this gateway keeps no responses: send the whole conversation in `input` (with the Vercel AI SDK, providerOptions.openai.store = false)';

/** Refuses, before routing, what needs responses stored between calls. */
export function refuseStateful(req: JsonRecord): void {
  if (req.previous_response_id != null) throw new BadRequestError(`previous_response_id is not supported: ${STATELESS_HINT}`, 'previous_response_id');
  if (req.conversation != null) throw new BadRequestError(`conversation is not supported: ${STATELESS_HINT}`, 'conversation');
  if (req.store === true) throw new BadRequestError(`store: true is not supported: ${STATELESS_HINT}`, 'store');
  if (req.background === true) throw new BadRequestError('background is not supported: responses are answered while the request is open', 'background');
  const items = arr(req.input);
  for (let i = 0; i < items.length; i++) {
    if (rec(items[i]).type === 'item_reference') {
      throw new BadRequestError(`input[${i}]: item_reference is not supported: ${STATELESS_HINT}`, `input[${i}]`);
    }
  }
}

/** Fields that translate, then those that are not sent because they do not change the answer. */
const KNOWN: ReadonlySet<string> = new Set([
  ...['input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'text', 'max_output_tokens', 'temperature', 'top_p', 'reasoning', 'user', 'safety_identifier'],
  ...['model', 'metadata', 'store', 'include', 'truncation', 'prompt_cache_key', 'service_tier', 'stream', 'stream_options', 'background'],
]);

export function responsesToChat(req: JsonRecord, attempt: Attempt | null): ChatRequest {
  const refuse = refuser(req, KNOWN, 'Responses', attempt);
  const messages: ChatMessage[] = [];
  const instructions = str(req.instructions);
  if (instructions) messages.push({ role: 'system', content: instructions });
  if (typeof req.input === 'string') messages.push({ role: 'user', content: req.input });
  else arr(req.input).forEach((item, i) => addItem(messages, rec(item), `input[${i}]`, refuse));

  const out: ChatRequest = { model: str(req.model) ?? '', messages };
  const tools: Tool[] = [];
  arr(req.tools).forEach((t, i) => {
    const tool = rec(t);
    if (tool.type !== 'function') return refuse(`tools[${i}]`, `tool type '${String(tool.type)}' is OpenAI's own; only function tools translate`);
    const fn: Tool['function'] = { name: str(tool.name) ?? '' };
    if (typeof tool.description === 'string') fn.description = tool.description;
    if (isRecord(tool.parameters)) fn.parameters = tool.parameters;
    if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
    tools.push({ type: 'function', function: fn });
  });
  if (tools.length > 0) out.tools = tools;
  const choice = toolChoice(req.tool_choice, refuse);
  if (choice) out.tool_choice = choice;
  if (typeof req.parallel_tool_calls === 'boolean') out.parallel_tool_calls = req.parallel_tool_calls;
  applyText(out, rec(req.text), refuse);
  if (typeof req.max_output_tokens === 'number') out.max_tokens = req.max_output_tokens;
  if (typeof req.temperature === 'number') out.temperature = req.temperature;
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  const effort = str(rec(req.reasoning).effort);
  // Not in our ChatRequest schema; OpenAI's chat parameter of the same meaning, passed through as an extra.
  if (effort) (out as JsonRecord).reasoning_effort = effort;
  const user = str(req.user) ?? str(req.safety_identifier);
  if (user) out.user = user;
  if (req.stream === true) out.stream = true;
  return out;
}

function addItem(messages: ChatMessage[], item: JsonRecord, at: string, refuse: Refuse): void {
  const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
  switch (type) {
    case 'message': {
      const role = str(item.role);
      if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') {
        return refuse(`${at}.role`, `role '${String(item.role)}' is not a message role`);
      }
      const parts = typeof item.content === 'string' ? item.content : contentParts(arr(item.content), at, refuse);
      if (role === 'assistant') {
        const text = typeof parts === 'string' ? parts : textOf(parts);
        messages.push({ role, content: text });
      } else messages.push({ role, content: parts });
      return;
    }
    case 'function_call': {
      const call: ToolCall = {
        id: str(item.call_id) ?? '',
        type: 'function',
        function: { name: str(item.name) ?? '', arguments: str(item.arguments) ?? '{}' },
      };
      const last = messages[messages.length - 1];
      // Pushed, not copied: a body of many calls in a row would copy the list once per call.
      if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
      return;
    }
    case 'function_call_output': {
      const output = typeof item.output === 'string' ? item.output : textOfParts(arr(item.output));
      messages.push({ role: 'tool', tool_call_id: str(item.call_id) ?? '', content: output });
      return;
    }
    case 'reasoning':
      return;
    default:
      return refuse(at, `input items of type '${String(type)}' do not translate to chat completions`);
  }
}

function contentParts(parts: unknown[], at: string, refuse: Refuse): ContentPart[] {
  const out: ContentPart[] = [];
  parts.forEach((p, i) => {
    const part = rec(p);
    switch (part.type) {
      case 'input_text':
      case 'output_text':
        out.push({ type: 'text', text: str(part.text) ?? '' });
        return;
      case 'refusal':
        out.push({ type: 'text', text: str(part.refusal) ?? '' });
        return;
      case 'input_image': {
        const url = str(part.image_url);
        if (!url) return refuse(`${at}.content[${i}]`, 'images by file_id need OpenAI file storage; send image_url (a URL or a data URL)');
        const detail = str(part.detail);
        out.push({ type: 'image_url', image_url: { url, ...(detail ? { detail } : {}) } });
        return;
      }
      default:
        return refuse(`${at}.content[${i}]`, `content of type '${String(part.type)}' does not translate to chat completions`);
    }
  });
  return out;
}

function textOfParts(parts: unknown[]): string {
  return parts.map((p) => str(rec(p).text) ?? '').join('');
}

function toolChoice(c: unknown, refuse: Refuse): ToolChoice | undefined {
  if (c === undefined || c === null) return undefined;
  if (c === 'auto' || c === 'none' || c === 'required') return c;
  const o = rec(c);
  if (o.type === 'function' && typeof o.name === 'string') return { type: 'function', function: { name: o.name } };
  refuse('tool_choice', 'only auto, none, required and a function translate');
  return undefined;
}

function applyText(out: ChatRequest, text: JsonRecord, refuse: Refuse): void {
  const format = rec(text.format);
  if (format.type === 'json_object') out.response_format = { type: 'json_object' };
  else if (format.type === 'json_schema') {
    const js: JsonRecord = { name: str(format.name) ?? 'response', schema: rec(format.schema) };
    if (typeof format.strict === 'boolean') js.strict = format.strict;
    if (typeof format.description === 'string') js.description = format.description;
    out.response_format = { type: 'json_schema', json_schema: js };
  } else if (format.type !== undefined && format.type !== 'text') refuse('text.format', `format '${String(format.type)}' is unknown`);
  if (text.verbosity !== undefined && text.verbosity !== null) refuse('text.verbosity', 'verbosity is an OpenAI Responses option');
}
