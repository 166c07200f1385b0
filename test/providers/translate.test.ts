/** Translation between chat and the Responses / Messages shapes: the cases the SDK tests do not reach. */
import { describe, expect, test } from 'bun:test';
import { BadRequestError, UpstreamError } from '../../src/errors.ts';
import { MessagesEncoder } from '../../src/providers/translate/messages/from-chat.ts';
import { messagesToChat } from '../../src/providers/translate/messages/to-chat.ts';
import { ResponsesEncoder } from '../../src/providers/translate/responses/stream.ts';
import { refuseStateful, responsesToChat } from '../../src/providers/translate/responses/to-chat.ts';
import type { ChatChunk } from '../../src/schemas/openai.ts';

const attempt = { provider: 'anthropic', model: 'claude-x' };

function refusal(f: () => unknown): UpstreamError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected a refusal');
}

describe('Responses -> chat', () => {
  test('items: messages, function calls merged into the assistant turn, outputs, images; reasoning dropped', () => {
    const chat = responsesToChat(
      {
        model: 'm',
        instructions: 'Be brief.',
        input: [
          { role: 'user', content: [{ type: 'input_text', text: 'Look' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' }] },
          { type: 'reasoning', id: 'rs_1', summary: [] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"a":1}' },
          { type: 'function_call', call_id: 'c2', name: 'g', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c1', output: 'one' },
          { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'two' }] },
        ],
        text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object' }, strict: true } },
        max_output_tokens: 64,
        reasoning: { effort: 'low', summary: 'auto' },
        metadata: { a: '1' },
        store: false,
      },
      attempt,
    );
    expect(chat.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }] },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          { id: 'c2', type: 'function', function: { name: 'g', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'one' },
      { role: 'tool', tool_call_id: 'c2', content: 'two' },
    ]);
    expect(chat).toMatchObject({ max_tokens: 64, reasoning_effort: 'low', response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' }, strict: true } } });
    expect(chat).not.toHaveProperty('metadata');
  });

  test('many function calls in a row join one assistant message, in time linear in their number', () => {
    const calls = Array.from({ length: 40_000 }, (_, i) => ({ type: 'function_call', call_id: `c${i}`, name: 'f', arguments: '{}' }));
    const t0 = performance.now();
    const chat = responsesToChat({ model: 'm', input: [{ role: 'assistant', content: 'let me look' }, ...calls] }, attempt);
    // Copying the list once per call took ~0.5 s for 20,000 calls, four times that for 40,000.
    expect(performance.now() - t0).toBeLessThan(250);
    expect(chat.messages).toHaveLength(1);
    expect(chat.messages[0]?.tool_calls?.map((c) => c.id)).toEqual(calls.map((c) => c.call_id));
  });

  test('what cannot be translated is a 400 naming it; the span view skips it instead', () => {
    const req = { model: 'm', input: [{ type: 'input_file', file_id: 'f' }], top_logprobs: 3, tools: [{ type: 'file_search' }] };
    expect(refusal(() => responsesToChat(req, attempt)).param).toBe('top_logprobs');
    expect(refusal(() => responsesToChat({ model: 'm', input: 'x', tools: [{ type: 'file_search' }] }, attempt)).message).toContain("tool type 'file_search'");
    expect(refusal(() => responsesToChat({ model: 'm', input: [{ type: 'input_file', file_id: 'f' }] }, attempt)).param).toBe('input[0]');
    expect(responsesToChat(req, null).messages).toEqual([]);
  });

  test('stateful parts are refused before routing', () => {
    for (const req of [{ previous_response_id: 'r' }, { store: true }, { conversation: 'c' }, { background: true }, { input: [{ type: 'item_reference', id: 'x' }] }]) {
      expect(() => refuseStateful(req)).toThrow(BadRequestError);
    }
    expect(() => refuseStateful({ store: false, input: 'x' })).not.toThrow();
  });
});

describe('Messages -> chat', () => {
  test('tool results come first as tool messages; thinking dropped; choices, stop and thinking budget translate', () => {
    const chat = messagesToChat(
      {
        model: 'm',
        max_tokens: 100,
        system: [{ type: 'text', text: 'Sys' }],
        stop_sequences: ['END'],
        thinking: { type: 'enabled', budget_tokens: 8000 },
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        tools: [{ name: 'f', input_schema: { type: 'object' } }],
        metadata: { user_id: 'u1' },
        messages: [
          { role: 'user', content: 'Go' },
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } }] },
          { role: 'user', content: [{ type: 'text', text: 'and?' }, { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'done' }], is_error: true }] },
          { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'QQ==' } }] },
        ],
      },
      attempt,
    );
    expect(chat.messages).toEqual([
      { role: 'system', content: 'Sys' },
      { role: 'user', content: 'Go' },
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
      { role: 'tool', tool_call_id: 't1', content: 'Error: done' },
      { role: 'user', content: [{ type: 'text', text: 'and?' }] },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,QQ==' } }] },
    ]);
    expect(chat).toMatchObject({ max_tokens: 100, stop: ['END'], tool_choice: 'required', parallel_tool_calls: false, user: 'u1', reasoning_effort: 'medium' });
  });

  test('server tools, documents and top_k are 400s naming them', () => {
    expect(refusal(() => messagesToChat({ model: 'm', messages: [], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, attempt)).param).toBe('tools[0]');
    expect(refusal(() => messagesToChat({ model: 'm', messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] }, attempt)).param).toBe('messages[0].content[0]');
    expect(refusal(() => messagesToChat({ model: 'm', messages: [], top_k: 5 }, attempt)).param).toBe('top_k');
  });
});

const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const usage: ChatChunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } };

describe('chat chunks -> stream events', () => {
  test('Responses: parallel tool calls interleaved stay one item each, closed at the end with their arguments', () => {
    const enc = new ResponsesEncoder({});
    const evs = [
      ...enc.add(chunk({ role: 'assistant', content: 'Hi' })),
      ...enc.add(chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"x"' } }] })),
      ...enc.add(chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{}' } }] })),
      ...enc.add(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, 'tool_calls')),
      ...enc.add(usage),
      ...enc.end(),
    ];
    expect(evs.map((e) => e.data.sequence_number)).toEqual(evs.map((_, i) => i));
    const final = evs.at(-1)!.data.response as { output: { type: string; arguments?: string }[]; usage: { output_tokens: number } };
    expect(final.output.map((o) => [o.type, o.arguments])).toEqual([
      ['message', undefined],
      ['function_call', '{"x":1}'],
      ['function_call', '{}'],
    ]);
    expect(final.usage.output_tokens).toBe(4);
  });

  test('Responses: a length finish is response.incomplete', () => {
    const enc = new ResponsesEncoder({});
    const evs = [...enc.add(chunk({ content: 'cut' }, 'length')), ...enc.end()];
    expect(evs.at(-1)!.type).toBe('response.incomplete');
    expect((evs.at(-1)!.data.response as { incomplete_details: unknown }).incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });

  test('Messages: blocks open and close in order; usage and stop reason arrive in message_delta', () => {
    const enc = new MessagesEncoder();
    const evs = [
      ...enc.add(chunk({ role: 'assistant', content: '' })),
      ...enc.add(chunk({ content: 'Hi' })),
      ...enc.add(chunk({ tool_calls: [{ index: 0, id: 't', function: { name: 'f', arguments: '{}' } }] }, 'tool_calls')),
      ...enc.add(usage),
      ...enc.end(),
    ];
    expect(evs.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(evs[7]!.data).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { input_tokens: 3, output_tokens: 4 } });
  });
});
