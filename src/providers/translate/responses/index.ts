/** The OpenAI Responses API for every adapter: native where the adapter has it, else through chat. */
import type { JsonRecord } from '../../shared/json.ts';
import { type ClientWire, translatedCalls } from '../wire.ts';
import { chatToResponses, responsesToChatResponse } from './response.ts';
import { ResponsesAssembler, ResponsesEncoder } from './stream.ts';
import { responsesToChat } from './to-chat.ts';

export const responsesWire: ClientWire = {
  shape: 'responses',
  toChat: responsesToChat,
  ...translatedCalls({
    what: 'Responses object',
    native: (adapter) => adapter.native?.responses,
    toChat: responsesToChat,
    nativeChat: responsesToChatResponse,
    fromChat: chatToResponses,
    encoder: (req) => new ResponsesEncoder(req),
  }),
  assembler: () => new ResponsesAssembler(),
  errorEvent(err, asm) {
    const seq = asm instanceof ResponsesAssembler ? asm.lastSequence + 1 : 0;
    const data: JsonRecord = { type: 'error', sequence_number: seq, code: err.code ?? String(err.status), message: err.message, param: err.param };
    return { type: 'error', data };
  },
};
