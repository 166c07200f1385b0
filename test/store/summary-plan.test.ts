import { describe, expect, test } from 'bun:test';
import { BUCKET_MS, MINUTE_MS } from '../../src/lib/periods.ts';
import { type MinuteWindowParts, splitWindow, splitWindowByMinute } from '../../src/store/summary-plan.ts';

const B0 = Date.parse('2026-06-15T12:00:00Z'); // on a bucket boundary
const M = MINUTE_MS;

/** Every ms of the window, once: the parts cover [from, to] with no gap nor overlap, in order. */
function covered(p: MinuteWindowParts): { from: number; to: number }[] {
  const ranges = [
    ...p.edges,
    ...p.minutes.map((m) => ({ from: m.first * M, to: (m.last + 1) * M - 1 })),
    ...(p.buckets ? [{ from: p.buckets.first * BUCKET_MS, to: (p.buckets.last + 1) * BUCKET_MS - 1 }] : []),
  ];
  return ranges.sort((a, b) => a.from - b.from);
}

function expectExact(from: number, to: number): MinuteWindowParts {
  const p = splitWindowByMinute(from, to);
  const ranges = covered(p);
  expect(ranges[0]?.from).toBe(from);
  expect(ranges[ranges.length - 1]?.to).toBe(to);
  for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.from).toBe((ranges[i - 1]?.to ?? 0) + 1);
  // Spans are read for under a minute at each edge, and only there (a window of no whole minute spans under two).
  for (const e of p.edges) expect(e.to - e.from).toBeLessThan(p.minutes.length > 0 ? M : 2 * M);
  expect(p.edges.length).toBeLessThanOrEqual(2);
  return p;
}

describe('splitWindowByMinute: whole buckets, whole minutes around them, spans at the edges', () => {
  test('a window of whole buckets reads no minute and no span', () => {
    expect(expectExact(B0, B0 + 4 * BUCKET_MS - 1)).toEqual({
      buckets: { first: B0 / BUCKET_MS, last: B0 / BUCKET_MS + 3 },
      minutes: [],
      edges: [],
    });
  });

  test('partial buckets and partial minutes at both edges', () => {
    const from = B0 - 7 * M - 1234;
    const to = B0 + 2 * BUCKET_MS + 3 * M + 999;
    expect(expectExact(from, to)).toEqual({
      buckets: { first: B0 / BUCKET_MS, last: B0 / BUCKET_MS + 1 },
      minutes: [
        { first: B0 / M - 7, last: B0 / M - 1 },
        { first: B0 / M + 30, last: B0 / M + 32 },
      ],
      edges: [
        { from, to: B0 - 7 * M - 1 },
        { from: B0 + 2 * BUCKET_MS + 3 * M, to },
      ],
    });
  });

  test('edges exactly on minute boundaries read no spans', () => {
    const p = expectExact(B0 - 3 * M, B0 + BUCKET_MS + 2 * M - 1);
    expect(p.edges).toEqual([]);
    expect(p.minutes).toEqual([
      { first: B0 / M - 3, last: B0 / M - 1 },
      { first: B0 / M + 15, last: B0 / M + 16 },
    ]);
  });

  test('a window shorter than a bucket uses its whole minutes', () => {
    const from = B0 + 2 * M + 10;
    const to = B0 + 9 * M + 20;
    expect(expectExact(from, to)).toEqual({
      buckets: null,
      minutes: [{ first: B0 / M + 3, last: B0 / M + 8 }],
      edges: [
        { from, to: B0 + 3 * M - 1 },
        { from: B0 + 9 * M, to },
      ],
    });
  });

  test('a window across a bucket boundary covering no whole bucket reads minutes on both sides as one range', () => {
    const p = expectExact(B0 - 5 * M, B0 + 5 * M - 1);
    expect(p).toEqual({ buckets: null, minutes: [{ first: B0 / M - 5, last: B0 / M + 4 }], edges: [] });
  });

  test('a window within one minute, or one instant, reads spans only', () => {
    expect(expectExact(B0 + 100, B0 + 59_000)).toEqual({ buckets: null, minutes: [], edges: [{ from: B0 + 100, to: B0 + 59_000 }] });
    expect(expectExact(B0, B0)).toEqual({ buckets: null, minutes: [], edges: [{ from: B0, to: B0 }] });
  });

  test('any window is cut exactly (randomised)', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const from = B0 + rand(3 * BUCKET_MS) - BUCKET_MS;
      const to = from + rand(i % 2 === 0 ? 2 * M : 4 * BUCKET_MS);
      expectExact(from, to);
    }
  });
});

describe('splitWindow: whole buckets and spans at the edges (the customer and metadata rollups)', () => {
  test('cuts at bucket boundaries; null without a whole bucket', () => {
    const from = B0 - 1;
    const to = B0 + BUCKET_MS;
    expect(splitWindow(from, to)).toEqual({
      first: B0 / BUCKET_MS,
      last: B0 / BUCKET_MS,
      edges: [
        { from, to: B0 - 1 },
        { from: B0 + BUCKET_MS, to },
      ],
    });
    expect(splitWindow(B0 + 1, B0 + BUCKET_MS)).toBeNull();
  });
});
