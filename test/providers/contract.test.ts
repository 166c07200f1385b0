/** Runs the adapter contract over every adapter, each against a fake speaking its real wire format. */
import { afterAll, expect } from 'bun:test';
import { createAnthropicAdapter } from '../../src/providers/anthropic/adapter.ts';
import { createAzureAdapter } from '../../src/providers/azure/adapter.ts';
import { createGeminiAdapter } from '../../src/providers/gemini/adapter.ts';
import { createMockAdapter } from '../../src/providers/mock/adapter.ts';
import { startMockUpstream } from '../../src/providers/mock/server.ts';
import { createOpenAIAdapter } from '../../src/providers/openai/adapter.ts';
import { adapterContract, type ContractHarness, PNG_DATA_URL, WEATHER_TOOL, wireContract } from './contract.ts';

/** Every adapter passes both contracts: chat, and the Responses and Messages shapes. */
function contract(h: ContractHarness): void {
  adapterContract(h);
  wireContract(h);
}
import { startAnthropicFake } from './fakes/anthropic.ts';
import { API_KEY, list, rec, RETRY_AFTER_SECONDS, TEXT } from './fakes/common.ts';
import { startGeminiFake } from './fakes/gemini.ts';
import { startAzureFake, startOpenAIFake } from './fakes/openai.ts';

const openaiFake = startOpenAIFake();
const azureFake = startAzureFake();
const anthropicFake = startAnthropicFake();
const geminiFake = startGeminiFake();
const mockUpstream = startMockUpstream({ tokens_per_second: 200 });
afterAll(async () => {
  await Promise.all([openaiFake.stop(), azureFake.stop(), anthropicFake.stop(), geminiFake.stop(), mockUpstream.stop()]);
});

const fakeModels = { ok: 'gpt-fake', error: (s: number) => `err-${s}`, hang: 'hang' };

const openaiSent = {
  last: () => openaiFake.last().body,
  tools(body: unknown) {
    expect(rec(body).tools).toEqual([WEATHER_TOOL]);
    expect(rec(body).tool_choice).toBe('auto');
  },
  toolResult(body: unknown) {
    expect(list(rec(body).messages)[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_abc' });
  },
  image(body: unknown) {
    const parts = list(rec(list(rec(body).messages)[0]).content);
    expect(rec(rec(parts[1]).image_url).url).toBe(PNG_DATA_URL);
  },
  json(body: unknown) {
    expect(rec(body).response_format).toEqual({ type: 'json_object' });
  },
};

contract({
  name: 'openai',
  adapter: createOpenAIAdapter({ id: 'openai' }),
  apiKey: API_KEY,
  apiBase: `${openaiFake.url}/v1`,
  models: fakeModels,
  statuses: [400, 401, 429, 500, 503],
  expectedText: TEXT,
  retryAfterMs: RETRY_AFTER_SECONDS * 1000,
  sent: openaiSent,
  cancelled: () => openaiFake.cancelled,
});

contract({
  name: 'azure',
  adapter: createAzureAdapter({ api_version: '2024-10-21' }),
  apiKey: API_KEY,
  apiBase: azureFake.url,
  models: fakeModels,
  statuses: [400, 401, 429, 500, 503],
  expectedText: TEXT,
  retryAfterMs: RETRY_AFTER_SECONDS * 1000,
  sent: { ...openaiSent, last: () => azureFake.last().body },
  cancelled: () => azureFake.cancelled,
});

contract({
  name: 'anthropic',
  adapter: createAnthropicAdapter(),
  apiKey: API_KEY,
  apiBase: anthropicFake.url,
  models: { ...fakeModels, ok: 'claude-fake' },
  statuses: [400, 401, 403, 429, 500, 529],
  expectedText: TEXT,
  retryAfterMs: RETRY_AFTER_SECONDS * 1000,
  sent: {
    last: () => anthropicFake.last().body,
    tools(body) {
      expect(rec(body).tools).toEqual([
        { name: 'get_weather', description: 'Current weather for a city', input_schema: WEATHER_TOOL.function.parameters ?? {} },
      ]);
      expect(rec(body).tool_choice).toEqual({ type: 'auto' });
    },
    toolResult(body) {
      const msgs = list(rec(body).messages);
      expect(msgs.map((m) => rec(m).role)).toEqual(['user', 'assistant', 'user']);
      expect(list(rec(msgs[1]).content)[0]).toEqual({ type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } });
      expect(list(rec(msgs[2]).content)[0]).toEqual({ type: 'tool_result', tool_use_id: 'toolu_01', content: '{"temp_c":21,"sky":"sunny"}' });
    },
    image(body) {
      const parts = list(rec(list(rec(body).messages)[0]).content);
      expect(parts[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA_URL.split(',')[1] ?? '' } });
      expect(parts[2]).toEqual({ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } });
    },
    json(body) {
      expect(String(rec(body).system)).toContain('JSON');
    },
  },
  cancelled: () => anthropicFake.cancelled,
});

contract({
  name: 'gemini',
  adapter: createGeminiAdapter(),
  apiKey: API_KEY,
  apiBase: geminiFake.url,
  models: { ...fakeModels, ok: 'gemini-fake' },
  statuses: [400, 401, 403, 429, 500, 503],
  expectedText: TEXT,
  retryAfterMs: RETRY_AFTER_SECONDS * 1000,
  sent: {
    last: () => geminiFake.last().body,
    tools(body) {
      const decl = rec(list(rec(list(rec(body).tools)[0]).functionDeclarations)[0]);
      expect(decl.name).toBe('get_weather');
      expect(rec(body).toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    },
    toolResult(body) {
      const contents = list(rec(body).contents);
      expect(contents.map((c) => rec(c).role)).toEqual(['user', 'model', 'user']);
      expect(list(rec(contents[1]).parts)[0]).toEqual({ functionCall: { name: 'get_weather', args: { city: 'Paris' } } });
      expect(list(rec(contents[2]).parts)[0]).toEqual({ functionResponse: { name: 'get_weather', response: { temp_c: 21, sky: 'sunny' } } });
    },
    image(body) {
      const parts = list(rec(list(rec(body).contents)[0]).parts);
      expect(parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG_DATA_URL.split(',')[1] ?? '' } });
      expect(parts[2]).toEqual({ fileData: { mimeType: 'image/png', fileUri: 'https://example.com/cat.png' } });
    },
    json(body) {
      expect(rec(rec(body).generationConfig).responseMimeType).toBe('application/json');
    },
  },
  cancelled: () => geminiFake.cancelled,
});

const mockModels = {
  ok: 'mock-model',
  error: (s: number) => ({ 400: 'bad-request', 401: 'unauthorized', 429: 'rate-limit', 500: 'always-500', 503: 'fail-once' })[s as 400] ?? 'always-500',
  hang: 'mock-model',
};

contract({
  name: 'mock (in-process)',
  adapter: createMockAdapter({ tokens_per_second: 1000 }),
  apiKey: API_KEY,
  models: mockModels,
  statuses: [400, 401, 429, 500, 503],
  expectedText: 'This is a mock response. You said: Hello',
  retryAfterMs: 1000,
});

contract({
  name: 'openai -> mock upstream server',
  // The mock server speaks chat completions only, so Responses calls are translated.
  adapter: createOpenAIAdapter({ id: 'mockserver', responsesApi: false }),
  apiKey: API_KEY,
  apiBase: mockUpstream.url,
  models: mockModels,
  statuses: [400, 401, 429, 500, 503],
  expectedText: 'This is a mock response. You said: Hello',
  retryAfterMs: 1000,
});
