import { describe, expect, test } from 'bun:test';
import { createProviderRegistry } from '../../src/providers/registry.ts';

describe('createProviderRegistry', () => {
  test('looks adapters up by id; mock is built in', () => {
    const reg = createProviderRegistry([
      { id: 'openai', kind: 'openai', api_key: 'k' },
      { id: 'groq', kind: 'openai' },
      { id: 'azure', kind: 'azure', api_base: 'https://x.openai.azure.com' },
      { id: 'anthropic', kind: 'anthropic' },
      { id: 'gemini', kind: 'gemini' },
    ]);
    expect(reg.ids().sort()).toEqual(['anthropic', 'azure', 'gemini', 'groq', 'mock', 'openai']);
    expect(reg.get('groq')?.id).toBe('groq');
    expect(reg.get('nope')).toBeUndefined();
    expect(reg.has('mock')).toBe(true);
    expect(createProviderRegistry([], { includeMock: false }).ids()).toEqual([]);
  });

  test('configured mock options apply; registries do not share state', async () => {
    const cfg = [{ id: 'mock', kind: 'mock' as const, mock: { error_percent: 100, error_status: 418 } }];
    const a = createProviderRegistry(cfg).get('mock');
    const ctx = { model: 'm', credentials: {}, callerCredentials: false, signal: new AbortController().signal, fetch };
    const err = await a?.complete({ model: 'm', messages: [] }, ctx).catch((e: unknown) => e);
    expect((err as { upstreamStatus?: number }).upstreamStatus).toBe(418);
    expect(createProviderRegistry([]).get('mock')).not.toBe(createProviderRegistry([]).get('mock'));
  });

  test('duplicate ids are a config error', () => {
    expect(() => createProviderRegistry([{ id: 'a', kind: 'mock' }, { id: 'a', kind: 'openai' }])).toThrow("provider 'a' is configured twice");
  });

  test('which adapters answer the Responses and Messages APIs themselves', () => {
    const r = createProviderRegistry([
      { id: 'openai', kind: 'openai' },
      { id: 'mistral', kind: 'openai' },
      { id: 'inhouse', kind: 'openai', api_base: 'http://10.0.0.5:8000/v1' },
      { id: 'llamacpp', kind: 'openai', responses_api: true },
      { id: 'groq', kind: 'openai', responses_api: false },
      { id: 'azure', kind: 'azure' },
      { id: 'anthropic', kind: 'anthropic' },
      { id: 'gemini', kind: 'gemini' },
    ]);
    const native = (id: string) => Object.keys(r.get(id)?.native ?? {}).sort();
    expect(['openai', 'mistral', 'inhouse', 'llamacpp', 'groq', 'azure', 'anthropic', 'gemini', 'mock'].map((id) => [id, native(id)])).toEqual([
      ['openai', ['responses']],
      ['mistral', []],
      ['inhouse', ['responses']],
      ['llamacpp', ['responses']],
      ['groq', []],
      ['azure', []],
      ['anthropic', ['messages']],
      ['gemini', []],
      ['mock', []],
    ]);
  });
});
