/**
 * Chat completions -> Anthropic Messages (pure), for adapters that do not
 * speak Messages: the answer as a Message, a chunk stream as Messages events,
 * and any Messages event stream assembled back into a Message.
 *
 * Usage: Anthropic counts cache reads and writes apart from input_tokens, so
 * input_tokens = prompt_tokens - cached - cache_creation (the inverse of
 * from-anthropic.ts). Stop reasons: stop -> end_turn, length -> max_tokens,
 * tool_calls -> tool_use, content_filter -> refusal.
 * Reasoning text from other providers is not sent as thinking blocks: those
 * need Anthropic's signature to be sent back.
 *
 * Stream order: message_start; per block content_block_start,
 * content_block_delta*, content_block_stop; message_delta (stop_reason and the
 * whole usage, which OpenAI-shaped streams report only at the end);
 * message_stop.
 */
import type { ChatChunk, ChatResponse, FinishReason, Usage } from '../../../schemas/openai.ts';
import { isRecord, type JsonRecord, num, parseArgs, rec, str, unixNow } from '../../shared/json.ts';
import { type WireAnswer, type WireAssembler, type WireEvent, wireId } from '../wire.ts';
import { fromAnthropicResponse } from './from-anthropic.ts';

function stopReason(f: FinishReason): string {
  switch (f) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

function messagesUsage(u: Usage | null | undefined): JsonRecord {
  const cached = u?.prompt_tokens_details?.cached_tokens ?? 0;
  const created = u?.prompt_tokens_details?.cache_creation_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (u?.prompt_tokens ?? 0) - cached - created),
    output_tokens: u?.completion_tokens ?? 0,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: created,
  };
}

export function chatToMessages(r: ChatResponse): JsonRecord {
  const choice = r.choices[0];
  const content: JsonRecord[] = [];
  const m = choice?.message;
  if (m?.content) content.push({ type: 'text', text: m.content });
  for (const tc of m?.tool_calls ?? []) content.push({ type: 'tool_use', id: tc.id, name: tc.function.name, input: parseArgs(tc.function.arguments) });
  return {
    id: r.id.startsWith('msg_') ? r.id : wireId('msg_'),
    type: 'message',
    role: 'assistant',
    model: r.model,
    content,
    stop_reason: stopReason(choice?.finish_reason ?? 'stop'),
    stop_sequence: null,
    usage: messagesUsage(r.usage),
  };
}

const ev = (type: string, fields: JsonRecord = {}): WireEvent => ({ type, data: { type, ...fields } });

export class MessagesEncoder {
  private started = false;
  /** The open content block: its index and kind; chat tool index -> block index. */
  private block: { index: number; kind: 'text' | 'tool' } | null = null;
  private blocks = 0;
  private readonly tools = new Map<number, number>();
  private finish: FinishReason = null;
  private usage: Usage | undefined;

  add(chunk: ChatChunk): WireEvent[] {
    const out: WireEvent[] = [];
    if (!this.started) {
      this.started = true;
      out.push(
        ev('message_start', {
          message: { id: wireId('msg_'), type: 'message', role: 'assistant', model: chunk.model, content: [], stop_reason: null, stop_sequence: null, usage: messagesUsage(undefined) },
        }),
      );
    }
    if (chunk.usage) this.usage = chunk.usage;
    const c = chunk.choices[0];
    if (!c) return out;
    const text = c.delta.content;
    if (typeof text === 'string' && text) {
      if (this.block?.kind !== 'text') this.open(out, 'text', { type: 'text', text: '' });
      out.push(ev('content_block_delta', { index: this.block?.index, delta: { type: 'text_delta', text } }));
    }
    for (const tc of c.delta.tool_calls ?? []) {
      let index = this.tools.get(tc.index);
      if (index === undefined) {
        index = this.open(out, 'tool', { type: 'tool_use', id: tc.id ?? wireId('toolu_'), name: tc.function?.name ?? '', input: {} });
        this.tools.set(tc.index, index);
      }
      const args = tc.function?.arguments;
      if (args) out.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: args } }));
    }
    if (c.finish_reason) this.finish = c.finish_reason;
    return out;
  }

  end(): WireEvent[] {
    const out: WireEvent[] = [];
    this.close(out);
    const delta = ev('message_delta', { delta: { stop_reason: stopReason(this.finish ?? 'stop'), stop_sequence: null }, usage: messagesUsage(this.usage) });
    if (this.usage) delta.usage = this.usage;
    out.push(delta);
    out.push(ev('message_stop'));
    return out;
  }

  private open(out: WireEvent[], kind: 'text' | 'tool', block: JsonRecord): number {
    this.close(out);
    const index = this.blocks++;
    this.block = { index, kind };
    out.push(ev('content_block_start', { index, content_block: block }));
    return index;
  }

  private close(out: WireEvent[]): void {
    if (!this.block) return;
    out.push(ev('content_block_stop', { index: this.block.index }));
    this.block = null;
  }
}

/** Rebuilds the Message from its events, as the Anthropic SDK does; tool input JSON is parsed at the end. */
export class MessagesAssembler implements WireAssembler {
  events = 0;
  private body: JsonRecord = { type: 'message', role: 'assistant', content: [], usage: {} };
  private readonly json = new Map<number, string>();
  /** A translated stream's own chat usage (WireEvent.usage), which wins over the Messages usage. */
  private usage: Usage | undefined;

  add(e: WireEvent): void {
    this.events++;
    if (e.usage) this.usage = e.usage;
    const d = e.data;
    const index = num(d.index) ?? 0;
    const content = this.body.content as JsonRecord[];
    switch (d.type) {
      case 'message_start':
        this.body = { ...structuredClone(rec(d.message)), content: [] };
        return;
      case 'content_block_start':
        content[index] = structuredClone(rec(d.content_block));
        return;
      case 'content_block_delta': {
        const block = content[index];
        const delta = rec(d.delta);
        if (!block) return;
        if (delta.type === 'text_delta') block.text = (str(block.text) ?? '') + (str(delta.text) ?? '');
        else if (delta.type === 'thinking_delta') block.thinking = (str(block.thinking) ?? '') + (str(delta.thinking) ?? '');
        else if (delta.type === 'signature_delta') block.signature = delta.signature;
        else if (delta.type === 'input_json_delta') this.json.set(index, (this.json.get(index) ?? '') + (str(delta.partial_json) ?? ''));
        return;
      }
      case 'message_delta': {
        const delta = rec(d.delta);
        if (delta.stop_reason !== undefined) this.body.stop_reason = delta.stop_reason;
        if (delta.stop_sequence !== undefined) this.body.stop_sequence = delta.stop_sequence;
        this.body.usage = { ...rec(this.body.usage), ...rec(d.usage) };
        return;
      }
      default:
        return;
    }
  }

  answer(): WireAnswer {
    const content = (this.body.content as JsonRecord[]).filter(isRecord);
    for (const [i, text] of this.json) {
      const block = (this.body.content as JsonRecord[])[i];
      if (block?.type === 'tool_use') block.input = parseArgs(text || '{}');
    }
    const body = { ...this.body, content };
    const chat = fromAnthropicResponse(body, unixNow()) as ChatResponse;
    if (this.usage) chat.usage = this.usage;
    return { body, chat };
  }
}
