/**
 * The official openai SDK's Responses API against a listening gateway, for an
 * OpenAI-kind upstream (sent as is) and the Anthropic and Gemini fakes
 * (translated); the stored spans carry tokens and cost.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { JSON_ANSWER, TEXT, TOOL_ANSWER } from '../../providers/fakes/common.ts';
import { type Gateway, expectSpanUsage, UPSTREAMS, upstreamGateway } from './upstreams.ts';

let g: Gateway;
let client: OpenAI;
beforeAll(async () => {
  g = await upstreamGateway();
  client = new OpenAI({ apiKey: g.key, baseURL: `${g.base}/api`, maxRetries: 0 });
});
afterAll(() => g.close());

const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

async function lastSpan(n: number) {
  const spans = await g.t.spans(n);
  return spans[n - 1]!;
}

for (const up of UPSTREAMS) {
  describe(`openai SDK responses -> ${up.name}`, () => {
    test('responses.create: the answer, usage, and one span with tokens and cost', async () => {
      const before = (await g.t.spans(0)).length;
      const r = await client.responses.create({ model: up.model, instructions: 'Be brief.', input: 'Hello', metadata: { team: 'search' }, store: false });
      expect(r.output_text).toBe(TEXT);
      expect(r.status).toBe('completed');
      expect(r.usage?.input_tokens).toBe(up.tokens.prompt);
      expect(r.usage?.output_tokens).toBe(up.tokens.completion);
      const s = await lastSpan(before + 1);
      expect([s.log_type, s.extra.api, s.model, s.provider_id, s.status_code, s.stream]).toEqual(['chat', 'responses', up.model, up.name, 200, false]);
      expectSpanUsage(s, up);
      expect(JSON.parse(s.input!)).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ]);
      expect(JSON.parse(s.output!)).toMatchObject({ role: 'assistant', content: TEXT });
      expect(s.metadata).toEqual({ team: 'search' });
    });

    test('responses.stream: typed events, the final response, a span with TTFT', async () => {
      const before = (await g.t.spans(0)).length;
      const stream = client.responses.stream({ model: up.model, input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hello' }] }] });
      const types: string[] = [];
      let text = '';
      for await (const ev of stream) {
        types.push(ev.type);
        if (ev.type === 'response.output_text.delta') text += ev.delta;
      }
      const final = await stream.finalResponse();
      expect(text).toBe(TEXT);
      expect(final.output_text).toBe(TEXT);
      expect(types[0]).toBe('response.created');
      expect(types.at(-1)).toBe('response.completed');
      expect(final.usage?.output_tokens).toBe(up.tokens.completion);
      const s = await lastSpan(before + 1);
      expect(s.stream).toBe(true);
      expect(s.time_to_first_token).toBeGreaterThanOrEqual(0);
      expectSpanUsage(s, up);
      expect(JSON.parse(s.output!).content).toBe(TEXT);
    });

    test('function calling round trip (create, then the streamed call)', async () => {
      const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Weather in Paris?' }];
      const first = await client.responses.create({ model: up.model, input, tools: [weather], tool_choice: 'auto' });
      const call = first.output.find((i): i is OpenAI.Responses.ResponseFunctionToolCall => i.type === 'function_call');
      expect(call?.name).toBe('get_weather');
      expect(JSON.parse(call!.arguments)).toEqual({ city: 'Paris' });
      const second = await client.responses.create({
        model: up.model,
        tools: [weather],
        input: [...input, call!, { type: 'function_call_output', call_id: call!.call_id, output: '{"temp_c":21}' }],
      });
      expect(second.output_text).toBe(TOOL_ANSWER);
      const [s] = (await g.t.spans(0)).slice(-1);
      expect(JSON.parse(s!.input!).at(-1)).toEqual({ role: 'tool', tool_call_id: call!.call_id, content: '{"temp_c":21}' });
      expect(s!.extra.tools).toEqual([weather]);

      const stream = client.responses.stream({ model: up.model, input, tools: [weather] });
      let args = '';
      stream.on('response.function_call_arguments.delta', (e) => {
        args += e.delta;
      });
      const final = await stream.finalResponse();
      expect(JSON.parse(args)).toEqual({ city: 'Paris' });
      expect(final.output.find((i) => i.type === 'function_call')).toMatchObject({ name: 'get_weather', arguments: args });
    });

    test('structured output: text.format json_schema', async () => {
      const r = await client.responses.create({
        model: up.model,
        input: 'Answer with a number',
        text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'], additionalProperties: false }, strict: true } },
      });
      expect(JSON.parse(r.output_text)).toEqual(JSON.parse(JSON_ANSWER));
    });
  });
}

describe('openai SDK responses: what the gateway refuses', () => {
  test('previous_response_id and store: true are clear 400s, before any upstream call', async () => {
    const calls = g.fakes.openai.requests.length;
    for (const extra of [{ previous_response_id: 'resp_1' }, { store: true }]) {
      const err = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hello', ...extra }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as Error).message).toContain('keeps no responses');
    }
    const err = await client.responses.retrieve('resp_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(g.fakes.openai.requests.length).toBe(calls);
  });

  test('a hosted tool cannot be translated: 400 naming it; the OpenAI-kind upstream gets it as is', async () => {
    const err = await client.responses
      .create({ model: 'anthropic/claude-3-5-haiku-20241022', input: 'Hello', tools: [{ type: 'web_search_preview' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain("tool type 'web_search_preview'");
    await client.responses.create({ model: 'gpt-4o-mini', input: 'Hello', tools: [{ type: 'web_search_preview' }] });
    expect(g.fakes.openai.last().body).toMatchObject({ model: 'gpt-4o-mini', tools: [{ type: 'web_search_preview' }] });
    expect(g.fakes.openai.last().path).toBe('/v1/responses');
  });
});
