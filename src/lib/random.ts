/** A source of numbers in [0, 1): Math.random in production, seeded in tests and the mock provider. */
export type Random = () => number;

/** A small seeded generator (mulberry32): reproducible sequences for tests, benchmarks and the mock. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
