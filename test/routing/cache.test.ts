import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { type CacheEntry, MemoryResponseCache, cacheKey, canonicalJson } from '../../src/routing/cache.ts';

const entry = (text: string): CacheEntry => ({
  body: {
    kind: 'chat',
    chat: {
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    },
  },
  model: 'm',
  provider: 'mock',
  storedAt: 0,
});

const key = (over: Partial<Parameters<typeof cacheKey>[0]> = {}) =>
  cacheKey({
    orgId: 'o',
    environment: 'prod',
    target: { model: 'mock/echo' },
    body: { messages: [{ role: 'user', content: 'hi' }], temperature: 0 },
    ...over,
  });

describe('cacheKey', () => {
  test('sha256 of the canonical JSON', () => {
    const expected = createHash('sha256')
      .update('["o","prod",{"model":"mock/echo"},{"messages":[{"content":"hi","role":"user"}],"temperature":0},null]')
      .digest('hex');
    expect(key()).toBe(expected);
  });

  test('key order and stream/user do not matter; content, sampling, tools, customer do', () => {
    const base = key();
    expect(key({ body: { temperature: 0, messages: [{ content: 'hi', role: 'user' }], stream: true, user: 'u' } })).toBe(base);
    expect(key({ body: { messages: [{ role: 'user', content: 'hi!' }], temperature: 0 } })).not.toBe(base);
    expect(key({ body: { messages: [{ role: 'user', content: 'hi' }], temperature: 1 } })).not.toBe(base);
    expect(key({ body: { messages: [{ role: 'user', content: 'hi' }], temperature: 0, tools: [] } })).not.toBe(base);
    expect(key({ target: { model: 'mock/other' } })).not.toBe(base);
    expect(key({ customer: 'c1' })).not.toBe(key({ customer: 'c2' }));
    expect(key({ orgId: 'o2' })).not.toBe(base);
    expect(key({ environment: 'test' })).not.toBe(base);
  });

  test('canonicalJson drops undefined and sorts keys deeply', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});

describe('MemoryResponseCache', () => {
  test('TTL against the injected clock', async () => {
    const clock = { now: 1000 };
    const c = new MemoryResponseCache({ maxBytes: 1_000_000, now: () => clock.now });
    await c.set('k', entry('a'), 500);
    expect(await c.get('k')).toBeDefined();
    clock.now = 1499;
    expect(await c.get('k')).toBeDefined();
    clock.now = 1500;
    expect(await c.get('k')).toBeUndefined();
  });

  test('bounded by bytes: least recently used entries go first', async () => {
    const size = 64 + 1 + JSON.stringify(entry('x'.repeat(100)).body).length;
    const c = new MemoryResponseCache({ maxBytes: size * 3, now: () => 0 });
    for (const k of ['a', 'b', 'c']) await c.set(k, entry('x'.repeat(100)), 1e9);
    expect(c.stats().bytes).toBe(size * 3);
    await c.get('a');
    await c.set('d', entry('x'.repeat(100)), 1e9);
    expect(await c.get('b')).toBeUndefined();
    expect(await c.get('a')).toBeDefined();
    expect(c.stats().entries).toBe(3);
  });

  test('an entry larger than the whole budget is not stored; zero budget caches nothing', async () => {
    const c = new MemoryResponseCache({ maxBytes: 100, now: () => 0 });
    await c.set('big', entry('x'.repeat(1000)), 1e9);
    expect(await c.get('big')).toBeUndefined();
    const none = new MemoryResponseCache({ maxBytes: 0, now: () => 0 });
    await none.set('k', entry('a'), 1e9);
    expect(await none.get('k')).toBeUndefined();
  });
});
