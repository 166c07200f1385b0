/** Anthropic Messages response -> OpenAI chat completion (pure). */
import type { ChatResponse, FinishReason, ToolCall, Usage } from '../../../schemas/openai.ts';
import { arr, isRecord, num, rec, str } from '../../shared/json.ts';

/**
 * end_turn/stop_sequence/pause_turn -> stop, max_tokens -> length,
 * tool_use -> tool_calls, refusal -> content_filter.
 */
export function mapStopReason(reason: unknown): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    case null:
    case undefined:
      return null;
    default:
      return 'stop';
  }
}

/**
 * Anthropic counts cache reads and writes apart from `input_tokens`; OpenAI's
 * prompt_tokens is everything sent, with cached reads as a detail. So
 * prompt = input + cache_read + cache_creation.
 */
export function mapUsage(u: unknown): Usage {
  const r = rec(u);
  const input = num(r.input_tokens) ?? 0;
  const read = num(r.cache_read_input_tokens) ?? 0;
  const created = num(r.cache_creation_input_tokens) ?? 0;
  const output = num(r.output_tokens) ?? 0;
  const prompt = input + read + created;
  return {
    prompt_tokens: prompt,
    completion_tokens: output,
    total_tokens: prompt + output,
    prompt_tokens_details: { cached_tokens: read, cache_creation_tokens: created },
  };
}

/** Returns undefined when the body is not a Messages response. */
export function fromAnthropicResponse(body: unknown, created: number): ChatResponse | undefined {
  if (!isRecord(body) || !Array.isArray(body.content)) return undefined;
  let text = '';
  let thinking = '';
  const toolCalls: ToolCall[] = [];
  for (const b of arr(body.content)) {
    if (!isRecord(b)) continue;
    if (b.type === 'text') text += str(b.text) ?? '';
    else if (b.type === 'thinking') thinking += str(b.thinking) ?? '';
    else if (b.type === 'tool_use') {
      toolCalls.push({
        id: str(b.id) ?? `toolu_${toolCalls.length}`,
        type: 'function',
        function: { name: str(b.name) ?? '', arguments: JSON.stringify(b.input ?? {}) },
      });
    }
  }
  const message: ChatResponse['choices'][number]['message'] = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  // Not in OpenAI's schema; the field name DeepSeek and others use for reasoning.
  if (thinking) message.reasoning_content = thinking;
  return {
    id: str(body.id) ?? 'msg_unknown',
    object: 'chat.completion',
    created,
    model: str(body.model) ?? '',
    choices: [{ index: 0, message, finish_reason: mapStopReason(body.stop_reason) }],
    usage: mapUsage(body.usage),
  };
}
