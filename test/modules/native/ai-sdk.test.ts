/**
 * The Vercel AI SDK (`ai` 5 with `@ai-sdk/openai` 2): its default model
 * object calls the Responses API, so `createOpenAI({ baseURL, apiKey })` works
 * for every routed model. Against a listening gateway and the wire fakes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { TEXT, TOOL_ANSWER } from '../../providers/fakes/common.ts';
import { type Gateway, UPSTREAMS, upstreamGateway } from './upstreams.ts';

let g: Gateway;
let openai: ReturnType<typeof createOpenAI>;
beforeAll(async () => {
  g = await upstreamGateway();
  openai = createOpenAI({ baseURL: `${g.base}/api`, apiKey: g.key });
});
afterAll(() => g.close());

const getWeather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }),
  execute: async ({ city }) => ({ city, temp_c: 21 }),
});

for (const up of UPSTREAMS) {
  describe(`Vercel AI SDK -> ${up.name}`, () => {
    test('generateText with the default (Responses) model object', async () => {
      const before = (await g.t.spans(0)).length;
      const r = await generateText({ model: openai(up.model), prompt: 'Hello', maxRetries: 0 });
      expect(r.text).toBe(TEXT);
      expect(r.usage.inputTokens).toBe(up.tokens.prompt);
      expect(r.usage.outputTokens).toBe(up.tokens.completion);
      const s = (await g.t.spans(before + 1))[before]!;
      expect([s.extra.api, s.model, s.status_code]).toEqual(['responses', up.model, 200]);
    });

    test('streamText', async () => {
      const r = streamText({ model: openai(up.model), prompt: 'Hello', maxRetries: 0 });
      let text = '';
      for await (const t of r.textStream) text += t;
      expect(text).toBe(TEXT);
      expect((await r.usage).outputTokens).toBe(up.tokens.completion);
    });

    test('a tool call, executed by the SDK', async () => {
      const r = await generateText({ model: openai(up.model), prompt: 'Weather in Paris?', tools: { get_weather: getWeather }, maxRetries: 0 });
      expect(r.toolCalls.map((c) => [c.toolName, c.input])).toEqual([['get_weather', { city: 'Paris' }]]);
      expect(r.toolResults.map((t) => t.output)).toEqual([{ city: 'Paris', temp_c: 21 }]);
    });

    test('a tool loop of two steps (store: false sends the items themselves)', async () => {
      const r = await generateText({
        model: openai(up.model),
        prompt: 'Weather in Paris?',
        tools: { get_weather: getWeather },
        stopWhen: stepCountIs(2),
        providerOptions: { openai: { store: false } },
        maxRetries: 0,
      });
      expect(r.steps).toHaveLength(2);
      expect(r.text).toBe(TOOL_ANSWER);
    });
  });
}

describe('Vercel AI SDK: stored items', () => {
  test('a tool loop with the default store sends item references: a 400 that says what to do', async () => {
    const err = await generateText({
      model: openai('anthropic/claude-3-5-haiku-20241022'),
      prompt: 'Weather in Paris?',
      tools: { get_weather: getWeather },
      stopWhen: stepCountIs(2),
      maxRetries: 0,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('providerOptions.openai.store = false');
  });
});
