/** The OpenAI Responses API for every adapter: native where the adapter has it, else through chat. */
import { isRecord, type JsonRecord } from '../../shared/json.ts';
import type { CallContext, ProviderAdapter } from '../../types.ts';
import { type Attempt, type ClientWire, malformed, type WireEvent } from '../wire.ts';
import { chatToResponses, responsesToChatResponse } from './response.ts';
import { ResponsesAssembler, ResponsesEncoder, replayResponses } from './stream.ts';
import { responsesToChat } from './to-chat.ts';

const attemptOf = (adapter: ProviderAdapter, ctx: CallContext): Attempt => ({ provider: adapter.id, model: ctx.model });

export const responsesWire: ClientWire = {
  shape: 'responses',

  toChat: responsesToChat,

  async complete(adapter, req, ctx) {
    const native = adapter.native?.responses;
    if (native) {
      const body = await native.complete(req, ctx);
      const chat = responsesToChatResponse(body);
      if (!chat || !isRecord(body)) throw malformed(attemptOf(adapter, ctx), 'Responses object');
      return { body, chat };
    }
    const chat = await adapter.complete({ ...responsesToChat(req, attemptOf(adapter, ctx)), model: ctx.model }, ctx);
    return { body: chatToResponses(chat, req), chat };
  },

  async *stream(adapter, req, ctx): AsyncGenerator<WireEvent> {
    const native = adapter.native?.responses;
    if (native) {
      for await (const data of native.stream(req, ctx)) {
        if (!isRecord(data) || typeof data.type !== 'string') throw malformed(attemptOf(adapter, ctx), 'Responses stream event');
        yield { type: data.type, data };
      }
      return;
    }
    const chatReq = { ...responsesToChat(req, attemptOf(adapter, ctx)), model: ctx.model, stream: true };
    const enc = new ResponsesEncoder(req);
    for await (const chunk of adapter.stream(chatReq, ctx)) yield* enc.add(chunk);
    yield* enc.end();
  },

  assembler: () => new ResponsesAssembler(),

  replay: (answer, req) => replayResponses(answer.chat, req),

  errorEvent(err, asm) {
    const seq = asm instanceof ResponsesAssembler ? asm.lastSequence + 1 : 0;
    const data: JsonRecord = { type: 'error', sequence_number: seq, code: err.code ?? String(err.status), message: err.message, param: err.param };
    return { type: 'error', data };
  },
};
