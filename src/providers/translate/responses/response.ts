/**
 * Responses objects <-> chat completions (pure): the answer a translating
 * adapter gave, as a Responses object; and a Responses object (native, or
 * the last event of a stream) as chat, for the span, tokens and cost.
 *
 * Usage: input_tokens = prompt_tokens (cached included, as both count it),
 * output_tokens = completion_tokens (reasoning included).
 * Status: finish `length` -> incomplete (max_output_tokens), `content_filter`
 * -> incomplete (content_filter), else completed.
 */
import type { ChatResponse, FinishReason, ToolCall, Usage } from '../../../schemas/openai.ts';
import { arr, isRecord, type JsonRecord, num, rec, str } from '../../shared/json.ts';
import { wireId } from '../wire.ts';

export function responsesUsage(u: Usage | undefined): JsonRecord | null {
  if (!u) return null;
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: u.prompt_tokens + u.completion_tokens,
  };
}

export function statusOf(finish: FinishReason): { status: string; incomplete_details: JsonRecord | null } {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** The response object around `output`, echoing the request's settings as OpenAI does. */
export function responseObject(
  req: JsonRecord,
  f: { id: string; created_at: number; model: string; status: string; incomplete_details: JsonRecord | null; output: JsonRecord[]; usage: JsonRecord | null },
): JsonRecord {
  const reasoning = rec(req.reasoning);
  return {
    id: f.id,
    object: 'response',
    created_at: f.created_at,
    status: f.status,
    error: null,
    incomplete_details: f.incomplete_details,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    model: f.model,
    output: f.output,
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    store: false,
    temperature: req.temperature ?? null,
    text: isRecord(req.text) ? req.text : { format: { type: 'text' } },
    tool_choice: req.tool_choice ?? 'auto',
    tools: req.tools ?? [],
    top_p: req.top_p ?? null,
    truncation: 'disabled',
    usage: f.usage,
    user: req.user ?? null,
    metadata: req.metadata ?? {},
  };
}

export const reasoningItem = (id: string, text: string): JsonRecord => ({ type: 'reasoning', id, summary: [{ type: 'summary_text', text }] });

export const outputText = (text: string): JsonRecord => ({ type: 'output_text', text, annotations: [], logprobs: [] });

export const messageItem = (id: string, status: string, text: string | null): JsonRecord => ({
  type: 'message',
  id,
  status,
  role: 'assistant',
  content: text === null ? [] : [outputText(text)],
});

export const functionCallItem = (id: string, status: string, call: ToolCall): JsonRecord => ({
  type: 'function_call',
  id,
  call_id: call.id,
  name: call.function.name,
  arguments: call.function.arguments,
  status,
});

/** A chat completion as a Responses object. */
export function chatToResponses(r: ChatResponse, req: JsonRecord): JsonRecord {
  const choice = r.choices[0];
  const m = choice?.message;
  const output: JsonRecord[] = [];
  if (m?.reasoning_content) output.push(reasoningItem(wireId('rs_'), m.reasoning_content));
  if (m?.content) output.push(messageItem(wireId('msg_'), 'completed', m.content));
  for (const tc of m?.tool_calls ?? []) output.push(functionCallItem(wireId('fc_'), 'completed', tc));
  return responseObject(req, {
    id: wireId('resp_'),
    created_at: r.created,
    model: r.model,
    ...statusOf(choice?.finish_reason ?? 'stop'),
    output,
    usage: responsesUsage(r.usage),
  });
}

/** A Responses object as a chat completion; undefined when the body is not one. */
export function responsesToChatResponse(body: unknown): ChatResponse | undefined {
  if (!isRecord(body) || !Array.isArray(body.output)) return undefined;
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  for (const raw of body.output) {
    const item = rec(raw);
    if (item.type === 'message') {
      for (const p of arr(item.content)) text += str(rec(p).text) ?? str(rec(p).refusal) ?? '';
    } else if (item.type === 'function_call') {
      toolCalls.push({
        id: str(item.call_id) ?? '',
        type: 'function',
        function: { name: str(item.name) ?? '', arguments: str(item.arguments) ?? '' },
      });
    } else if (item.type === 'reasoning') {
      for (const s of arr(item.summary)) reasoning += str(rec(s).text) ?? '';
    }
  }
  const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  const out: ChatResponse = {
    id: str(body.id) ?? '',
    object: 'chat.completion',
    created: num(body.created_at) ?? 0,
    model: str(body.model) ?? '',
    choices: [{ index: 0, message, finish_reason: finishOf(body, toolCalls.length > 0) }],
  };
  const usage = chatUsage(body.usage);
  if (usage) out.usage = usage;
  return out;
}

function finishOf(body: JsonRecord, calledTools: boolean): FinishReason {
  const reason = rec(body.incomplete_details).reason;
  if (body.status === 'incomplete') return reason === 'content_filter' ? 'content_filter' : 'length';
  return calledTools ? 'tool_calls' : 'stop';
}

function chatUsage(u: unknown): Usage | undefined {
  if (!isRecord(u)) return undefined;
  const prompt = num(u.input_tokens) ?? 0;
  const completion = num(u.output_tokens) ?? 0;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  const cached = num(rec(u.input_tokens_details).cached_tokens);
  if (cached !== undefined) usage.prompt_tokens_details = { cached_tokens: cached };
  const reasoning = num(rec(u.output_tokens_details).reasoning_tokens);
  if (reasoning !== undefined) usage.completion_tokens_details = { reasoning_tokens: reasoning };
  return usage;
}
