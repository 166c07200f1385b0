/**
 * The client-facing APIs the proxy pipeline serves: chat completions, the
 * OpenAI Responses API and the Anthropic Messages API. The pipeline (prepare,
 * customer gate, cache, routing, span) is one; an API only says how its
 * request reaches an adapter, how answers and stream events go back, and how
 * its request reads as chat (the span's input, token counts, budget
 * estimates). Translation itself lives in src/providers/translate/.
 */
import { type GatewayError, ValidationError } from '../../errors.ts';
import type { ChatChunk, ChatMessage, ChatRequest, ChatResponse } from '../../schemas/openai.ts';
import { DEFAULT_MAX_TOKENS, toAnthropicRequest } from '../../providers/translate/messages/to-anthropic.ts';
import { chatToResponsesRequest } from '../../providers/translate/responses/from-chat.ts';
import { refuseStateful } from '../../providers/translate/responses/to-chat.ts';
import { SETS } from '../../providers/shared/unsupported.ts';
import { messagesWire } from '../../providers/translate/messages/index.ts';
import { responsesWire } from '../../providers/translate/responses/index.ts';
import { chunksOf, type ClientWire, type WireAnswer, type WireAssembler, type WireEvent } from '../../providers/translate/wire.ts';
import type { CallContext, ProviderAdapter, StreamedChunk } from '../../providers/types.ts';
import { chatBatches } from '../../providers/shared/batches.ts';
import { StreamAssembler } from './usage.ts';

export type ApiName = 'chat' | 'responses' | 'messages';

export interface ProxyApi {
  readonly name: ApiName;
  /** The request as chat, for the span's input, token counts and budget estimates (never sent). */
  chatView(upstream: Record<string, unknown>): ChatRequest;
  /** A prompt template (a chat request) in this API's own fields. */
  fromChat(template: ChatRequest): Record<string, unknown>;
  /** Validates the request before routing and fills this API's defaults (in place). */
  accept(upstream: Record<string, unknown>): void;
  complete(adapter: ProviderAdapter, upstream: Record<string, unknown>, ctx: CallContext): Promise<WireAnswer>;
  /** The answer's events, as many at a time as the upstream's reads brought (never an empty batch). */
  stream(adapter: ProviderAdapter, upstream: Record<string, unknown>, ctx: CallContext): AsyncIterable<WireEvent[]>;
  assembler(upstream: Record<string, unknown>): WireAssembler;
  /** A cached answer as stream events. */
  replay(answer: WireAnswer, upstream: Record<string, unknown>): WireEvent[];
  /** The event as this client should see it; null: not sent. */
  forClient(ev: WireEvent, upstream: Record<string, unknown>): WireEvent | null;
  frame(ev: WireEvent): string;
  errorFrame(err: GatewayError, asm: WireAssembler): string;
  /** Written after the last event (chat's `data: [DONE]`). */
  readonly trailer: string;
}

const includeUsage = (upstream: Record<string, unknown>) =>
  (upstream.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;

const chunkEvent = (data: ChatChunk): WireEvent => ({ type: 'chunk', data });
const chatAnswer = (r: ChatResponse): WireAnswer => ({ body: r, chat: r });
const streamedEvent = (s: StreamedChunk): WireEvent => (s.raw === undefined ? chunkEvent(s.chunk) : { type: 'chunk', data: s.chunk, raw: s.raw });

class ChatAssembler implements WireAssembler {
  readonly asm = new StreamAssembler();
  get events() {
    return this.asm.chunks;
  }
  add(ev: WireEvent): void {
    this.asm.add(ev.data as ChatChunk);
  }
  answer(): WireAnswer {
    const r = this.asm.response();
    return { body: r, chat: r };
  }
}

export const CHAT_API: ProxyApi = {
  name: 'chat',
  chatView: (upstream) => upstream as ChatRequest,
  fromChat: (template) => template,
  accept(upstream) {
    const messages = upstream.messages as ChatMessage[] | undefined;
    if (!messages || messages.length === 0) throw ValidationError.field('messages', 'messages is required (or a prompt)');
  },
  // Not an async function: one async step less per plain call.
  complete: (adapter, upstream, ctx) => adapter.complete({ ...upstream, model: ctx.model } as ChatRequest, ctx).then(chatAnswer),
  async *stream(adapter, upstream, ctx) {
    for await (const chunks of chatBatches(adapter, { ...upstream, model: ctx.model } as ChatRequest, ctx)) yield chunks.map(streamedEvent);
  },
  assembler: () => new ChatAssembler(),
  replay: (answer, upstream) => chunksOf(answer.chat, includeUsage(upstream)).map(chunkEvent),
  // Usage is always asked upstream; the client sees it only when it asked.
  forClient(ev, upstream) {
    const chunk = ev.data as ChatChunk;
    if (!chunk.usage || includeUsage(upstream)) return ev;
    if (chunk.choices.length === 0) return null;
    const { usage: _u, ...rest } = chunk;
    return { type: ev.type, data: rest };
  },
  frame: (ev) => `data: ${ev.raw ?? JSON.stringify(ev.data)}\n\n`,
  errorFrame: (err) =>
    `data: ${JSON.stringify({ error: { message: err.message, type: err.type, param: err.param, code: err.code ?? String(err.status) } })}\n\n`,
  trailer: 'data: [DONE]\n\n',
};

/** Responses and Messages: typed SSE events (`event:` names the type), no trailer. */
function wireApi(wire: ClientWire, own: Pick<ProxyApi, 'fromChat' | 'accept'>): ProxyApi {
  return {
    name: wire.shape,
    ...own,
    chatView: (upstream) => wire.toChat(upstream, null),
    complete: (adapter, upstream, ctx) => wire.complete(adapter, { ...upstream, model: ctx.model }, ctx),
    stream: (adapter, upstream, ctx) => wire.stream(adapter, { ...upstream, model: ctx.model }, ctx),
    assembler: (upstream) => wire.assembler(upstream),
    replay: (answer, upstream) => wire.replay(answer, upstream),
    forClient: (ev) => ev,
    frame: (ev) => `event: ${ev.type}\ndata: ${JSON.stringify(ev.data)}\n\n`,
    errorFrame(err, asm) {
      const ev = wire.errorEvent({ status: err.status, type: err.type, message: err.message, code: err.code, param: err.param }, asm);
      return `event: ${ev.type}\ndata: ${JSON.stringify(ev.data)}\n\n`;
    },
    trailer: '',
  };
}

export const RESPONSES_API = wireApi(responsesWire, {
  fromChat: chatToResponsesRequest,
  accept(upstream) {
    const input = upstream.input;
    if (input === undefined || input === '' || (Array.isArray(input) && input.length === 0)) {
      throw ValidationError.field('input', 'input is required (or a prompt)');
    }
    refuseStateful(upstream);
  },
});

export const MESSAGES_API = wireApi(messagesWire, {
  fromChat(template) {
    for (const p of Object.keys(SETS)) {
      if (SETS[p]?.(template)) throw ValidationError.field(`prompt.${p}`, 'the template parameter has no Messages API equivalent');
    }
    const { model: _m, ...fields } = toAnthropicRequest(template, '');
    if (template.max_tokens === undefined && template.max_completion_tokens === undefined) delete (fields as Record<string, unknown>).max_tokens;
    return fields;
  },
  accept(upstream) {
    const messages = upstream.messages;
    if (!Array.isArray(messages) || messages.length === 0) throw ValidationError.field('messages', 'messages is required (or a prompt)');
    // Anthropic requires max_tokens; the reference documents 4096 when none is given.
    upstream.max_tokens ??= DEFAULT_MAX_TOKENS;
  },
});
