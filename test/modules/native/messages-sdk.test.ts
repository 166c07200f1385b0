/**
 * The official Anthropic SDK against a listening gateway: Anthropic (sent as
 * is), and the OpenAI-kind and Gemini fakes (translated); its error classes
 * for upstream failures and for the gateway's own refusals.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { TEXT, TOOL_ANSWER } from '../../providers/fakes/common.ts';
import { type Gateway, expectSpanUsage, UPSTREAMS, upstreamGateway } from './upstreams.ts';

let g: Gateway;
let client: Anthropic;
beforeAll(async () => {
  g = await upstreamGateway();
  client = new Anthropic({ apiKey: g.key, baseURL: `${g.base}/api/anthropic`, maxRetries: 0 });
});
afterAll(() => g.close());

const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const textOf = (m: Anthropic.Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');

/** Gateway parameters where the reference puts them for this SDK. */
const withParams = (params: Record<string, unknown>) => ({ metadata: { keywordsai_params: params } }) as unknown as Pick<Anthropic.MessageCreateParams, 'metadata'>;

for (const up of UPSTREAMS) {
  describe(`Anthropic SDK -> ${up.name}`, () => {
    test('messages.create: the answer, usage, and one span with tokens and cost', async () => {
      const before = (await g.t.spans(0)).length;
      const m = await client.messages.create({
        model: up.model,
        max_tokens: 200,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Hello' }],
        ...withParams({ customer_identifier: 'cust-7', custom_identifier: 'req-1' }),
      });
      expect(textOf(m)).toBe(TEXT);
      expect(m.stop_reason).toBe('end_turn');
      expect(m.usage.output_tokens).toBe(up.tokens.completion);
      const s = (await g.t.spans(before + 1))[before]!;
      expect([s.log_type, s.extra.api, s.model, s.provider_id, s.status_code]).toEqual(['chat', 'messages', up.model, up.name, 200]);
      expect([s.customer_identifier, s.custom_identifier]).toEqual(['cust-7', 'req-1']);
      expectSpanUsage(s, up);
      expect(JSON.parse(s.input!)).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ]);
      expect(JSON.parse(s.output!)).toMatchObject({ role: 'assistant', content: TEXT });
    });

    test('messages.stream: text events, the final message, a span with TTFT', async () => {
      const before = (await g.t.spans(0)).length;
      const stream = client.messages.stream({ model: up.model, max_tokens: 200, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] });
      let text = '';
      stream.on('text', (t) => {
        text += t;
      });
      const final = await stream.finalMessage();
      expect(text).toBe(TEXT);
      expect(textOf(final)).toBe(TEXT);
      expect(final.usage.output_tokens).toBe(up.tokens.completion);
      const s = (await g.t.spans(before + 1))[before]!;
      expect(s.stream).toBe(true);
      expect(s.time_to_first_token).toBeGreaterThanOrEqual(0);
      expectSpanUsage(s, up);
    });

    test('tool use round trip (create, then streamed)', async () => {
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
      const first = await client.messages.create({ model: up.model, max_tokens: 200, messages, tools: [weather] });
      expect(first.stop_reason).toBe('tool_use');
      const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
      const second = await client.messages.create({
        model: up.model,
        max_tokens: 200,
        tools: [weather],
        messages: [...messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.id, content: '{"temp_c":21}' }] }],
      });
      expect(textOf(second)).toBe(TOOL_ANSWER);
      const streamed = await client.messages.stream({ model: up.model, max_tokens: 200, messages, tools: [weather] }).finalMessage();
      expect(streamed.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    });
  });
}

describe('Anthropic SDK: errors and headers', () => {
  test('a wrong gateway key is an AuthenticationError (401)', async () => {
    const bad = new Anthropic({ apiKey: 'AbCdEfGh.0123456789abcdefghijklmnopqrstuv', baseURL: `${g.base}/api/anthropic`, maxRetries: 0 });
    const err = await bad.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  test('gateway parameters in the X-Data-Keywordsai-Params header', async () => {
    const before = (await g.t.spans(0)).length;
    const withHeader = new Anthropic({
      apiKey: g.key,
      baseURL: `${g.base}/api/anthropic`,
      maxRetries: 0,
      defaultHeaders: { 'X-Data-Keywordsai-Params': JSON.stringify({ customer_identifier: 'from-header', metadata: { via: 'header' } }) },
    });
    await withHeader.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });
    const s = (await g.t.spans(before + 1))[before]!;
    expect([s.customer_identifier, s.metadata]).toEqual(['from-header', { via: 'header' }]);
  });

  test('the key as a Bearer token works too', async () => {
    const bearer = new Anthropic({ authToken: g.key, apiKey: null, baseURL: `${g.base}/api/anthropic`, maxRetries: 0 });
    const m = await bearer.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });
    expect(textOf(m)).toBe(TEXT);
  });

  test('upstream 429 and 529 keep their status: RateLimitError and OverloadedError', async () => {
    const noRetry = withParams({ retry_params: { retry_enabled: false } });
    const e429 = await client.messages.create({ model: 'anthropic/err-429', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], ...noRetry }).catch((e: unknown) => e);
    expect(e429).toBeInstanceOf(Anthropic.RateLimitError);
    const e529 = await client.messages.create({ model: 'anthropic/err-529', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], ...noRetry }).catch((e: unknown) => e);
    expect(e529).toBeInstanceOf(Anthropic.OverloadedError);
    expect((e529 as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: 'overloaded_error' } });
  });

  test("the gateway's own customer rate limit is a RateLimitError with retry-after", async () => {
    const params = withParams({ customer_params: { customer_identifier: 'limited', rate_limit: 1 } });
    const ask = () => client.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], ...params });
    await ask();
    const err = (await ask().catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(0);
  });

  test('a request the gateway finds invalid is a BadRequestError naming the field', async () => {
    const err = await client.messages
      .create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], ...withParams({ retry_params: { num_retries: 99 } }) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain('metadata.keywordsai_params.retry_params.num_retries');
  });

  test('anthropic-version and anthropic-beta go on to Anthropic; max_tokens defaults to 4096', async () => {
    await client.messages.create(
      { model: up('anthropic'), messages: [{ role: 'user', content: 'Hi' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming,
      { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31', 'anthropic-version': '2023-06-01' } },
    );
    const sent = g.fakes.anthropic.last();
    expect(sent.headers.get('anthropic-beta')).toBe('prompt-caching-2024-07-31');
    expect(sent.headers.get('anthropic-version')).toBe('2023-06-01');
    expect(sent.headers.get('x-api-key')).not.toBe(g.key);
    expect(sent.body).toMatchObject({ model: 'claude-3-5-haiku-20241022', max_tokens: 4096 });
  });
});

function up(name: string): string {
  return UPSTREAMS.find((u) => u.name === name)!.model;
}
