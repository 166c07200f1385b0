import { describe, expect, test } from 'bun:test';
import { UpstreamLimitError } from '../../src/providers/shared/body.ts';
import { flatten } from '../../src/providers/shared/batches.ts';
import { readSseBatches, SseParser, type SseEvent } from '../../src/providers/shared/sse.ts';

/** The events of a byte stream one at a time, as the adapters read them (upstreamEvents). */
const readSse = (...args: Parameters<typeof readSseBatches>) => flatten(readSseBatches(...args), (ev) => ev);

function parse(chunks: string[]): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  for (const c of chunks) p.feed(c, out);
  p.end(out);
  return out;
}

function bytes(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      const next = chunks[i++];
      if (next) c.enqueue(next);
      else c.close();
    },
  });
}

describe('SseParser', () => {
  const stream = 'event: a\ndata: 1\n\n: comment\ndata: x\ndata: y\n\nevent: b\ndata:no-space\n\n';
  const expected = [
    { event: 'a', data: '1' },
    { event: 'message', data: 'x\ny' },
    { event: 'b', data: 'no-space' },
  ];

  test('events, default name, comments, multi-line data', () => {
    expect(parse([stream])).toEqual(expected);
  });

  test('every possible split point gives the same events', () => {
    for (let i = 0; i <= stream.length; i++) expect(parse([stream.slice(0, i), stream.slice(i)])).toEqual(expected);
  });

  test('one character at a time', () => {
    expect(parse([...stream])).toEqual(expected);
  });

  test('CRLF and lone CR line endings, CRLF split across chunks', () => {
    const crlf = stream.replaceAll('\n', '\r\n');
    expect(parse([crlf])).toEqual(expected);
    for (let i = 0; i <= crlf.length; i++) expect(parse([crlf.slice(0, i), crlf.slice(i)])).toEqual(expected);
    expect(parse([stream.replaceAll('\n', '\r')])).toEqual(expected);
  });

  test('empty data line, id field, unknown fields, field without colon', () => {
    expect(parse(['id: 7\nretry: 10\nfoo: bar\ndata\ndata: z\n\n'])).toEqual([{ event: 'message', data: '\nz', id: '7' }]);
  });

  test('an event without data is not dispatched; event name resets after dispatch', () => {
    expect(parse(['event: ping\n\ndata: 1\n\n'])).toEqual([{ event: 'message', data: '1' }]);
  });

  test('a trailing event without the final blank line is flushed at end', () => {
    expect(parse(['data: last'])).toEqual([{ event: 'message', data: 'last' }]);
  });

  test('whole one-line data events (the fast path) and everything around them, split anywhere', () => {
    const plain = 'data: {"a":1}\n\ndata: {"b":"x: y"}\n\ndata: \n\ndata:  two\n\n';
    const mixed = `${plain}id: 9\ndata: after-id\n\n: note\ndata: c\r\n\r\ndata: d\n\nevent: e\ndata: f\n\ndata: g\ndata: h\n\ndata: last\n\n`;
    const expected = [
      { event: 'message', data: '{"a":1}' },
      { event: 'message', data: '{"b":"x: y"}' },
      { event: 'message', data: '' },
      { event: 'message', data: ' two' },
      { event: 'message', data: 'after-id', id: '9' },
      { event: 'message', data: 'c', id: '9' },
      { event: 'message', data: 'd', id: '9' },
      { event: 'e', data: 'f', id: '9' },
      { event: 'message', data: 'g\nh', id: '9' },
      { event: 'message', data: 'last', id: '9' },
    ];
    expect(parse([mixed])).toEqual(expected);
    for (let i = 0; i <= mixed.length; i++) expect(parse([mixed.slice(0, i), mixed.slice(i)])).toEqual(expected);
    expect(parse([...mixed])).toEqual(expected);
    // An event left incomplete at the end of a read is completed by the next one, not dispatched early.
    const out: SseEvent[] = [];
    const p = new SseParser();
    p.feed('data: {"a":1}\n\ndata: {"b"', out);
    expect(out).toEqual([{ event: 'message', data: '{"a":1}' }]);
    p.feed(':2}\n', out);
    expect(out).toHaveLength(1);
    p.feed('\n', out);
    expect(out).toEqual([{ event: 'message', data: '{"a":1}' }, { event: 'message', data: '{"b":2}' }]);
  });

  test('only the first space after the colon is stripped', () => {
    expect(parse(['data:  two\n\n'])).toEqual([{ event: 'message', data: ' two' }]);
  });
});

describe('readSse', () => {
  test('decodes multi-byte UTF-8 split across reads', async () => {
    const all = new TextEncoder().encode('data: héllo 👋\n\n');
    const out: SseEvent[] = [];
    for await (const e of readSse(bytes([all.slice(0, 8), all.slice(8, 15), all.slice(15)]))) out.push(e);
    expect(out).toEqual([{ event: 'message', data: 'héllo 👋' }]);
  });

  test('in batches: the events of each read together, a split event in the read that completes it, none empty', async () => {
    const enc = (t: string) => new TextEncoder().encode(t);
    const reads = [enc('data: a\n\ndata: b\n\ndata: c'), enc('1\n'), enc('\ndata: d\n\n'), enc(': keep-alive\n\n'), enc('data: e')];
    const batches: string[][] = [];
    for await (const b of readSseBatches(bytes(reads))) batches.push(b.map((e) => e.data));
    expect(batches).toEqual([['a', 'b'], ['c1', 'd'], ['e']]);
  });

  test('stopping early cancels the underlying stream', async () => {
    let cancelled = false;
    const src = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new TextEncoder().encode('data: x\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _ of readSse(src)) break;
    await Bun.sleep(0);
    expect(cancelled).toBe(true);
  });

  test('throughput: 20k events in well under a second', async () => {
    const frame = `data: ${JSON.stringify({ choices: [{ delta: { content: 'word ' } }] })}\n\n`;
    const enc = new TextEncoder().encode(frame.repeat(500));
    const t0 = performance.now();
    let n = 0;
    for await (const _ of readSse(bytes(Array.from({ length: 40 }, () => enc)))) n++;
    expect(n).toBe(20_000);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  test('past maxBodyBytes in all, the read stops with a size error', async () => {
    const frame = new TextEncoder().encode('data: 0123456789\n\n');
    const events: SseEvent[] = [];
    const err = await (async () => {
      for await (const e of readSse(bytes(Array.from({ length: 10 }, () => frame)), { maxBodyBytes: 50 })) events.push(e);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamLimitError);
    expect(err).toMatchObject({ kind: 'size', limit: 50 });
    expect(events.length).toBe(2);
  });

  test('an upstream quiet for streamIdleMs is cut; a consumer that holds an event is not the upstream being quiet', async () => {
    const enc = new TextEncoder();
    let sent = 0;
    // Two events at once, then silence.
    const quiet = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (sent++ < 2) c.enqueue(enc.encode(`data: ${sent}\n\n`));
        else await new Promise(() => undefined);
      },
    });
    const got: string[] = [];
    const err = await (async () => {
      for await (const e of readSse(quiet, { streamIdleMs: 100 })) {
        got.push(e.data);
        // The consumer is slow: three idle periods per event.
        await Bun.sleep(300);
      }
    })().catch((e: unknown) => e);
    expect(got).toEqual(['1', '2']);
    expect(err).toMatchObject({ kind: 'idle', limit: 100 });
  });
});
