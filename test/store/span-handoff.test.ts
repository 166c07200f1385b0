/** The write thread's hand-off: a batch mixing small and large spans arrives whole and in order. */
import { expect, test } from 'bun:test';
import { decodeBatch, encodeBatch, encodeBatchNow } from '../../src/store/sqlite/span-handoff.ts';
import { span } from '../helpers/spans.ts';

test('small spans cross as JSON, large ones (by input and output) as objects; the batch keeps its order and content', async () => {
  const big = 'é'.repeat(100_000);
  const spans = [span({ input: big }), span(), span({ input: 'a\ud800b' }), span({ extra: { full_request: { text: big } } }), span(), span({ input: big })];
  for (const encoded of [await encodeBatch(spans), encodeBatchNow(spans)]) {
    // The fourth is large only in extra: it crosses as JSON (slower, the same content).
    expect(encoded.large.map(([i]) => i)).toEqual([0, 5]);
    expect(decodeBatch(structuredClone(encoded))).toEqual(spans);
  }
  expect(decodeBatch(await encodeBatch([]))).toEqual([]);
  const small = [span(), span()];
  expect(decodeBatch(await encodeBatch(small))).toEqual(small);
});
