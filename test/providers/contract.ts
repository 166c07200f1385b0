/**
 * The contract every provider adapter must pass, whatever its wire format.
 * Provider-specific "what did the adapter send" checks plug in as hooks.
 */
import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../src/errors.ts';
import type { ChatChunk, ChatMessage, ChatRequest, Tool } from '../../src/schemas/openai.ts';
import type { CallContext, ProviderAdapter, StreamedChunk } from '../../src/providers/types.ts';
import { chatBatches } from '../../src/providers/shared/batches.ts';
import { messagesWire } from '../../src/providers/translate/messages/index.ts';
import { responsesWire } from '../../src/providers/translate/responses/index.ts';
import type { WireEvent } from '../../src/providers/translate/wire.ts';

export interface ContractHarness {
  name: string;
  adapter: ProviderAdapter;
  apiKey: string;
  /** api_base for this harness's upstream; undefined for in-process adapters. */
  apiBase?: string;
  models: {
    ok: string;
    /** Model that fails with `status` on the first call. */
    error(status: number): string;
    /** Streams at least one chunk, then stalls until the client goes away. */
    hang: string;
  };
  statuses: number[];
  expectedText: string;
  retryAfterMs: number;
  /** Checks on the translated request body the upstream received. */
  sent?: {
    last(): unknown;
    tools(body: unknown): void;
    toolResult(body: unknown): void;
    image(body: unknown): void;
    json(body: unknown): void;
  };
  /** How many streams the upstream saw cancelled. */
  cancelled?(): number;
}

export const WEATHER_TOOL: Tool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] },
  },
};

export const PNG_DATA_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export function makeCtx(h: ContractHarness, model: string, over: Partial<CallContext> = {}): CallContext {
  return {
    model,
    credentials: { api_key: h.apiKey, ...(h.apiBase ? { api_base: h.apiBase } : {}) },
    callerCredentials: false,
    signal: new AbortController().signal,
    fetch,
    ...over,
  };
}

const user = (content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });
const req = (messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'x', messages, ...extra });

async function collect(it: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

export function adapterContract(h: ContractHarness): void {
  describe(`adapter contract: ${h.name}`, () => {
    test('plain completion', async () => {
      const res = await h.adapter.complete(req([{ role: 'system', content: 'Be brief.' }, user('Hello')]), makeCtx(h, h.models.ok));
      expect(res.object).toBe('chat.completion');
      expect(res.choices[0]?.message.content).toBe(h.expectedText);
      expect(res.choices[0]?.finish_reason).toBe('stop');
      const u = res.usage;
      expect(u?.prompt_tokens).toBeGreaterThan(0);
      expect(u?.completion_tokens).toBeGreaterThan(0);
      expect(u?.total_tokens).toBe((u?.prompt_tokens ?? 0) + (u?.completion_tokens ?? 0));
    });

    test('streaming in batches (where the adapter reads them): the same chunks, never an empty batch', async () => {
      const ctx = makeCtx(h, h.models.ok);
      const one = await collect(h.adapter.stream(req([user('Hello')], { stream: true }), ctx));
      const batches: StreamedChunk[][] = [];
      for await (const b of chatBatches(h.adapter, req([user('Hello')], { stream: true }), makeCtx(h, h.models.ok))) batches.push(b);
      expect(batches.every((b) => b.length > 0)).toBe(true);
      const chunks = batches.flat();
      const text = (cs: ChatChunk[]) => cs.map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(text(chunks.map((s) => s.chunk))).toBe(text(one));
      expect(chunks.length).toBe(one.length);
      // The text passed on as is must say what the chunk says.
      for (const s of chunks) if (s.raw !== undefined) expect(JSON.parse(s.raw)).toEqual(s.chunk);
    });

    test('streaming: ordered text, finish reason, final usage', async () => {
      const chunks = await collect(h.adapter.stream(req([user('Hello')], { stream: true }), makeCtx(h, h.models.ok)));
      expect(chunks.length).toBeGreaterThan(2);
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(text).toBe(h.expectedText);
      expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
      const last = chunks[chunks.length - 1];
      expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
      expect(last?.usage?.prompt_tokens).toBeGreaterThan(0);
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    });

    test('tools round-trip', async () => {
      const ctx = makeCtx(h, h.models.ok);
      const first = await h.adapter.complete(req([user('Weather in Paris?')], { tools: [WEATHER_TOOL], tool_choice: 'auto' }), ctx);
      h.sent?.tools(h.sent.last());
      const call = first.choices[0]?.message.tool_calls?.[0];
      expect(first.choices[0]?.finish_reason).toBe('tool_calls');
      expect(call?.function.name).toBe('get_weather');
      const args: unknown = JSON.parse(call?.function.arguments ?? 'null');
      expect(typeof (args as { city?: unknown }).city).toBe('string');

      const second = await h.adapter.complete(
        req(
          [
            user('Weather in Paris?'),
            { role: 'assistant', content: null, tool_calls: [call ?? { id: 'c', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
            { role: 'tool', tool_call_id: call?.id ?? 'c', content: '{"temp_c":21,"sky":"sunny"}' },
          ],
          { tools: [WEATHER_TOOL] },
        ),
        ctx,
      );
      h.sent?.toolResult(h.sent.last());
      expect(second.choices[0]?.finish_reason).toBe('stop');
      expect(second.choices[0]?.message.content).toBeTruthy();
    });

    test('streamed tool call assembles into name + JSON arguments', async () => {
      const chunks = await collect(h.adapter.stream(req([user('Weather in Paris?')], { tools: [WEATHER_TOOL] }), makeCtx(h, h.models.ok)));
      let name = '';
      let args = '';
      for (const c of chunks) {
        for (const d of c.choices[0]?.delta.tool_calls ?? []) {
          expect(d.index).toBe(0);
          name += d.function?.name ?? '';
          args += d.function?.arguments ?? '';
        }
      }
      expect(name).toBe('get_weather');
      expect(typeof (JSON.parse(args) as { city?: unknown }).city).toBe('string');
      expect(chunks.some((c) => c.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
    });

    test('JSON mode answers valid JSON', async () => {
      const res = await h.adapter.complete(req([user('Give me JSON')], { response_format: { type: 'json_object' } }), makeCtx(h, h.models.ok));
      h.sent?.json(h.sent.last());
      expect(() => JSON.parse(res.choices[0]?.message.content ?? '')).not.toThrow();
    });

    test('image message', async () => {
      const res = await h.adapter.complete(
        req([
          user([
            { type: 'text', text: 'What is in these images?' },
            { type: 'image_url', image_url: { url: PNG_DATA_URL } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          ]),
        ]),
        makeCtx(h, h.models.ok),
      );
      h.sent?.image(h.sent.last());
      expect(res.choices[0]?.message.content).toBeTruthy();
    });

    for (const status of h.statuses) {
      test(`error ${status} maps to UpstreamError`, async () => {
        const ctx = makeCtx(h, h.models.error(status), { callerCredentials: true });
        const err = await failure(h.adapter.complete(req([user('Hello')]), ctx));
        expect(err).toBeInstanceOf(UpstreamError);
        const e = err as UpstreamError;
        expect(e.upstreamStatus).toBe(status);
        expect(e.provider).toBe(h.adapter.id);
        expect(e.message.length).toBeGreaterThan(0);
        expect(e.message).not.toContain(h.apiKey);
        expect(e.callerCredentials).toBe(true);
        if (status === 429) expect(e.retryAfterMs).toBe(h.retryAfterMs);
        expect(e.retryable).toBe(status === 429 || status >= 500);
        if (status === 401) expect(e.fallbackable).toBe(false);
      });
    }

    test('a failure before the first chunk is thrown from the first next()', async () => {
      const status = h.statuses.find((s) => s >= 500) ?? 500;
      const it = h.adapter.stream(req([user('Hello')]), makeCtx(h, h.models.error(status)))[Symbol.asyncIterator]();
      const err = await failure(it.next());
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).upstreamStatus).toBe(status);
    });

    if (h.apiBase !== undefined) {
      test('connection refused -> status 0 (complete and stream)', async () => {
        const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
        const port = closed.port;
        await closed.stop(true);
        const base = h.apiBase?.replace(/:\d+/, `:${port}`);
        const ctx = makeCtx(h, h.models.ok, { credentials: { api_key: h.apiKey, ...(base ? { api_base: base } : {}) } });
        const e1 = await failure(h.adapter.complete(req([user('Hello')]), ctx));
        expect(e1).toBeInstanceOf(UpstreamError);
        expect((e1 as UpstreamError).upstreamStatus).toBe(0);
        expect((e1 as UpstreamError).status).toBe(502);
        const e2 = await failure(h.adapter.stream(req([user('Hello')]), ctx)[Symbol.asyncIterator]().next());
        expect((e2 as UpstreamError).upstreamStatus).toBe(0);
      });
    }

    test('abort mid-stream rejects with the abort reason and stops the upstream read', async () => {
      const ac = new AbortController();
      const it = h.adapter.stream(req([user('Hello there, tell me a long story please')]), makeCtx(h, h.models.hang, { signal: ac.signal }))[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.done).toBe(false);
      const reason = new Error('client disconnected');
      ac.abort(reason);
      // Drain whatever was already buffered; the abort must surface, not an UpstreamError.
      let err: unknown;
      for (let i = 0; i < 20 && err === undefined; i++) {
        try {
          const r = await it.next();
          if (r.done) break;
        } catch (e) {
          err = e;
        }
      }
      expect(err).toBe(reason);
      if (h.cancelled) {
        const deadline = Date.now() + 2000;
        while (h.cancelled() === 0 && Date.now() < deadline) await Bun.sleep(10);
        expect(h.cancelled()).toBeGreaterThan(0);
      }
    });
  });
}

const FN_TOOL = { type: 'function', name: WEATHER_TOOL.function.name, description: WEATHER_TOOL.function.description, parameters: WEATHER_TOOL.function.parameters };
const ANTHROPIC_TOOL = { name: WEATHER_TOOL.function.name, description: WEATHER_TOOL.function.description, input_schema: WEATHER_TOOL.function.parameters };

async function events(it: AsyncIterable<WireEvent[]>): Promise<WireEvent[]> {
  const out: WireEvent[] = [];
  for await (const batch of it) {
    expect(batch.length).toBeGreaterThan(0);
    out.push(...batch);
  }
  return out;
}

const outputText = (body: Record<string, unknown>) =>
  (body.output as Record<string, unknown>[])
    .filter((i) => i.type === 'message')
    .flatMap((i) => i.content as { text?: string }[])
    .map((p) => p.text ?? '')
    .join('');

/**
 * The Responses and Messages APIs through the adapter: native where it has
 * the shape, translated from chat otherwise. The same checks either way.
 */
export function wireContract(h: ContractHarness): void {
  describe(`client wire shapes: ${h.name}`, () => {
    test('Responses: a plain answer, with usage', async () => {
      const a = await responsesWire.complete(h.adapter, { model: 'x', instructions: 'Be brief.', input: 'Hello' }, makeCtx(h, h.models.ok));
      expect(a.body.object).toBe('response');
      expect(a.body.status).toBe('completed');
      expect(outputText(a.body)).toBe(h.expectedText);
      expect(a.chat.choices[0]?.message.content).toBe(h.expectedText);
      expect((a.body.usage as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
      expect(a.chat.usage?.completion_tokens).toBeGreaterThan(0);
    });

    test('Responses: the stream is response.created ... response.completed and assembles to the answer', async () => {
      const req = { model: 'x', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hello' }] }] };
      const evs = await events(responsesWire.stream(h.adapter, req, makeCtx(h, h.models.ok)));
      expect(evs[0]?.type).toBe('response.created');
      expect(evs[evs.length - 1]?.type).toBe('response.completed');
      expect(evs.filter((e) => e.type === 'response.output_text.delta').map((e) => e.data.delta).join('')).toBe(h.expectedText);
      const asm = responsesWire.assembler(req);
      for (const e of evs) asm.add(e);
      expect(asm.answer().chat.choices[0]?.message.content).toBe(h.expectedText);
      expect(asm.answer().chat.usage?.prompt_tokens).toBeGreaterThan(0);
    });

    test('Responses: function call round trip', async () => {
      const ctx = makeCtx(h, h.models.ok);
      const input: Record<string, unknown>[] = [{ role: 'user', content: 'Weather in Paris?' }];
      const first = await responsesWire.complete(h.adapter, { model: 'x', input, tools: [FN_TOOL], tool_choice: 'auto' }, ctx);
      const call = (first.body.output as Record<string, unknown>[]).find((i) => i.type === 'function_call');
      expect(call?.name).toBe('get_weather');
      expect(typeof JSON.parse(String(call?.arguments)).city).toBe('string');
      const evs = await events(responsesWire.stream(h.adapter, { model: 'x', input, tools: [FN_TOOL] }, ctx));
      expect(evs.filter((e) => e.type === 'response.function_call_arguments.delta').length).toBeGreaterThan(0);
      const second = await responsesWire.complete(
        h.adapter,
        { model: 'x', input: [...input, call ?? {}, { type: 'function_call_output', call_id: call?.call_id, output: '{"temp_c":21}' }], tools: [FN_TOOL] },
        ctx,
      );
      expect(outputText(second.body)).toBeTruthy();
    });

    test('Messages: a plain answer, with usage', async () => {
      const a = await messagesWire.complete(h.adapter, { model: 'x', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] }, makeCtx(h, h.models.ok));
      expect(a.body.type).toBe('message');
      expect(a.body.stop_reason).toBe('end_turn');
      expect((a.body.content as { text?: string }[]).map((b) => b.text ?? '').join('')).toBe(h.expectedText);
      expect((a.body.usage as { output_tokens: number }).output_tokens).toBeGreaterThan(0);
      expect(a.chat.usage?.prompt_tokens).toBeGreaterThan(0);
    });

    test('Messages: the stream is message_start ... message_stop and assembles to the answer', async () => {
      const req = { model: 'x', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] };
      const evs = await events(messagesWire.stream(h.adapter, req, makeCtx(h, h.models.ok)));
      expect(evs[0]?.type).toBe('message_start');
      expect(evs[evs.length - 1]?.type).toBe('message_stop');
      const asm = messagesWire.assembler(req);
      for (const e of evs) asm.add(e);
      const a = asm.answer();
      expect(a.chat.choices[0]?.message.content).toBe(h.expectedText);
      expect(a.chat.usage?.completion_tokens).toBeGreaterThan(0);
      expect(a.body.stop_reason).toBe('end_turn');
    });

    test('Messages: tool use round trip', async () => {
      const ctx = makeCtx(h, h.models.ok);
      const messages: Record<string, unknown>[] = [{ role: 'user', content: 'Weather in Paris?' }];
      const first = await messagesWire.complete(h.adapter, { model: 'x', max_tokens: 100, messages, tools: [ANTHROPIC_TOOL] }, ctx);
      expect(first.body.stop_reason).toBe('tool_use');
      const use = (first.body.content as Record<string, unknown>[]).find((b) => b.type === 'tool_use');
      expect(use?.name).toBe('get_weather');
      const second = await messagesWire.complete(
        h.adapter,
        {
          model: 'x',
          max_tokens: 100,
          tools: [ANTHROPIC_TOOL],
          messages: [...messages, { role: 'assistant', content: first.body.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use?.id, content: '{"temp_c":21}' }] }],
        },
        ctx,
      );
      expect(second.body.stop_reason).toBe('end_turn');
      expect((second.body.content as { text?: string }[])[0]?.text).toBeTruthy();
    });

    test('an upstream error surfaces as the UpstreamError, natively or translated', async () => {
      const status = h.statuses.find((s) => s >= 500) ?? 500;
      const calls = [
        [responsesWire, { model: 'x', input: 'Hello' }],
        [messagesWire, { model: 'x', max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] }],
      ] as const;
      for (const [wire, body] of calls) {
        const err = await failure(wire.complete(h.adapter, body, makeCtx(h, h.models.error(status))));
        expect(err).toBeInstanceOf(UpstreamError);
        expect((err as UpstreamError).upstreamStatus).toBe(status);
      }
    });
  });
}
