import { describe, expect, test } from 'bun:test';
import { ResponseReader } from '../../src/loadtest/response.ts';

/** Feeds `text` cut at the given offsets, one read per piece, at times 1, 2, 3...; returns what the reader saw. */
function read(text: string, cuts: number[] = []) {
  const reads: number[] = [];
  const r = new ResponseReader({ onEvents: (now) => reads.push(now) });
  const bytes = Buffer.from(text, 'latin1');
  const bounds = [0, ...cuts, bytes.length];
  let done = -1;
  for (let i = 0; i + 1 < bounds.length; i++) {
    if (r.feed(bytes.subarray(bounds[i], bounds[i + 1]), i + 1)) {
      done = i + 1;
      break;
    }
  }
  return { r, done, reads };
}

const chunked = (...chunks: string[]) => chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';
const SSE_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n';

describe('response reader', () => {
  test('Content-Length body, whole or cut anywhere', () => {
    const text = 'HTTP/1.1 201 Created\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\nhello';
    expect(read(text)).toMatchObject({ done: 1, reads: [] });
    expect(read(text).r.status).toBe(201);
    for (let cut = 1; cut < text.length; cut++) expect(read(text, [cut]).done).toBe(2);
  });

  test('an empty body ends with the head; Connection: close is noted', () => {
    const { r, done } = read('HTTP/1.1 429 Too Many Requests\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    expect([done, r.status, r.close]).toEqual([1, 429, true]);
  });

  test('chunked SSE: events counted per read, chunk framing and trailers skipped', () => {
    const body = chunked('data: {"a":1}\n\n', 'data: {"a":2}\n\ndata: [DONE]\n\n');
    const text = SSE_HEAD + body;
    const whole = read(text);
    expect(whole.done).toBe(1);
    expect(whole.r.events).toBe(3);
    expect(whole.reads).toEqual([1]);
    // Cut before the first chunk's size and inside the second's "data:": reads 2 and 3 bring events.
    const second = text.indexOf('data: {"a":2}');
    const split = read(text, [SSE_HEAD.length, second + 2]);
    expect(split.r.events).toBe(3);
    expect(split.done).toBe(3);
    expect(split.reads).toEqual([2, 3]);
  });

  test('"data:" inside a JSON string is not an event; comments are not events', () => {
    const { r } = read(SSE_HEAD + chunked(': keep-alive\n\n', 'data: {"t":"x data: y"}\n\n'));
    expect(r.events).toBe(1);
  });

  test('every cut of a streamed answer gives the same event count', () => {
    const text = SSE_HEAD + chunked('data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n');
    for (let cut = 1; cut < text.length; cut++) {
      const { r, done } = read(text, [cut]);
      expect([r.events, done]).toEqual([3, 2]);
    }
  });

  test('a body without length ends when the connection closes', () => {
    const { r, done } = read('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: x\n\n');
    expect(done).toBe(-1);
    expect(r.events).toBe(1);
    expect(r.closed()).toBe(true);
  });

  test('reset reads the next response on the same connection', () => {
    const { r } = read('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    r.reset();
    expect(r.feed(Buffer.from('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'), 5)).toBe(true);
    expect(r.status).toBe(503);
  });

  test('garbage is an error, not a hang', () => {
    expect(() => read('SSH-2.0-OpenSSH\r\n\r\n')).toThrow('not an HTTP/1.x response');
    expect(() => read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toThrow('bad chunk size');
  });
});
