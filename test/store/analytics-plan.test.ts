import { describe, expect, test } from 'bun:test';
import { customerReads } from '../../src/store/analytics-plan.ts';

const P = 96; // buckets a day
const D = 20_000; // a day number
const sum = (reads: ReturnType<typeof customerReads>, perBucket: (b: number) => number) => {
  let n = 0;
  for (const r of reads) {
    for (let x = r.lo; x <= r.hi; x++) {
      if (r.unit === 'bucket') n += r.sign * perBucket(x);
      else for (let b = x * P; b < x * P + P; b++) n += r.sign * perBucket(b);
    }
  }
  return n;
};

describe('customerReads: the customer usage rows that sum to a range of buckets', () => {
  const data = { oldest: (D - 40) * P, newest: D * P + 50 };
  const windows: [string, number, number][] = [
    ['whole days', (D - 30) * P, D * P - 1],
    ['days and a morning (the window ends now)', (D - 30) * P + 7, D * P + 49],
    ['within one day, most of it', D * P + 2, D * P + 49],
    ['within one day, a little', D * P + 40, D * P + 45],
    ['two partial days', (D - 1) * P + 30, D * P + 20],
    ['one bucket', D * P + 5, D * P + 5],
  ];
  for (const [name, first, last] of windows) {
    test(`${name}: each bucket in the window counted once, none outside`, () => {
      const reads = customerReads(first, last, data);
      // Any per-bucket figures add up to the window's: the sum of distinct weights proves each bucket counts once.
      const weight = (b: number) => (b * 7919) % 1000 + 1;
      let want = 0;
      for (let b = first; b <= last; b++) want += weight(b);
      expect(sum(reads, weight)).toBe(want);
    });
  }

  test('a window ending now reads today as its day row less the buckets after it (none with data past the newest), not every bucket since midnight', () => {
    expect(customerReads((D - 30) * P + 7, D * P + 49, data)).toEqual([
      { unit: 'day', lo: D - 29, hi: D - 1, sign: 1 },
      // The first day too: 89 of its buckets are inside, 7 outside.
      { unit: 'day', lo: D - 30, hi: D - 30, sign: 1 },
      { unit: 'bucket', lo: (D - 30) * P, hi: (D - 30) * P + 6, sign: -1 },
      { unit: 'day', lo: D, hi: D, sign: 1 },
      { unit: 'bucket', lo: D * P + 50, hi: D * P + 95, sign: -1 },
    ]);
  });

  test('a few buckets of a day are read as buckets; no data, no complement', () => {
    expect(customerReads(D * P + 40, D * P + 45, data)).toEqual([{ unit: 'bucket', lo: D * P + 40, hi: D * P + 45, sign: 1 }]);
    expect(customerReads(D * P + 2, D * P + 49, null)).toEqual([{ unit: 'bucket', lo: D * P + 2, hi: D * P + 49, sign: 1 }]);
    expect(customerReads(5, 4, data)).toEqual([]);
  });
});
