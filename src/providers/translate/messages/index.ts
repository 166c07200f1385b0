/** The Anthropic Messages API for every adapter: native where the adapter has it, else through chat. */
import { unixNow } from '../../shared/json.ts';
import { type ClientWire, translatedCalls } from '../wire.ts';
import { anthropicErrorType } from './anthropic-events.ts';
import { fromAnthropicResponse } from './from-anthropic.ts';
import { chatToMessages, MessagesAssembler, MessagesEncoder } from './from-chat.ts';
import { messagesToChat } from './to-chat.ts';

export const messagesWire: ClientWire = {
  shape: 'messages',
  toChat: messagesToChat,
  ...translatedCalls({
    what: 'Messages response',
    native: (adapter) => adapter.native?.messages,
    toChat: messagesToChat,
    nativeChat: (body) => fromAnthropicResponse(body, unixNow()),
    fromChat: chatToMessages,
    encoder: () => new MessagesEncoder(),
  }),
  assembler: () => new MessagesAssembler(),
  errorEvent(err) {
    return { type: 'error', data: { type: 'error', error: { type: anthropicErrorType(err.status), message: err.message } } };
  },
};
