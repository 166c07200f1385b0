/** Client disconnects abort the upstream call, and the span records it. */
import { afterEach, expect, test } from 'bun:test';
import { type Gateway, gateway } from './fixtures.ts';

let g: Gateway;
afterEach(() => g.t.close());

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await Bun.sleep(10);
}

test('a client that leaves mid-stream aborts the upstream and the span says so', async () => {
  g = await gateway();
  g.fakes.mock.chunkDelayMs = 50;
  const base = g.t.listen();
  const ac = new AbortController();
  const res = await fetch(`${base}/api/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: 'a b c d e f g h i j k l m n o p' }] }),
    signal: ac.signal,
  });
  const reader = res.body!.getReader();
  await reader.read();
  ac.abort();
  await until(() => g.fakes.mock.calls[0]?.ctx.signal.aborted === true);
  expect(g.fakes.mock.calls[0]!.ctx.signal.aborted).toBe(true);
  const [s] = await g.t.spans();
  expect(s!.status_code).toBe(499);
  expect(s!.error_message).toContain('closed the connection');
  expect(s!.stream).toBe(true);
});

test('a client that leaves before a non-streamed answer aborts the upstream call', async () => {
  g = await gateway();
  g.fakes.mock.script('hang', { hang: true });
  const base = g.t.listen();
  const ac = new AbortController();
  const pending = fetch(`${base}/api/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/hang', messages: [{ role: 'user', content: 'hi' }], fallback_models: ['mock/echo'] }),
    signal: ac.signal,
  }).catch(() => null);
  await until(() => g.fakes.mock.calls.length > 0);
  ac.abort();
  await pending;
  await until(() => g.fakes.mock.calls[0]?.ctx.signal.aborted === true);
  expect(g.fakes.mock.calls[0]!.ctx.signal.aborted).toBe(true);
  const [s] = await g.t.spans();
  expect(s!.status_code).toBe(499);
  // No fallback after the client left.
  expect(g.fakes.mock.calls).toHaveLength(1);
});
