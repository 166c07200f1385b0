/** Upstream bodies read within the size limit (src/providers/shared/body.ts), over a real socket. */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { gzipSync } from 'node:zlib';
import { readBounded, UpstreamLimitError } from '../../src/providers/shared/body.ts';

const LIMIT = 64 * 1024;
const small = JSON.stringify({ ok: true, text: 'é'.repeat(100) });
// Declares a few hundred bytes; inflates (fetch inflates it) to four times the limit.
const bomb = gzipSync(Buffer.alloc(LIMIT * 4, 'a'));

let server: ReturnType<typeof Bun.serve>;
beforeAll(() => {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === '/gzip-bomb') return new Response(bomb, { headers: { 'content-encoding': 'gzip', 'content-length': String(bomb.byteLength) } });
      if (path === '/chunked') return new Response(new Blob([small]).stream());
      return new Response(small, { headers: { 'content-type': 'application/json' } });
    },
  });
});
afterAll(() => server.stop(true));

const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`);

test('a body with a declared length, and a chunked one, read whole as text', async () => {
  expect(await readBounded(await get('/declared'), LIMIT)).toBe(small);
  expect(await readBounded(await get('/chunked'), LIMIT)).toBe(small);
});

test('a compressed body whose declared length is small is still held to the limit once inflated', async () => {
  const res = await get('/gzip-bomb');
  expect(Number(res.headers.get('content-length'))).toBeLessThan(LIMIT);
  const err = await readBounded(res, LIMIT).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamLimitError);
});
