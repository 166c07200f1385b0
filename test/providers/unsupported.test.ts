import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../src/errors.ts';
import { createAnthropicAdapter } from '../../src/providers/anthropic/adapter.ts';
import { createGeminiAdapter } from '../../src/providers/gemini/adapter.ts';
import type { CallContext, ProviderAdapter } from '../../src/providers/types.ts';
import type { ChatRequest } from '../../src/schemas/openai.ts';

let sent = 0;
const ctx: CallContext = {
  model: 'm',
  credentials: { api_key: 'k' },
  callerCredentials: false,
  signal: new AbortController().signal,
  fetch: (async () => {
    sent++;
    return new Response('{}', { status: 500 });
  }) as unknown as typeof fetch,
};
const req = (over: Partial<ChatRequest>): ChatRequest => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...over });

async function refusal(adapter: ProviderAdapter, over: Partial<ChatRequest>, stream: boolean): Promise<UpstreamError> {
  try {
    if (stream) for await (const _ of adapter.stream(req(over), ctx)) break;
    else await adapter.complete(req(over), ctx);
  } catch (err) {
    return err as UpstreamError;
  }
  throw new Error('expected a refusal');
}

describe('parameters a provider cannot honour are refused, never dropped', () => {
  const anthropic = createAnthropicAdapter({ api_key: 'k' });
  const gemini = createGeminiAdapter({ api_key: 'k' });
  const cases: [string, ProviderAdapter, Partial<ChatRequest>, string][] = [
    ['anthropic n=2', anthropic, { n: 2 }, 'n'],
    ['anthropic seed', anthropic, { seed: 7 }, 'seed'],
    ['anthropic presence_penalty', anthropic, { presence_penalty: 0.5 }, 'presence_penalty'],
    ['anthropic logprobs', anthropic, { logprobs: true }, 'logprobs'],
    ['anthropic logit_bias', anthropic, { logit_bias: { '50256': -100 } }, 'logit_bias'],
    ['anthropic temperature above 1', anthropic, { temperature: 1.5 }, 'temperature'],
    ['gemini logit_bias', gemini, { logit_bias: { '1': 1 } }, 'logit_bias'],
  ];
  for (const [name, adapter, over, param] of cases) {
    for (const stream of [false, true]) {
      test(`${name} (${stream ? 'stream' : 'complete'})`, async () => {
        const before = sent;
        const err = await refusal(adapter, over, stream);
        expect(err).toBeInstanceOf(UpstreamError);
        expect(err.status).toBe(400);
        expect(err.code).toBe('unsupported_parameter');
        expect(err.param).toBe(param);
        expect(err.message).toContain(param);
        expect(sent).toBe(before);
      });
    }
  }

  test('neutral values pass: n=1, zero penalties, logprobs false, empty logit_bias', async () => {
    const before = sent;
    await refusal(anthropic, { n: 1, presence_penalty: 0, frequency_penalty: 0, logprobs: false, logit_bias: {} }, false);
    expect(sent).toBe(before + 1);
  });
});
