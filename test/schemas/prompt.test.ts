/** The `prompt` parameter schema the proxy validates requests with. */
import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { PromptParam } from '../../src/schemas/prompt.ts';

describe('PromptParam', () => {
  test('accepts the documented shapes', () => {
    const ok = [
      { prompt_id: 'abc' },
      { prompt_id: 'abc', variables: { a: 'x', n: 2 }, echo: false, version: 3 },
      { prompt_id: 'abc', version: 'latest', override: true, override_params: { temperature: 0.5, max_tokens: 100, reasoning_effort: 'low' } },
      {
        prompt_id: 'abc',
        override_config: { messages_override_mode: 'append' },
        override_params: { messages: [{ role: 'user', content: '5' }] },
      },
    ];
    for (const v of ok) expect([v, Value.Check(PromptParam, v)]).toEqual([v, true]);
  });

  test('rejects what would otherwise be silently unused', () => {
    const bad = [
      {},
      { prompt_id: '' },
      { prompt_id: 'abc', version: 0 },
      { prompt_id: 'abc', version: 'newest' },
      { prompt_id: 'abc', variable: { a: 1 } },
      { prompt_id: 'abc', override_config: { messages_override_mode: 'prepend' } },
      { prompt_id: 'abc', override_config: { mode: 'append' } },
      { prompt_id: 'abc', echo: 'yes' },
    ];
    for (const v of bad) expect([v, Value.Check(PromptParam, v)]).toEqual([v, false]);
  });
});
