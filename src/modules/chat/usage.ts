/**
 * Token usage in the span's terms, from OpenAI usage objects; and the stream
 * assembler that rebuilds a completion from its chunks (for the span, the
 * cache and the token count).
 */
import type { ChatChunk, ChatResponse, ToolCall, Usage } from '../../schemas/openai.ts';

export interface TokenCounts {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number;
}

export const NO_TOKENS: Readonly<TokenCounts> = Object.freeze({
  prompt_tokens: 0,
  completion_tokens: 0,
  cached_tokens: 0,
  cache_creation_tokens: 0,
  reasoning_tokens: 0,
});

export function countsFromUsage(u: Usage | null | undefined): TokenCounts | null {
  if (!u) return null;
  return {
    prompt_tokens: u.prompt_tokens ?? 0,
    completion_tokens: u.completion_tokens ?? 0,
    cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    cache_creation_tokens: u.prompt_tokens_details?.cache_creation_tokens ?? 0,
    reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

interface ChoiceState {
  content: string;
  reasoning: string;
  hasContent: boolean;
  toolCalls: ToolCall[];
  finish: ChatResponse['choices'][number]['finish_reason'];
}

/** Rebuilds the completion from chunks as they pass. */
export class StreamAssembler {
  id = '';
  model = '';
  created = 0;
  usage: Usage | null = null;
  chunks = 0;
  private readonly choices = new Map<number, ChoiceState>();

  add(chunk: ChatChunk): void {
    this.chunks++;
    if (!this.id) {
      this.id = chunk.id;
      this.model = chunk.model;
      this.created = chunk.created;
    }
    if (chunk.usage) this.usage = chunk.usage;
    for (const c of chunk.choices) {
      let s = this.choices.get(c.index);
      if (!s) {
        s = { content: '', reasoning: '', hasContent: false, toolCalls: [], finish: null };
        this.choices.set(c.index, s);
      }
      const d = c.delta;
      if (typeof d.content === 'string') {
        s.content += d.content;
        s.hasContent = true;
      }
      const reasoning = (d as { reasoning_content?: unknown }).reasoning_content;
      if (typeof reasoning === 'string') s.reasoning += reasoning;
      for (const tc of d.tool_calls ?? []) {
        let call = s.toolCalls[tc.index];
        if (!call) {
          call = { id: tc.id ?? '', type: 'function', function: { name: '', arguments: '' } };
          s.toolCalls[tc.index] = call;
        }
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.function.name += tc.function.name;
        if (tc.function?.arguments) call.function.arguments += tc.function.arguments;
      }
      if (c.finish_reason) s.finish = c.finish_reason;
    }
  }

  /** The completion as a non-streamed response would have been. */
  response(): ChatResponse {
    const choices = [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, s]) => {
        const toolCalls = s.toolCalls.filter(Boolean);
        const message: ChatResponse['choices'][number]['message'] = {
          role: 'assistant',
          content: s.hasContent && (s.content !== '' || toolCalls.length === 0) ? s.content : null,
        };
        if (toolCalls.length > 0) message.tool_calls = toolCalls;
        if (s.reasoning) (message as Record<string, unknown>).reasoning_content = s.reasoning;
        return { index, message, finish_reason: s.finish };
      });
    return {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices,
      ...(this.usage ? { usage: this.usage } : {}),
    };
  }
}

/** The text of a completion, for counting tokens when the provider reported none. */
export function completionText(r: ChatResponse): string {
  let text = '';
  for (const c of r.choices) {
    text += c.message.content ?? '';
    for (const tc of c.message.tool_calls ?? []) text += tc.function.name + tc.function.arguments;
  }
  return text;
}
