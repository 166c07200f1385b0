/** The Anthropic Messages API for every adapter: native where the adapter has it, else through chat. */
import { isRecord } from '../../shared/json.ts';
import type { CallContext, ProviderAdapter } from '../../types.ts';
import { type Attempt, chunksOf, type ClientWire, malformed, type WireEvent } from '../wire.ts';
import { fromAnthropicResponse } from './from-anthropic.ts';
import { anthropicErrorType } from './anthropic-events.ts';
import { chatToMessages, MessagesAssembler, MessagesEncoder } from './from-chat.ts';
import { messagesToChat } from './to-chat.ts';

const attemptOf = (adapter: ProviderAdapter, ctx: CallContext): Attempt => ({ provider: adapter.id, model: ctx.model });

export const messagesWire: ClientWire = {
  shape: 'messages',

  toChat: messagesToChat,

  async complete(adapter, req, ctx) {
    const native = adapter.native?.messages;
    if (native) {
      const body = await native.complete(req, ctx);
      const chat = fromAnthropicResponse(body, Math.floor(Date.now() / 1000));
      if (!chat || !isRecord(body)) throw malformed(attemptOf(adapter, ctx), 'Messages response');
      return { body, chat };
    }
    const chat = await adapter.complete({ ...messagesToChat(req, attemptOf(adapter, ctx)), model: ctx.model }, ctx);
    return { body: chatToMessages(chat), chat };
  },

  async *stream(adapter, req, ctx): AsyncGenerator<WireEvent> {
    const native = adapter.native?.messages;
    if (native) {
      for await (const data of native.stream(req, ctx)) {
        if (!isRecord(data) || typeof data.type !== 'string') throw malformed(attemptOf(adapter, ctx), 'Messages stream event');
        yield { type: data.type, data };
      }
      return;
    }
    const chatReq = { ...messagesToChat(req, attemptOf(adapter, ctx)), model: ctx.model, stream: true };
    const enc = new MessagesEncoder();
    for await (const chunk of adapter.stream(chatReq, ctx)) yield* enc.add(chunk);
    yield* enc.end();
  },

  assembler: () => new MessagesAssembler(),

  replay(answer) {
    const enc = new MessagesEncoder();
    const out: WireEvent[] = [];
    for (const c of chunksOf(answer.chat, true)) out.push(...enc.add(c));
    out.push(...enc.end());
    return out;
  },

  errorEvent(err) {
    return { type: 'error', data: { type: 'error', error: { type: anthropicErrorType(err.status), message: err.message } } };
  },
};
