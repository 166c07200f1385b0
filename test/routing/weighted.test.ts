import { describe, expect, test } from 'bun:test';
import { seededRandom } from '../../src/lib/random.ts';
import { pickWeighted, weightedOrder } from '../../src/routing/weighted.ts';

describe('pickWeighted', () => {
  test('frequencies match the weights (chi-square, 100k draws)', () => {
    const entries = [{ weight: 1 }, { weight: 2 }, { weight: 3 }, { weight: 4 }];
    const random = seededRandom(42);
    const draws = 100_000;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < draws; i++) counts[pickWeighted(entries, random)]!++;
    const total = 10;
    let chi2 = 0;
    for (let i = 0; i < entries.length; i++) {
      const expected = (draws * entries[i]!.weight) / total;
      chi2 += (counts[i]! - expected) ** 2 / expected;
    }
    // 3 degrees of freedom: p = 0.001 at 16.27.
    expect(chi2).toBeLessThan(16.27);
  });

  test('boundaries of the random source', () => {
    const entries = [{ weight: 1 }, { weight: 1 }];
    expect(pickWeighted(entries, () => 0)).toBe(0);
    expect(pickWeighted(entries, () => 0.4999)).toBe(0);
    expect(pickWeighted(entries, () => 0.5)).toBe(1);
    expect(pickWeighted(entries, () => 0.999999999)).toBe(1);
  });

  test('relative weights: 34/34 is the same as 1/1', () => {
    const random = seededRandom(7);
    let first = 0;
    for (let i = 0; i < 20_000; i++) if (pickWeighted([{ weight: 34 }, { weight: 34 }], random) === 0) first++;
    // Binomial(20000, 0.5): sd ~71; 5 sd.
    expect(Math.abs(first - 10_000)).toBeLessThan(355);
  });
});

describe('weightedOrder', () => {
  test('every entry exactly once; first position follows the weights', () => {
    const entries = [
      { m: 'a', weight: 3 },
      { m: 'b', weight: 1 },
    ];
    const random = seededRandom(1);
    let aFirst = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const order = weightedOrder(entries, random);
      expect(order.map((e) => e.m).sort()).toEqual(['a', 'b']);
      if (order[0]!.m === 'a') aFirst++;
    }
    // p = 0.75, sd = sqrt(n * .75 * .25) ~ 61; 5 sd.
    expect(Math.abs(aFirst - 0.75 * n)).toBeLessThan(5 * Math.sqrt(n * 0.75 * 0.25));
  });
});
