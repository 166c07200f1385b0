/**
 * Weighted choice for load balancing. The random source is passed in (a
 * function returning [0, 1)), so tests can seed it and check the
 * distribution; production passes Math.random.
 */

import type { Random } from '../lib/random.ts';

export interface Weighted {
  weight: number;
}

/** Index of one entry, chosen with probability weight / sum(weights). Weights must be > 0. */
export function pickWeighted(entries: readonly Weighted[], random: Random): number {
  let total = 0;
  for (const e of entries) total += e.weight;
  let r = random() * total;
  for (let i = 0; i < entries.length; i++) {
    r -= (entries[i] as Weighted).weight;
    if (r < 0) return i;
  }
  // Float rounding can leave r at ~0 after the last entry.
  return entries.length - 1;
}

/**
 * The whole list in weighted order without replacement: the first entry is
 * a weighted pick, the next a weighted pick among the rest, and so on. The
 * first is the group's choice; the rest are the order in which the group's
 * other members are tried when it fails.
 */
export function weightedOrder<T extends Weighted>(entries: readonly T[], random: Random): T[] {
  const rest = [...entries];
  const out: T[] = [];
  while (rest.length > 0) {
    const i = pickWeighted(rest, random);
    out.push(rest[i] as T);
    rest.splice(i, 1);
  }
  return out;
}
