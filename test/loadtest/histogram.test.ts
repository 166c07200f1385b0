import { describe, expect, test } from 'bun:test';
import { Histogram } from '../../src/loadtest/histogram.ts';
import { seededRandom } from '../../src/lib/random.ts';

describe('histogram', () => {
  test('small values are exact; percentiles by rank', () => {
    const h = new Histogram();
    for (let v = 1; v <= 1000; v++) h.record(v);
    expect(h.percentile(50)).toBe(500);
    expect(h.percentile(99)).toBe(990);
    expect(h.percentile(100)).toBe(1000);
    expect(h.summary()).toMatchObject({ count: 1000, min: 1, max: 1000, mean: 500.5 });
  });

  test('large values within 0.1% of a sorted array, across the whole range', () => {
    const h = new Histogram();
    const random = seededRandom(7);
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Log-uniform from 1 us to 1000 s.
      const v = Math.round(10 ** (random() * 9));
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const p of [1, 10, 50, 90, 99, 99.9]) {
      const exact = values[Math.ceil((p / 100) * values.length) - 1] as number;
      const got = h.percentile(p);
      expect(got).toBeGreaterThanOrEqual(exact);
      expect(got).toBeLessThanOrEqual(exact * 1.001 + 1);
    }
    expect(h.percentile(100)).toBe(values[values.length - 1] as number);
  });

  test('a fixed value reads back as itself; out-of-range values are clamped, not lost', () => {
    const h = new Histogram();
    for (let i = 0; i < 10; i++) h.record(50_123);
    expect(h.percentile(50)).toBe(50_123);
    h.record(-5);
    h.record(1e12);
    expect(h.count).toBe(12);
    expect(h.min).toBe(0);
    expect(h.max).toBe(0xffffffff);
  });

  test('closed-loop correction: a slow value also counts for the requests it held up', () => {
    const h = new Histogram();
    for (let i = 0; i < 100; i++) h.record(1000);
    h.record(10_000);
    h.correct(1000);
    // 9000, 8000, ..., 2000 added: what eight more requests at the usual interval would have waited.
    expect(h.count).toBe(109);
    // Rank 104 of 109: 100 x 1000, then 2000, 3000, 4000, 5000 (read back within 0.1%).
    expect(h.percentile(95)).toBeGreaterThanOrEqual(5000);
    expect(h.percentile(95)).toBeLessThanOrEqual(5005);
    expect(h.max).toBe(10_000);
    const untouched = new Histogram();
    untouched.record(1500);
    untouched.correct(1000);
    expect(untouched.count).toBe(1);
  });

  test('add merges two histograms; reset empties one', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let v = 1; v <= 100; v++) a.record(v);
    for (let v = 101; v <= 200; v++) b.record(v);
    a.add(b);
    expect(a.summary()).toMatchObject({ count: 200, min: 1, max: 200, p50: 100 });
    a.reset();
    expect(a.summary()).toMatchObject({ count: 0, min: 0, max: 0, p50: 0 });
  });
});
