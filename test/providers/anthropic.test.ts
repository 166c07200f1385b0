import { afterAll, describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../src/errors.ts';
import { createAnthropicAdapter } from '../../src/providers/anthropic/adapter.ts';
import { DEFAULT_MAX_TOKENS, toAnthropicRequest } from '../../src/providers/translate/messages/to-anthropic.ts';
import { fromAnthropicResponse, mapStopReason, mapUsage } from '../../src/providers/translate/messages/from-anthropic.ts';
import { createAnthropicStreamState, fromAnthropicEvent } from '../../src/providers/translate/messages/anthropic-events.ts';
import { upstreamError } from '../../src/providers/shared/http.ts';
import type { ChatChunk, ChatRequest } from '../../src/schemas/openai.ts';
import { API_KEY } from './fakes/common.ts';
import { startAnthropicFake } from './fakes/anthropic.ts';

const base = (over: Partial<ChatRequest>): ChatRequest => ({ model: 'x', messages: [{ role: 'user', content: 'hi' }], ...over });

describe('toAnthropicRequest', () => {
  test('system and developer go to system; consecutive roles merge; empty text dropped', () => {
    const out = toAnthropicRequest(
      {
        model: 'x',
        messages: [
          { role: 'system', content: 'A' },
          { role: 'developer', content: [{ type: 'text', text: 'B' }] },
          { role: 'user', content: 'one' },
          { role: 'user', content: 'two' },
          { role: 'assistant', content: '' },
          { role: 'assistant', content: 'ok' },
        ],
      },
      'claude',
    );
    expect(out.system).toBe('A\n\nB');
    expect(out.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
    ]);
    expect(out.model).toBe('claude');
  });

  test('max_tokens default, precedence, temperature, stop, user, top_p', () => {
    expect(toAnthropicRequest(base({}), 'c').max_tokens).toBe(DEFAULT_MAX_TOKENS);
    expect(toAnthropicRequest(base({}), 'c', { defaultMaxTokens: 100 }).max_tokens).toBe(100);
    expect(toAnthropicRequest(base({ max_tokens: 50, max_completion_tokens: 70 }), 'c').max_tokens).toBe(70);
    const out = toAnthropicRequest(base({ temperature: 0.7, top_p: 0.9, stop: 'END', user: 'u1' }), 'c');
    expect(out.temperature).toBe(0.7);
    expect(out.top_p).toBe(0.9);
    expect(out.stop_sequences).toEqual(['END']);
    expect(out.metadata).toEqual({ user_id: 'u1' });
  });

  test('tool_choice mapping and parallel_tool_calls=false', () => {
    const tools: ChatRequest['tools'] = [{ type: 'function', function: { name: 'f' } }];
    const tc = (tool_choice: ChatRequest['tool_choice'], parallel?: boolean) =>
      toAnthropicRequest(base({ tools, ...(tool_choice ? { tool_choice } : {}), ...(parallel === undefined ? {} : { parallel_tool_calls: parallel }) }), 'c').tool_choice;
    expect(tc('auto')).toEqual({ type: 'auto' });
    expect(tc('none')).toEqual({ type: 'none' });
    expect(tc('required')).toEqual({ type: 'any' });
    expect(tc({ type: 'function', function: { name: 'f' } })).toEqual({ type: 'tool', name: 'f' });
    expect(tc(undefined)).toBeUndefined();
    expect(tc('required', false)).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(toAnthropicRequest(base({ tools }), 'c').tools).toEqual([{ name: 'f', input_schema: { type: 'object', properties: {} } }]);
  });

  test('parallel tool results merge into one user turn; bad arguments become {}', () => {
    const out = toAnthropicRequest(
      {
        model: 'x',
        messages: [
          { role: 'user', content: 'q' },
          {
            role: 'assistant',
            content: 'calling',
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
              { id: 'b', type: 'function', function: { name: 'g', arguments: 'not json' } },
            ],
          },
          { role: 'tool', tool_call_id: 'a', content: 'r1' },
          { role: 'tool', tool_call_id: 'b', content: [{ type: 'text', text: 'r2' }] },
          { role: 'user', content: 'and?' },
        ],
      },
      'c',
    );
    expect(out.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'calling' },
          { type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } },
          { type: 'tool_use', id: 'b', name: 'g', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'a', content: 'r1' },
          { type: 'tool_result', tool_use_id: 'b', content: [{ type: 'text', text: 'r2' }] },
          { type: 'text', text: 'and?' },
        ],
      },
    ]);
  });

  test('json_schema response_format puts the schema in the system instruction', () => {
    const out = toAnthropicRequest(
      base({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'q' }], response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object', required: ['a'] } } } }),
      'c',
    );
    expect(out.system?.startsWith('S\n\nRespond only with a single valid JSON value')).toBe(true);
    expect(out.system).toContain('{"type":"object","required":["a"]}');
  });
});

describe('fromAnthropicResponse', () => {
  test('text, thinking, tool_use, stop reason and usage', () => {
    const out = fromAnthropicResponse(
      {
        id: 'msg_1',
        model: 'claude',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 7 },
      },
      123,
    );
    expect(out?.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        reasoning_content: 'hmm',
      },
      finish_reason: 'tool_calls',
    });
    expect(out?.usage).toEqual({
      prompt_tokens: 130,
      completion_tokens: 7,
      total_tokens: 137,
      prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 20 },
    });
    expect(out?.created).toBe(123);
    expect(fromAnthropicResponse({ nope: true }, 1)).toBeUndefined();
  });

  test('stop reasons', () => {
    expect(mapStopReason('end_turn')).toBe('stop');
    expect(mapStopReason('stop_sequence')).toBe('stop');
    expect(mapStopReason('max_tokens')).toBe('length');
    expect(mapStopReason('tool_use')).toBe('tool_calls');
    expect(mapStopReason('refusal')).toBe('content_filter');
    expect(mapStopReason(null)).toBeNull();
    expect(mapUsage(undefined).total_tokens).toBe(0);
  });
});

describe('fromAnthropicEvent', () => {
  const run = (events: unknown[]) => {
    const st = createAnthropicStreamState({ model: 'c', created: 1, fail: (status, message) => new UpstreamError({ provider: 'anthropic', model: 'c', status, message }) });
    const out: ChatChunk[] = [];
    for (const e of events) {
      const c = fromAnthropicEvent(st, e);
      if (c) out.push(c);
    }
    return out;
  };

  test('text + two tool calls after a thinking block: tool indices count tools only', () => {
    const out = run([
      { type: 'message_start', message: { id: 'm1', model: 'claude-x', usage: { input_tokens: 5, cache_read_input_tokens: 2, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'think' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'ping' },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't1', name: 'f', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '1}' } },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 't2', name: 'g', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 30 } },
      { type: 'message_stop' },
      { type: 'some_future_event' },
    ]);
    expect(out[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(out[0]?.id).toBe('m1');
    expect(out[1]?.choices[0]?.delta).toEqual({ reasoning_content: 'think' });
    expect(out[2]?.choices[0]?.delta.tool_calls).toEqual([{ index: 0, id: 't1', type: 'function', function: { name: 'f', arguments: '' } }]);
    expect(out[4]?.choices[0]?.delta.tool_calls).toEqual([{ index: 0, function: { arguments: '1}' } }]);
    expect(out[5]?.choices[0]?.delta.tool_calls?.[0]?.index).toBe(1);
    expect(out[7]?.choices[0]?.finish_reason).toBe('tool_calls');
    const last = out[out.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({ prompt_tokens: 7, completion_tokens: 30, total_tokens: 37, prompt_tokens_details: { cached_tokens: 2, cache_creation_tokens: 0 } });
    expect(last?.model).toBe('claude-x');
  });

  test('error event throws UpstreamError with a status from its type', () => {
    const ctx = { model: 'c', credentials: { api_key: 'sk-ant-secretvalue' }, callerCredentials: true, signal: new AbortController().signal, fetch };
    const st = createAnthropicStreamState({
      model: 'c',
      created: 1,
      fail: (status, message, type) => upstreamError({ provider: 'anthropic', ctx }, status, message, { type }),
    });
    let err: unknown;
    try {
      fromAnthropicEvent(st, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded sk-ant-secretvalue' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UpstreamError);
    const e = err as UpstreamError;
    expect(e.upstreamStatus).toBe(529);
    expect(e.retryable).toBe(true);
    expect(e.type).toBe('overloaded_error');
    expect(e.callerCredentials).toBe(true);
    expect(e.message).toBe('Overloaded [REDACTED]');
  });
});

describe('anthropic adapter against the fake', () => {
  const fake = startAnthropicFake();
  afterAll(() => fake.stop());
  const ctx = (model: string) => ({ model, credentials: { api_key: API_KEY, api_base: fake.url }, callerCredentials: false, signal: new AbortController().signal, fetch });

  test('sends path, version and key headers, max_tokens, stream flag', async () => {
    const chunks: ChatChunk[] = [];
    for await (const c of createAnthropicAdapter().stream(base({ stream: true }), ctx('claude-fake'))) chunks.push(c);
    const r = fake.last();
    expect(r.path).toBe('/v1/messages');
    expect(r.headers.get('x-api-key')).toBe(API_KEY);
    expect(r.headers.get('anthropic-version')).toBe('2023-06-01');
    expect(r.headers.get('authorization')).toBeNull();
    expect(r.body).toMatchObject({ model: 'claude-fake', max_tokens: DEFAULT_MAX_TOKENS, stream: true });
    expect(chunks[chunks.length - 1]?.usage).toEqual({
      prompt_tokens: 18,
      completion_tokens: 6,
      total_tokens: 24,
      prompt_tokens_details: { cached_tokens: 5, cache_creation_tokens: 3 },
    });
  });

  test('an error event mid-stream surfaces as UpstreamError from the iterator after the text so far', async () => {
    const text: string[] = [];
    let err: unknown;
    try {
      for await (const c of createAnthropicAdapter().stream(base({}), ctx('midstream-error'))) text.push(c.choices[0]?.delta.content ?? '');
    } catch (e) {
      err = e;
    }
    expect(text.join('')).toBe('Hello there, friend!');
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).upstreamStatus).toBe(529);
  });

  test('complete maps the cache usage from the body', async () => {
    const res = await createAnthropicAdapter().complete(base({}), ctx('claude-fake'));
    expect(res.usage?.prompt_tokens_details).toEqual({ cached_tokens: 5, cache_creation_tokens: 3 });
    expect(res.id).toBe('msg_01fake');
  });
});
