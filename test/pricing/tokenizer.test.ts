import { describe, expect, test } from 'bun:test';
import type { ChatMessage } from '../../src/schemas/openai.ts';
import {
  IMAGE_TOKENS_HIGH,
  IMAGE_TOKENS_LOW,
  OTHER_PART_TOKENS,
  MAX_RUN,
  Tokenizer,
  encodingForModel,
  type EncodingName,
} from '../../src/pricing/tokenizer.ts';

const tok = new Tokenizer();

describe('encodingForModel', () => {
  test.each<[string, EncodingName]>([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini', 'o200k_base'],
    ['gpt-4.1', 'o200k_base'],
    ['gpt-4.5-preview', 'o200k_base'],
    ['gpt-5', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['azure/gpt-35-turbo', 'cl100k_base'],
    ['openai/gpt-4-0613', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
    ['claude-3-5-sonnet-20240620', 'o200k_base'],
    ['gemini/gemini-1.5-pro', 'o200k_base'],
    ['mock/echo', 'o200k_base'],
  ])('%s -> %s', (model, encoding) => {
    expect(encodingForModel(model)).toBe(encoding);
  });
});

describe('countTextTokens', () => {
  test('known counts', async () => {
    expect(await tok.countTextTokens('hello world', 'gpt-4o')).toBe(2);
    expect(await tok.countTextTokens('hello world', 'gpt-4')).toBe(2);
    expect(await tok.countTextTokens('Hello, world!', 'gpt-4o')).toBe(4);
    expect(await tok.countTextTokens('The quick brown fox jumps over the lazy dog.', 'gpt-4o')).toBe(10);
    expect(await tok.countTextTokens('', 'gpt-4o')).toBe(0);
  });

  test('o200k and cl100k differ where they should', async () => {
    const text = 'こんにちは、世界。今日はいい天気ですね。';
    const o200k = await tok.countTextTokens(text, 'gpt-4o');
    const cl100k = await tok.countTextTokens(text, 'gpt-4');
    expect(o200k).toBeLessThan(cl100k);
  });

  test('special-token text in content is counted, not rejected', async () => {
    expect(await tok.countTextTokens('<|endoftext|>', 'gpt-4o')).toBeGreaterThan(1);
  });
});

describe('long runs without spaces', () => {
  // Whole, 200,000 'y's would hold the event loop for minutes (BPE is quadratic in a word's length):
  // this test would then time out.
  test('are counted in slices: linear, and within a token per slice of the whole count', async () => {
    const run = 'y'.repeat(200_000);
    const n = await tok.countTextTokens(`start ${run} end`, 'gpt-4o');
    expect(Math.abs(n - 200_000 / 4)).toBeLessThan(200_000 / MAX_RUN);
    // Text with ordinary words is counted whole, exactly as before.
    const words = 'the quick brown fox jumps over the lazy dog. '.repeat(50);
    const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
    expect(await tok.countTextTokens(words, 'gpt-4o')).toBe(countTokens(words));
  });
});

describe('countMessageTokens', () => {
  test("OpenAI's reported prompt_tokens for one user message", async () => {
    // OpenAI's docs example: "Say this is a test" -> prompt_tokens 12 (5 + 3 + 1 + 3).
    const messages: ChatMessage[] = [{ role: 'user', content: 'Say this is a test' }];
    expect(await tok.countMessageTokens(messages, 'gpt-3.5-turbo')).toBe(12);
  });

  test('names, null content, tool calls and tool results', async () => {
    const count = (s: string) => tok.countTextTokens(s, 'gpt-4o');
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.', name: 'rules' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Boston"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '72F' },
    ];
    const expected =
      3 +
      (3 + (await count('system')) + (await count('Be brief.')) + 1 + (await count('rules'))) +
      (3 + (await count('assistant')) + 3 + (await count('get_weather')) + (await count('{"city":"Boston"}'))) +
      (3 + (await count('tool')) + (await count('72F')) + (await count('call_1')));
    expect(await tok.countMessageTokens(messages, 'gpt-4o')).toBe(expected);
  });

  test('images and other parts by the documented rule', async () => {
    const audio = { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } };
    const base = await tok.countMessageTokens([{ role: 'user', content: [{ type: 'text', text: 'What is this?' }] }], 'gpt-4o');
    const withImages = await tok.countMessageTokens(
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            audio,
          ],
        },
      ],
      'gpt-4o',
    );
    expect(withImages - base).toBe(IMAGE_TOKENS_LOW + IMAGE_TOKENS_HIGH + OTHER_PART_TOKENS);
  });

  test('an empty conversation is just the reply priming', async () => {
    expect(await tok.countMessageTokens([], 'claude-3-5-sonnet-20240620')).toBe(3);
  });
});

describe('lazy loading', () => {
  test('warm loads both encodings once; counting after that does not reload', async () => {
    const fresh = new Tokenizer();
    await fresh.warm();
    const t0 = performance.now();
    await fresh.countTextTokens('hello world', 'gpt-4');
    await fresh.countTextTokens('hello world', 'gpt-4o');
    expect(performance.now() - t0).toBeLessThan(50);
  });
});
