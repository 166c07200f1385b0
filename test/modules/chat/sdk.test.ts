/** The official openai SDK against a real listening gateway with fake providers. */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { Tokenizer } from '../../../src/pricing/tokenizer.ts';
import { type Gateway, gateway } from './fixtures.ts';

let g: Gateway;
let client: OpenAI;

beforeEach(async () => {
  g = await gateway();
  client = new OpenAI({ apiKey: g.key, baseURL: `${g.t.listen()}/api`, maxRetries: 0 });
});
afterEach(() => g.t.close());

const hello = [{ role: 'user' as const, content: 'Hello there' }];

describe('openai SDK', () => {
  test('plain call: answer, usage, overhead header, one span', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).withResponse();
    expect(data.choices[0]!.message.content).toBe('gpt-4o-mini: Hello there');
    expect(data.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    expect(Number(response.headers.get('x-switchyard-overhead-ms'))).toBeGreaterThanOrEqual(0);
    const spans = await g.t.spans();
    expect(spans).toHaveLength(1);
    const s = spans[0]!;
    expect([s.log_type, s.model, s.provider_id, s.status_code, s.prompt_tokens, s.completion_tokens]).toEqual([
      'chat',
      'gpt-4o-mini',
      'openai',
      200,
      2,
      3,
    ]);
    expect(JSON.parse(s.input!)).toEqual(hello);
    expect(JSON.parse(s.output!)).toEqual({ role: 'assistant', content: 'gpt-4o-mini: Hello there' });
    // The gateway's configured key reached the adapter, never the span.
    expect(g.fakes.openai.calls[0]!.ctx.credentials.api_key).toBe('sk-gateway-openai-key');
    expect(JSON.stringify(s)).not.toContain('sk-gateway-openai-key');
  });

  test('streaming: chunks in OpenAI format, usage when asked, span with TTFT', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('gpt-4o-mini: Hello there');
    expect(usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    const [s] = await g.t.spans();
    expect(s!.stream).toBe(true);
    expect(s!.time_to_first_token).toBeGreaterThanOrEqual(0);
    expect(s!.completion_tokens).toBe(3);
    expect(JSON.parse(s!.output!).content).toBe('gpt-4o-mini: Hello there');
  });

  test('streaming without include_usage: the client sees no usage chunk, the span still has tokens', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    const [s] = await g.t.spans();
    expect([s!.prompt_tokens, s!.completion_tokens]).toEqual([2, 3]);
  });

  test('a stream whose provider reports no usage is counted with the tokenizer', async () => {
    g.fakes.openai.streamUsage = false;
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, stream: true });
    for await (const _ of stream) {
      // drain
    }
    const [s] = await g.t.spans();
    const tk = new Tokenizer();
    expect(s!.prompt_tokens).toBe(await tk.countMessageTokens(hello, 'gpt-4o-mini'));
    expect(s!.completion_tokens).toBe(await tk.countTextTokens('gpt-4o-mini: Hello there', 'gpt-4o-mini'));
  });

  test('tools: passed through, tool_calls returned, tools on the span', async () => {
    g.fakes.openai.script('gpt-4o-mini', { ok: true, toolCall: { name: 'get_weather', arguments: '{"location":"Paris"}' } });
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
    ];
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, tools, tool_choice: 'auto' });
    const call = r.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && call.function.name).toBe('get_weather');
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    expect(g.fakes.openai.calls[0]!.req).toMatchObject({ tools, tool_choice: 'auto' });
    const [s] = await g.t.spans();
    expect(s!.extra.tools).toEqual(tools);
    expect(s!.extra.tool_choice).toBe('auto');
  });

  test('streamed tool calls are assembled', async () => {
    g.fakes.openai.script('gpt-4o-mini', { ok: true, toolCall: { name: 'f', arguments: '{"a":1}' } });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: hello,
      stream: true,
      tools: [{ type: 'function', function: { name: 'f' } }],
    });
    let args = '';
    for await (const c of stream) args += c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
    expect(args).toBe('{"a":1}');
    const [s] = await g.t.spans();
    expect(JSON.parse(s!.output!).tool_calls[0].function).toEqual({ name: 'f', arguments: '{"a":1}' });
  });

  test('JSON mode and images reach the provider unchanged', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this image? Answer in json' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
        ],
      },
    ];
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages, response_format: { type: 'json_object' } });
    const req = g.fakes.openai.calls[0]!.req as Record<string, unknown>;
    expect(req.messages).toEqual(messages);
    expect(req.response_format).toEqual({ type: 'json_object' });
  });

  test('gateway parameters through extra body fields are used and stripped before upstream', async () => {
    g.fakes.openai.script('gpt-4o-mini', { ok: false, status: 500 });
    const r = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: hello,
      // What Python's extra_body does: extra top-level fields.
      ...{
        fallback_models: ['anthropic/claude-3-5-haiku-20241022'],
        retry_params: { retry_enabled: false },
        metadata: { team: 'search' },
        customer_identifier: 'cust-1',
        custom_identifier: 'req-42',
        thread_identifier: 'thread-9',
        positive_feedback: true,
        reasoning_effort: 'low',
      },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(r.choices[0]!.message.content).toBe('claude-3-5-haiku-20241022: Hello there');
    const upstream = g.fakes.anthropic.calls[0]!.req as Record<string, unknown>;
    for (const k of ['fallback_models', 'retry_params', 'metadata', 'customer_identifier', 'custom_identifier', 'thread_identifier', 'positive_feedback']) {
      expect(upstream).not.toHaveProperty(k);
    }
    // Unknown OpenAI parameters pass through.
    expect(upstream.reasoning_effort).toBe('low');
    const [s] = await g.t.spans();
    expect(s!.model).toBe('anthropic/claude-3-5-haiku-20241022');
    expect(s!.metadata).toEqual({ team: 'search' });
    expect([s!.customer_identifier, s!.custom_identifier, s!.thread_identifier, s!.positive_feedback]).toEqual([
      'cust-1',
      'req-42',
      'thread-9',
      true,
    ]);
    expect((s!.extra.warnings as string[])[0]).toContain('gpt-4o-mini failed (500)');
    expect((s!.extra.attempts as { model: string; status: number }[]).map((a) => `${a.model}:${a.status}`)).toEqual([
      'gpt-4o-mini:500',
      'anthropic/claude-3-5-haiku-20241022:200',
    ]);
  });

  test('parameters in the X-Data-Keywordsai-Params header (base64 JSON)', async () => {
    const header = Buffer.from(JSON.stringify({ customer_identifier: 'from-header', metadata: { a: 1 } })).toString('base64');
    const c2 = new OpenAI({
      apiKey: g.key,
      baseURL: `${g.t.listen()}/api`,
      maxRetries: 0,
      defaultHeaders: { 'X-Data-Keywordsai-Params': header },
    });
    await c2.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, ...{ metadata: { b: 2 } } } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const [s] = await g.t.spans();
    expect(s!.customer_identifier).toBe('from-header');
    // The body's own fields win over the header's.
    expect(s!.metadata).toEqual({ b: 2 });
  });

  test('unknown model: 404 that names it', async () => {
    const err = await client.chat.completions.create({ model: 'no-such-model-zzz', messages: hello }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as Error).message).toContain('no-such-model-zzz');
    const [s] = await g.t.spans();
    expect([s!.status, s!.status_code]).toEqual(['error', 404]);
  });

  test('all models failing: the error says so and lists them', async () => {
    g.fakes.openai.script('gpt-4o-mini', { ok: false, status: 503, message: 'overloaded' });
    g.fakes.anthropic.script('claude-3-5-haiku-20241022', { ok: false, status: 500, message: 'boom' });
    const err = (await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: hello,
        ...{ fallback_models: ['anthropic/claude-3-5-haiku-20241022'], retry_params: { retry_enabled: false } },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.message).toContain('All models failed');
    expect(err.message).toContain('gpt-4o-mini (503: overloaded)');
    expect(err.message).toContain('claude-3-5-haiku-20241022 (500: boom)');
  });

  test('embeddings', async () => {
    const r = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one two', 'three'] });
    expect(r.data).toHaveLength(2);
    expect(r.usage.prompt_tokens).toBe(3);
    const [s] = await g.t.spans();
    expect([s!.log_type, s!.model, s!.prompt_tokens]).toEqual(['embedding', 'text-embedding-3-small', 3]);
    // text-embedding-3-small: $0.02 per 1M tokens.
    expect(s!.cost).toBeCloseTo((3 * 0.02) / 1e6, 15);
  });
});
