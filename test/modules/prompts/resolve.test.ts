/**
 * Every combination of echo x override x messages_override_mode x where the
 * caller's messages come from, against expectations written out by hand.
 */
import { describe, expect, test } from 'bun:test';
import { ValidationError } from '../../../src/errors.ts';
import { type PromptVersionInput, resolvePromptRequest } from '../../../src/modules/prompts/resolve.ts';
import type { ChatMessage } from '../../../src/schemas/openai.ts';
import type { PromptParam } from '../../../src/schemas/prompt.ts';

const version: PromptVersionInput = {
  prompt_id: 'p1',
  version: 3,
  messages: [
    { role: 'system', content: 'You are {{persona}}.' },
    { role: 'user', content: 'Tell me about {{topic}}.' },
  ],
  model: 'openai/gpt-4o-mini',
  temperature: 0.2,
  max_tokens: 256,
  top_p: null,
  frequency_penalty: null,
  presence_penalty: 0.5,
  stop: ['END'],
  tools: null,
  tool_choice: null,
  response_format: { type: 'json_object' },
  fallback_models: ['anthropic/claude-3-5-haiku-20241022'],
  load_balance_models: null,
};

const variables = { persona: 'a pirate', topic: 'gold' };
const RENDERED: ChatMessage[] = [
  { role: 'system', content: 'You are a pirate.' },
  { role: 'user', content: 'Tell me about gold.' },
];
const CALLER: ChatMessage[] = [{ role: 'user', content: '5 {{persona}}' }];
const VERSION_PARAMS = {
  model: 'openai/gpt-4o-mini',
  temperature: 0.2,
  max_tokens: 256,
  presence_penalty: 0.5,
  stop: ['END'],
  response_format: { type: 'json_object' as const },
};
const OVERRIDDEN_PARAMS = {
  model: 'mock/echo',
  temperature: 0.9,
  max_tokens: 256,
  presence_penalty: 0.5,
  stop: ['END'],
  response_format: { type: 'json_object' as const },
  seed: 7,
};

type Source = 'none' | 'request' | 'override_params' | 'params_only' | 'override_params_and_params';
const sources: Source[] = ['none', 'request', 'override_params', 'params_only', 'override_params_and_params'];
const echoes = [undefined, true, false] as const;
const overrides = [undefined, true, false] as const;
const modes = [undefined, 'append', 'override'] as const;

function build(source: Source, echo?: boolean, override?: boolean, mode?: 'append' | 'override') {
  const param: PromptParam = { prompt_id: 'p1', variables };
  if (echo !== undefined) param.echo = echo;
  if (override !== undefined) param.override = override;
  if (mode !== undefined) param.override_config = { messages_override_mode: mode };
  const params = { temperature: 0.9, model: 'mock/echo', seed: 7 };
  if (source === 'override_params') param.override_params = { messages: CALLER };
  if (source === 'params_only') param.override_params = params;
  if (source === 'override_params_and_params') param.override_params = { messages: CALLER, ...params };
  const request = source === 'request' ? CALLER : [];
  return { param, request };
}

describe('resolvePromptRequest: every combination', () => {
  for (const source of sources)
    for (const echo of echoes)
      for (const override of overrides)
        for (const mode of modes) {
          const name = `messages from ${source}, echo=${echo}, override=${override}, mode=${mode}`;
          test(name, () => {
            const { param, request } = build(source, echo, override, mode);
            const setsParams = source === 'params_only' || source === 'override_params_and_params';
            // override defaults to true (seed 002); with false, override_params other than messages are not applied.
            const applied = setsParams && override !== false;
            const r = resolvePromptRequest(version, param, request);
            const hasCaller = source !== 'none' && source !== 'params_only';
            const effectiveMode = mode ?? 'override';
            const expected =
              !hasCaller ? RENDERED : effectiveMode === 'append' ? [...RENDERED, ...CALLER] : CALLER;
            expect(r.messages).toEqual(expected);
            expect(r.prompt_message).toEqual(echo === false ? null : expected);
            expect(r.params).toEqual(applied ? OVERRIDDEN_PARAMS : VERSION_PARAMS);
            expect(r.fallback_models).toEqual(['anthropic/claude-3-5-haiku-20241022']);
            expect(r.load_balance_models).toBeNull();
            expect(r.prompt_id).toBe('p1');
            expect(r.version).toBe(3);
            expect(r.variables).toEqual(variables);
            expect(r.echo).toBe(echo !== false);
            expect(r.override).toBe(override !== false);
            expect(r.messages_override_mode).toBe(effectiveMode);
          });
        }
});

describe('resolvePromptRequest: rules', () => {
  test("the reference's example: override_params.messages with mode append adds them after the version's", () => {
    const r = resolvePromptRequest(version, {
      prompt_id: 'p1',
      variables,
      override_config: { messages_override_mode: 'append' },
      override_params: { messages: [{ role: 'user', content: '5' }] },
    });
    expect(r.messages).toEqual([...RENDERED, { role: 'user', content: '5' }]);
  });

  test('a missing variable is a 422 naming it; extra ones are ignored', () => {
    try {
      resolvePromptRequest(version, { prompt_id: 'p1', variables: { persona: 'x', extra: 'y' } });
      throw new Error('expected a 422');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).errors).toEqual({
        'prompt.variables.topic': ["missing variable 'topic' used by the prompt"],
      });
    }
    const ok = resolvePromptRequest(version, { prompt_id: 'p1', variables: { ...variables, extra: 'y' } });
    expect(ok.messages).toEqual(RENDERED);
  });

  test('no variables at all: every placeholder is reported', () => {
    try {
      resolvePromptRequest(version, { prompt_id: 'p1' });
      throw new Error('expected a 422');
    } catch (e) {
      expect(Object.keys((e as ValidationError).errors)).toEqual([
        'prompt.variables.persona',
        'prompt.variables.topic',
      ]);
    }
  });

  test('mode override with caller messages does not need the template variables', () => {
    const r = resolvePromptRequest(version, { prompt_id: 'p1' }, CALLER);
    expect(r.messages).toEqual(CALLER);
  });

  test("caller messages are sent as written: their {{...}} are not placeholders", () => {
    const r = resolvePromptRequest(
      version,
      { prompt_id: 'p1', variables, override_config: { messages_override_mode: 'append' } },
      CALLER,
    );
    expect(r.messages[2]).toEqual({ role: 'user', content: '5 {{persona}}' });
  });

  test('messages both in the request and in override_params are a 422', () => {
    expect(() =>
      resolvePromptRequest(version, { prompt_id: 'p1', variables, override_params: { messages: CALLER } }, CALLER),
    ).toThrow('not both');
  });

  test('override null removes a version parameter; routing lists can be replaced', () => {
    const r = resolvePromptRequest(version, {
      prompt_id: 'p1',
      variables,
      override: true,
      override_params: {
        temperature: null,
        response_format: null,
        fallback_models: ['mock/other'],
        load_balance_models: [{ model: 'mock/a', weight: 1 }],
        reasoning_effort: 'low',
      },
    });
    expect(r.params).toEqual({
      model: 'openai/gpt-4o-mini',
      max_tokens: 256,
      presence_penalty: 0.5,
      stop: ['END'],
      reasoning_effort: 'low',
    });
    expect(r.fallback_models).toEqual(['mock/other']);
    expect(r.load_balance_models).toEqual([{ model: 'mock/a', weight: 1 }]);
  });

  test('tools and tool_choice of the version are sent', () => {
    const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object' } } }];
    const r = resolvePromptRequest(
      { ...version, tools, tool_choice: 'auto', load_balance_models: [{ model: 'mock/a', weight: 2 }] },
      { prompt_id: 'p1', variables },
    );
    expect(r.params.tools).toEqual(tools);
    expect(r.params.tool_choice).toBe('auto');
    expect(r.load_balance_models).toEqual([{ model: 'mock/a', weight: 2 }]);
  });

  test('the echoed messages are a copy: changing what is sent does not change the echo', () => {
    const r = resolvePromptRequest(version, { prompt_id: 'p1', variables });
    (r.messages[0] as ChatMessage).content = 'changed';
    expect(r.prompt_message?.[0]?.content).toBe('You are a pirate.');
  });

  test('the version passed in is not modified', () => {
    const before = JSON.stringify(version);
    resolvePromptRequest(version, {
      prompt_id: 'p1',
      variables,
      override: true,
      override_params: { temperature: null, messages: CALLER },
      override_config: { messages_override_mode: 'append' },
    });
    expect(JSON.stringify(version)).toBe(before);
  });
});
