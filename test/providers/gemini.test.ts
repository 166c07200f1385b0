import { afterAll, describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../src/errors.ts';
import { createGeminiAdapter, modelPath } from '../../src/providers/gemini/adapter.ts';
import { toGeminiRequest, toGeminiSchema } from '../../src/providers/gemini/request.ts';
import { createGeminiStreamState, finishGeminiStream, fromGeminiEvent, fromGeminiResponse, mapGeminiFinish, mapGeminiUsage } from '../../src/providers/gemini/response.ts';
import type { ChatChunk, ChatRequest } from '../../src/schemas/openai.ts';
import { API_KEY } from './fakes/common.ts';
import { startGeminiFake } from './fakes/gemini.ts';

const base = (over: Partial<ChatRequest>): ChatRequest => ({ model: 'x', messages: [{ role: 'user', content: 'hi' }], ...over });

describe('modelPath', () => {
  test('a model name from the request cannot leave its path segment', () => {
    expect(modelPath('gemini-2.5-flash')).toBe('models/gemini-2.5-flash');
    expect(modelPath('tunedModels/my-model')).toBe('tunedModels/my-model');
    expect(modelPath('../../files?alt=x#y')).toBe('models/..%2F..%2Ffiles%3Falt%3Dx%23y');
    expect(new URL(`https://g.test/v1beta/${modelPath('../../x')}:generateContent`).pathname).toBe('/v1beta/models/..%2F..%2Fx:generateContent');
  });
});

describe('toGeminiRequest', () => {
  test('roles, systemInstruction, merging, function name recovered from the tool_call id', () => {
    const out = toGeminiRequest({
      model: 'x',
      messages: [
        { role: 'system', content: 'S1' },
        { role: 'developer', content: 'S2' },
        { role: 'user', content: 'q' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"k":"v"}' } }, { id: 'c2', type: 'function', function: { name: 'other', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '{"found":true}' },
        { role: 'tool', tool_call_id: 'c2', content: 'plain text' },
        { role: 'tool', tool_call_id: 'unknown-id', name: 'named', content: '[1,2]' },
      ],
    });
    expect(out.systemInstruction).toEqual({ parts: [{ text: 'S1\n\nS2' }] });
    expect(out.contents).toEqual([
      { role: 'user', parts: [{ text: 'q' }] },
      { role: 'model', parts: [{ functionCall: { name: 'lookup', args: { k: 'v' } } }, { functionCall: { name: 'other', args: {} } }] },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'lookup', response: { found: true } } },
          { functionResponse: { name: 'other', response: { result: 'plain text' } } },
          { functionResponse: { name: 'named', response: { result: [1, 2] } } },
        ],
      },
    ]);
  });

  test('generationConfig and JSON schema mode', () => {
    const out = toGeminiRequest(
      base({
        temperature: 0.2,
        top_p: 0.8,
        max_tokens: 100,
        stop: ['x', 'y'],
        n: 2,
        seed: 7,
        response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object', additionalProperties: false, properties: { a: { type: 'string', title: 'A' } } } } },
      }),
    );
    expect(out.generationConfig).toEqual({
      temperature: 0.2,
      topP: 0.8,
      maxOutputTokens: 100,
      stopSequences: ['x', 'y'],
      candidateCount: 2,
      seed: 7,
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { a: { type: 'string' } } },
    });
    expect(toGeminiRequest(base({})).generationConfig).toBeUndefined();
  });

  test('tool_choice modes and schema sanitising keeps property names', () => {
    const tools: ChatRequest['tools'] = [
      { type: 'function', function: { name: 'f', parameters: { $schema: 'x', type: 'object', properties: { title: { type: 'string' }, default: { type: 'number', default: 1 } }, additionalProperties: false } } },
    ];
    const cfg = (tool_choice: ChatRequest['tool_choice']) => toGeminiRequest(base({ tools, ...(tool_choice ? { tool_choice } : {}) })).toolConfig;
    expect(cfg('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(cfg('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(cfg('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(cfg({ type: 'function', function: { name: 'f' } })).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
    expect(cfg(undefined)).toBeUndefined();
    expect(toGeminiRequest(base({ tools })).tools?.[0]?.functionDeclarations[0]?.parameters).toEqual({
      type: 'object',
      properties: { title: { type: 'string' }, default: { type: 'number' } },
    });
    expect(toGeminiSchema([{ $id: 'a', type: 'string' }])).toEqual([{ type: 'string' }]);
  });
});

describe('Gemini responses', () => {
  test('usage: thoughts count as completion tokens and reasoning_tokens; cached is a detail', () => {
    expect(mapGeminiUsage({ promptTokenCount: 100, candidatesTokenCount: 20, thoughtsTokenCount: 30, cachedContentTokenCount: 40, toolUsePromptTokenCount: 5, totalTokenCount: 155 })).toEqual({
      prompt_tokens: 105,
      completion_tokens: 50,
      total_tokens: 155,
      prompt_tokens_details: { cached_tokens: 40 },
      completion_tokens_details: { reasoning_tokens: 30 },
    });
    expect(mapGeminiUsage({ promptTokenCount: 3, candidatesTokenCount: 2 })).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  test('finish reasons', () => {
    expect(mapGeminiFinish('STOP', false)).toBe('stop');
    expect(mapGeminiFinish('STOP', true)).toBe('tool_calls');
    expect(mapGeminiFinish('MAX_TOKENS', false)).toBe('length');
    expect(mapGeminiFinish('SAFETY', false)).toBe('content_filter');
    expect(mapGeminiFinish('RECITATION', false)).toBe('content_filter');
    expect(mapGeminiFinish('OTHER', false)).toBe('stop');
    expect(mapGeminiFinish(undefined, false)).toBeNull();
  });

  test('thought parts become reasoning_content; function calls get ids; prompt blocked -> content_filter', () => {
    const out = fromGeminiResponse(
      {
        responseId: 'r1',
        candidates: [{ index: 0, finishReason: 'STOP', content: { role: 'model', parts: [{ text: 'plan', thought: true }, { text: 'A' }, { functionCall: { name: 'f', args: { a: 1 } } }] } }],
      },
      'gemini-x',
      5,
    );
    expect(out?.choices[0]?.message).toEqual({
      role: 'assistant',
      content: 'A',
      reasoning_content: 'plan',
      tool_calls: [{ id: 'call_r1_0', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    });
    expect(out?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(out?.model).toBe('gemini-x');
    const blocked = fromGeminiResponse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4 } }, 'g', 1);
    expect(blocked?.choices).toEqual([{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'content_filter' }]);
    expect(fromGeminiResponse('x', 'g', 1)).toBeUndefined();
  });

  test('stream translator: role once, text deltas, whole tool calls, last usage wins', () => {
    const st = createGeminiStreamState('g', 9);
    const out: ChatChunk[] = [];
    const push = (c: ChatChunk | null) => c && out.push(c);
    push(fromGeminiEvent(st, { responseId: 'r', candidates: [{ content: { parts: [{ text: 'Hi' }] } }], usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1 } }));
    push(fromGeminiEvent(st, { candidates: [{ content: { parts: [{ functionCall: { id: 'given', name: 'f', args: {} } }, { functionCall: { name: 'g', args: { x: 1 } } }] } }] }));
    push(fromGeminiEvent(st, { candidates: [{ content: { parts: [] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 4, thoughtsTokenCount: 1 } }));
    push(finishGeminiStream(st));
    expect(out[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: 'Hi' });
    expect(out[1]?.choices[0]?.delta.role).toBeUndefined();
    expect(out[1]?.choices[0]?.delta.tool_calls).toEqual([
      { index: 0, id: 'given', type: 'function', function: { name: 'f', arguments: '{}' } },
      { index: 1, id: 'call_r_0', type: 'function', function: { name: 'g', arguments: '{"x":1}' } },
    ]);
    expect(out[2]?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(out[3]?.usage).toEqual({ prompt_tokens: 2, completion_tokens: 5, total_tokens: 7, completion_tokens_details: { reasoning_tokens: 1 } });
    expect(new Set(out.map((c) => c.id))).toEqual(new Set(['r']));
  });
});

describe('gemini adapter against the fake', () => {
  const fake = startGeminiFake();
  afterAll(() => fake.stop());
  const ctx = (model: string) => ({ model, credentials: { api_key: API_KEY, api_base: fake.url }, callerCredentials: false, signal: new AbortController().signal, fetch });

  test('paths, alt=sse, key in header not URL', async () => {
    await createGeminiAdapter().complete(base({}), ctx('gemini-fake'));
    let r = fake.last();
    expect(r.path).toBe('/v1beta/models/gemini-fake:generateContent');
    expect(r.headers.get('x-goog-api-key')).toBe(API_KEY);
    expect(r.query.get('key')).toBeNull();
    for await (const _ of createGeminiAdapter().stream(base({}), ctx('models/gemini-fake'))) void _;
    r = fake.last();
    expect(r.path).toBe('/v1beta/models/gemini-fake:streamGenerateContent');
    expect(r.query.get('alt')).toBe('sse');
  });

  test('stream usage includes thoughts and cached tokens', async () => {
    const chunks: ChatChunk[] = [];
    for await (const c of createGeminiAdapter().stream(base({}), ctx('gemini-fake'))) chunks.push(c);
    expect(chunks[chunks.length - 1]?.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 8,
      total_tokens: 18,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 3 },
    });
  });

  test('embeddings via batchEmbedContents', async () => {
    const res = await createGeminiAdapter().embed?.({ model: 'text-embedding-004', input: ['a b', 'c'], dimensions: 3 }, ctx('text-embedding-004'));
    expect(fake.last().path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(fake.last().body).toEqual({
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'a b' }] }, outputDimensionality: 3 },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'c' }] }, outputDimensionality: 3 },
      ],
    });
    expect(res?.data.map((d) => d.embedding)).toEqual([[0, 0.5, -0.25], [1, 0.5, -0.25]]);
    expect(res?.usage.prompt_tokens).toBe(2);
  });

  test('error body maps status string to code', async () => {
    let err: unknown;
    try {
      await createGeminiAdapter().complete(base({}), ctx('err-429'));
    } catch (e) {
      err = e;
    }
    expect((err as UpstreamError).code).toBe('RESOURCE_EXHAUSTED');
    expect((err as UpstreamError).message).toBe('Resource has been exhausted (e.g. check quota).');
  });
});
