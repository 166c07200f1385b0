/**
 * A content chunk matched against a stream's template must be exactly what
 * parsing it would give, and anything a parse would refuse or read
 * differently must not match (it is then parsed, and refused, as before).
 */
import { describe, expect, test } from 'bun:test';
import { ChunkTemplate, ChunkTemplates } from '../../src/providers/openai/chunk-template.ts';
import type { ChatChunk } from '../../src/schemas/openai.ts';

const HEAD = '{"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"content":"';
const TAIL = '"},"finish_reason":null}]}';
const event = (body: string) => HEAD + body + TAIL;
const learned = (raw = event('hello')) => ChunkTemplate.of(raw, JSON.parse(raw) as ChatChunk);

/** The parse a match stands in for; null when a parse would throw. */
function parsed(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

describe('ChunkTemplate', () => {
  test('a later chunk with other content is the chunk its parse gives', () => {
    const t = learned();
    for (const body of ['world', '', ' ', 'a\\nb', 'say \\"hi\\"', 'tab\\there', '\\u00e9t\\u00e9', 'été 🚀', 'back\\\\slash', '}]}']) {
      const raw = event(body);
      expect([body, t?.match(raw)]).toEqual([body, JSON.parse(raw)]);
    }
  });

  test('no match where the text differs outside the content, or the content is not a valid string', () => {
    const t = learned();
    const misses = [
      event('x').replace('"c1"', '"c2"'),
      event('x').replace('null}', '"stop"}'),
      event('x').replace('"created":7', '"created":8'),
      `${event('x').slice(0, -1)},"usage":null}`,
      event('a"b'),
      event('a\\'),
      event('a\\q'),
      event('a\nb'),
      event('a\u0001b'),
      HEAD,
      TAIL,
      '',
      `${HEAD}${TAIL.slice(1)}`,
    ];
    for (const raw of misses) expect([raw, t?.match(raw)]).toEqual([raw, null]);
  });

  test('any match equals the parse, over random edits of a chunk', () => {
    const t = learned();
    const base = event('The quick brown fox');
    const alphabet = ['"', '\\', 'n', 'u', '0', '{', '}', ',', ':', ' ', 'x', '\n', 'é', ']'];
    let matched = 0;
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      let raw = base;
      for (let k = 1 + rand(3); k > 0; k--) {
        const at = rand(raw.length + 1);
        const cut = rand(3);
        raw = raw.slice(0, at) + (rand(2) ? (alphabet[rand(alphabet.length)] as string) : '') + raw.slice(at + cut);
      }
      const m = t?.match(raw) ?? null;
      if (m === null) continue;
      matched++;
      expect([raw, m as unknown]).toEqual([raw, parsed(raw)]);
    }
    expect(matched).toBeGreaterThan(100);
  });

  test('only a plain content chunk makes a template', () => {
    const of = (raw: string) => ChunkTemplate.of(raw, JSON.parse(raw) as ChatChunk);
    expect(learned()).not.toBeNull();
    // A role beside the content, a tool call, no content, usage, two choices, a nested field beside them.
    expect(of(event('x').replace('"delta":{', '"delta":{"role":"assistant",'))).toBeNull();
    expect(of('{"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[]},"finish_reason":null}]}')).toBeNull();
    expect(of('{"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}')).toBeNull();
    expect(of(`${event('x').slice(0, -1)},"usage":{"prompt_tokens":1}}`)).toBeNull();
    expect(of(event('x').replace('}]}', '},{"index":1,"delta":{"content":"y"},"finish_reason":null}]}'))).toBeNull();
    expect(of(event('x').replace('"finish_reason":null', '"finish_reason":null,"logprobs":{"content":[]}'))).toBeNull();
    // Content that is not its own text (escapes): no template rather than a guess.
    expect(of(event('a\\nb'))).toBeNull();
  });

  test('look-alike text before the content does not move the split', () => {
    // The model's name holds the very text searched for; the probe parse finds the real one.
    const raw = '{"id":"c1","model":"\\"content\\":\\"hi\\"","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}';
    const t = ChunkTemplate.of(raw, JSON.parse(raw) as ChatChunk);
    const other = raw.replace('{"content":"hi"}', '{"content":"yo"}');
    expect(t?.match(other)).toEqual(JSON.parse(other));
    // A key that ends in the searched text: the template would be wrong, so there is none.
    const key = '{"id":"c1","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}],"x\\"content":"hi"}';
    expect(ChunkTemplate.of(key, JSON.parse(key) as ChatChunk)).toBeNull();
  });

  test('a built chunk shares no object with the template or another built chunk', () => {
    const t = learned();
    const a = t?.match(event('a')) as ChatChunk;
    const b = t?.match(event('b')) as ChatChunk;
    expect(a.choices).not.toBe(b.choices);
    expect(a.choices[0]?.delta).not.toBe(b.choices[0]?.delta);
    (a.choices[0] as { delta: { content: string } }).delta.content = 'changed';
    expect(t?.match(event('c'))?.choices[0]?.delta.content).toBe('c');
  });
});

describe('ChunkTemplates', () => {
  test('learns from the first plain content chunk, and stops after two templates that keep missing', () => {
    const ts = new ChunkTemplates();
    const first = event('a');
    expect(ts.match(first)).toBeNull();
    ts.learn(first, JSON.parse(first) as ChatChunk);
    expect(ts.match(event('b'))).toEqual(JSON.parse(event('b')));
    // A server with a per-chunk nonce: every chunk misses the latest template.
    const nonce = (n: number) => event('z').replace('"c1"', `"n${n}"`);
    for (let n = 0; n < 5; n++) {
      const raw = nonce(n);
      expect(ts.match(raw)).toBeNull();
      ts.learn(raw, JSON.parse(raw) as ChatChunk);
    }
    // Two templates were made (the first and the first nonce's); later chunks are parsed, not probed.
    const again = nonce(0).replace('"content":"z"', '"content":"w"');
    expect(ts.match(again)).toEqual(JSON.parse(again));
    expect(ts.match(nonce(4))).toBeNull();
  });
});
