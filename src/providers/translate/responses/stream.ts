/**
 * Responses streams (pure): chat chunks -> Responses events for translating
 * adapters, and any Responses event stream -> the answer (for the span, the
 * cache and partial answers when a stream breaks).
 *
 * Event order, as OpenAI sends it: response.created, response.in_progress;
 * per output item output_item.added, then for a message content_part.added,
 * output_text.delta*, output_text.done, content_part.done; for a function
 * call function_call_arguments.delta*, function_call_arguments.done; for
 * reasoning reasoning_summary_part.added, reasoning_summary_text.delta*,
 * reasoning_summary_text.done, reasoning_summary_part.done; output_item.done;
 * finally response.completed (or response.incomplete). Every event carries a
 * running sequence_number. A message or reasoning item closes when another
 * item starts; function calls stay open until the end, since chat streams may
 * interleave parallel calls.
 */
import type { ChatChunk, ChatResponse, FinishReason, ToolCall, Usage } from '../../../schemas/openai.ts';
import { type JsonRecord, num, rec, str } from '../../shared/json.ts';
import { type WireAnswer, type WireAssembler, type WireEvent, wireId } from '../wire.ts';
import {
  functionCallItem,
  messageItem,
  outputText,
  reasoningItem,
  responseObject,
  responsesToChatResponse,
  responsesUsage,
  statusOf,
} from './response.ts';

interface OpenItem {
  kind: 'message' | 'reasoning' | 'function_call';
  index: number;
  id: string;
  text: string;
  call?: ToolCall;
}

export class ResponsesEncoder {
  private seq = 0;
  private started = false;
  private readonly id = wireId('resp_');
  private created = 0;
  private model = '';
  private readonly output: JsonRecord[] = [];
  /** The message or reasoning item being written. */
  private current: OpenItem | null = null;
  /** Chat tool-call index -> its open function_call item. */
  private readonly calls = new Map<number, OpenItem>();
  private finish: FinishReason = null;
  private usage: Usage | undefined;

  constructor(private readonly req: JsonRecord) {}

  private ev(type: string, fields: JsonRecord): WireEvent {
    return { type, data: { type, sequence_number: this.seq++, ...fields } };
  }

  private response(status: string, incomplete: JsonRecord | null, usage: JsonRecord | null): JsonRecord {
    return responseObject(this.req, { id: this.id, created_at: this.created, model: this.model, status, incomplete_details: incomplete, output: this.output, usage });
  }

  add(chunk: ChatChunk): WireEvent[] {
    const out: WireEvent[] = [];
    if (!this.started) {
      this.started = true;
      this.created = chunk.created;
      this.model = chunk.model;
      const r = this.response('in_progress', null, null);
      out.push(this.ev('response.created', { response: { ...r, output: [] } }), this.ev('response.in_progress', { response: { ...r, output: [] } }));
    }
    if (chunk.usage) this.usage = chunk.usage;
    const c = chunk.choices[0];
    if (!c) return out;
    const d = c.delta;
    const reasoning = (d as JsonRecord).reasoning_content;
    if (typeof reasoning === 'string' && reasoning) this.text(out, 'reasoning', reasoning);
    if (typeof d.content === 'string' && d.content) this.text(out, 'message', d.content);
    for (const tc of d.tool_calls ?? []) {
      let item = this.calls.get(tc.index);
      if (!item) {
        this.close(out);
        const call: ToolCall = { id: tc.id ?? wireId('call_'), type: 'function', function: { name: tc.function?.name ?? '', arguments: '' } };
        item = { kind: 'function_call', index: this.output.length, id: wireId('fc_'), text: '', call };
        this.calls.set(tc.index, item);
        this.output.push(functionCallItem(item.id, 'in_progress', call));
        out.push(this.ev('response.output_item.added', { output_index: item.index, item: functionCallItem(item.id, 'in_progress', call) }));
      }
      const args = tc.function?.arguments;
      if (args) {
        item.text += args;
        out.push(this.ev('response.function_call_arguments.delta', { item_id: item.id, output_index: item.index, delta: args }));
      }
    }
    if (c.finish_reason) this.finish = c.finish_reason;
    return out;
  }

  /** Closes every open item and sends the final response event. */
  end(): WireEvent[] {
    const out: WireEvent[] = [];
    this.close(out);
    for (const item of this.calls.values()) {
      const call = item.call as ToolCall;
      call.function.arguments = item.text;
      const done = functionCallItem(item.id, 'completed', call);
      this.output[item.index] = done;
      out.push(
        this.ev('response.function_call_arguments.done', { item_id: item.id, output_index: item.index, name: call.function.name, arguments: item.text }),
        this.ev('response.output_item.done', { output_index: item.index, item: done }),
      );
    }
    this.calls.clear();
    const { status, incomplete_details } = statusOf(this.finish ?? 'stop');
    const type = status === 'completed' ? 'response.completed' : 'response.incomplete';
    out.push(this.ev(type, { response: this.response(status, incomplete_details, responsesUsage(this.usage)) }));
    return out;
  }

  private text(out: WireEvent[], kind: 'message' | 'reasoning', delta: string): void {
    let item = this.current;
    if (!item || item.kind !== kind) {
      this.close(out);
      item = { kind, index: this.output.length, id: wireId(kind === 'message' ? 'msg_' : 'rs_'), text: '' };
      this.current = item;
      const added = kind === 'message' ? messageItem(item.id, 'in_progress', null) : { type: 'reasoning', id: item.id, summary: [] };
      this.output.push(added);
      out.push(this.ev('response.output_item.added', { output_index: item.index, item: added }));
      out.push(
        kind === 'message'
          ? this.ev('response.content_part.added', { item_id: item.id, output_index: item.index, content_index: 0, part: outputText('') })
          : this.ev('response.reasoning_summary_part.added', { item_id: item.id, output_index: item.index, summary_index: 0, part: { type: 'summary_text', text: '' } }),
      );
    }
    item.text += delta;
    out.push(
      kind === 'message'
        ? this.ev('response.output_text.delta', { item_id: item.id, output_index: item.index, content_index: 0, delta, logprobs: [] })
        : this.ev('response.reasoning_summary_text.delta', { item_id: item.id, output_index: item.index, summary_index: 0, delta }),
    );
  }

  private close(out: WireEvent[]): void {
    const item = this.current;
    if (!item) return;
    this.current = null;
    const at = { item_id: item.id, output_index: item.index };
    if (item.kind === 'message') {
      const done = messageItem(item.id, 'completed', item.text);
      this.output[item.index] = done;
      out.push(
        this.ev('response.output_text.done', { ...at, content_index: 0, text: item.text, logprobs: [] }),
        this.ev('response.content_part.done', { ...at, content_index: 0, part: outputText(item.text) }),
        this.ev('response.output_item.done', { output_index: item.index, item: done }),
      );
    } else {
      const done = reasoningItem(item.id, item.text);
      this.output[item.index] = done;
      out.push(
        this.ev('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: item.text }),
        this.ev('response.reasoning_summary_part.done', { ...at, summary_index: 0, part: { type: 'summary_text', text: item.text } }),
        this.ev('response.output_item.done', { output_index: item.index, item: done }),
      );
    }
  }
}

/** Rebuilds the answer from Responses events: the final response object, or what arrived before a break. */
export class ResponsesAssembler implements WireAssembler {
  events = 0;
  lastSequence = -1;
  private final: JsonRecord | null = null;
  private base: JsonRecord = {};
  /** Output items by index, as far as they got. */
  private readonly items: JsonRecord[] = [];

  add(ev: WireEvent): void {
    this.events++;
    const d = ev.data;
    const seq = num(d.sequence_number);
    if (seq !== undefined) this.lastSequence = seq;
    const index = num(d.output_index) ?? 0;
    switch (d.type) {
      case 'response.created':
        this.base = rec(d.response);
        return;
      case 'response.output_item.added':
      case 'response.output_item.done':
        this.items[index] = structuredClone(rec(d.item));
        return;
      case 'response.output_text.delta': {
        const item = this.items[index];
        if (item?.type === 'message') {
          const content = Array.isArray(item.content) ? item.content : (item.content = []);
          const ci = num(d.content_index) ?? 0;
          const part = rec(content[ci] ?? (content[ci] = outputText('')));
          part.text = (str(part.text) ?? '') + (str(d.delta) ?? '');
        }
        return;
      }
      case 'response.function_call_arguments.delta': {
        const item = this.items[index];
        if (item?.type === 'function_call') item.arguments = (str(item.arguments) ?? '') + (str(d.delta) ?? '');
        return;
      }
      case 'response.completed':
      case 'response.incomplete':
        this.final = rec(d.response);
        return;
      default:
        return;
    }
  }

  answer(): WireAnswer {
    const body = this.final ?? { ...this.base, output: this.items.filter(Boolean) };
    const chat = responsesToChatResponse(body) ?? responsesToChatResponse({ output: [] });
    return { body, chat: chat as ChatResponse };
  }
}
