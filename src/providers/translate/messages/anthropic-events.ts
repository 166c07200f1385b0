/**
 * Anthropic stream events -> OpenAI chunks. A small state machine: Anthropic
 * numbers content blocks (text, thinking and tool_use share one index space)
 * while OpenAI numbers tool calls only, and usage arrives in two halves
 * (input in message_start, output in message_delta).
 *
 * Sequence: message_start, then per block content_block_start /
 * content_block_delta* / content_block_stop, message_delta (stop_reason,
 * cumulative output_tokens), message_stop; `ping` anywhere; `error` anywhere,
 * which we throw as an UpstreamError so the consumer's iterator fails.
 */
import type { UpstreamError } from '../../../errors.ts';
import type { ChatChunk, FinishReason, ToolCallDelta } from '../../../schemas/openai.ts';
import { isRecord, num, rec, str, type JsonRecord } from '../../shared/json.ts';
import { mapStopReason, mapUsage } from './from-anthropic.ts';

/** Builds the error of an `error` event: the adapter's, so redaction and caller-base rules apply (http.ts). */
export type StreamFailure = (status: number, message: string, type: string) => UpstreamError;

export interface AnthropicStreamState {
  model: string;
  fail: StreamFailure;
  id: string;
  created: number;
  /** Raw Anthropic usage, merged as events arrive. */
  usage: JsonRecord;
  /** Content block index -> OpenAI tool call index. */
  toolIndex: Map<number, number>;
  finish: FinishReason;
}

export function createAnthropicStreamState(init: { model: string; fail: StreamFailure; created: number }): AnthropicStreamState {
  return {
    model: init.model,
    fail: init.fail,
    id: 'msg_unknown',
    created: init.created,
    usage: {},
    toolIndex: new Map(),
    finish: null,
  };
}

/** Anthropic's error types and their HTTP statuses (an error inside a 200 stream has only the type). */
const ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  billing_error: 402,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The Anthropic error type for a status: how the gateway's own errors look to Anthropic clients. */
export function anthropicErrorType(status: number): string {
  for (const [type, s] of Object.entries(ERROR_STATUS)) if (s === status) return type;
  if (status === 422) return 'invalid_request_error';
  if (status === 408) return 'timeout_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

/** Translates one event's data; returns null for events with nothing to forward. */
export function fromAnthropicEvent(state: AnthropicStreamState, data: unknown): ChatChunk | null {
  if (!isRecord(data)) return null;
  switch (data.type) {
    case 'message_start': {
      const msg = rec(data.message);
      state.id = str(msg.id) ?? state.id;
      state.model = str(msg.model) ?? state.model;
      Object.assign(state.usage, rec(msg.usage));
      return chunk(state, { role: 'assistant', content: '' }, null);
    }
    case 'content_block_start': {
      const block = rec(data.content_block);
      const index = num(data.index) ?? 0;
      if (block.type === 'tool_use') {
        const i = state.toolIndex.size;
        state.toolIndex.set(index, i);
        const tc: ToolCallDelta = {
          index: i,
          id: str(block.id) ?? `toolu_${i}`,
          type: 'function',
          function: { name: str(block.name) ?? '', arguments: '' },
        };
        return chunk(state, { tool_calls: [tc] }, null);
      }
      const text = block.type === 'text' ? str(block.text) : undefined;
      return text ? chunk(state, { content: text }, null) : null;
    }
    case 'content_block_delta': {
      const delta = rec(data.delta);
      switch (delta.type) {
        case 'text_delta':
          return chunk(state, { content: str(delta.text) ?? '' }, null);
        case 'input_json_delta': {
          const i = state.toolIndex.get(num(data.index) ?? -1);
          if (i === undefined) return null;
          return chunk(state, { tool_calls: [{ index: i, function: { arguments: str(delta.partial_json) ?? '' } }] }, null);
        }
        case 'thinking_delta':
          return chunk(state, { reasoning_content: str(delta.thinking) ?? '' }, null);
        default:
          // signature_delta (and future kinds) have no OpenAI equivalent.
          return null;
      }
    }
    case 'message_delta': {
      // usage.output_tokens here is cumulative, so assignment (not addition) is right.
      Object.assign(state.usage, rec(data.usage));
      const reason = rec(data.delta).stop_reason;
      if (reason === undefined || reason === null) return null;
      state.finish = mapStopReason(reason);
      return chunk(state, {}, state.finish);
    }
    case 'message_stop': {
      // OpenAI's include_usage convention: a last chunk with no choices and the totals.
      const last = chunk(state, {}, null);
      last.choices = [];
      last.usage = mapUsage(state.usage);
      return last;
    }
    case 'error':
      return throwIfAnthropicError(data, state.fail);
    default:
      // ping, content_block_stop, and event types added later.
      return null;
  }
}

/** Throws the UpstreamError an Anthropic `error` event reports; other events pass. */
export function throwIfAnthropicError(data: unknown, fail: StreamFailure): null {
  if (!isRecord(data) || data.type !== 'error') return null;
  const err = rec(data.error);
  const type = str(err.type) ?? 'api_error';
  throw fail(ERROR_STATUS[type] ?? 500, str(err.message) ?? 'stream error', type);
}

function chunk(state: AnthropicStreamState, delta: ChatChunk['choices'][number]['delta'], finish: FinishReason): ChatChunk {
  return {
    id: state.id,
    object: 'chat.completion.chunk',
    created: state.created,
    model: state.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}
