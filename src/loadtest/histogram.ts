/**
 * A log-linear histogram in the style of HdrHistogram, for latencies in
 * microseconds. Values below 2^11 are counted exactly; above that, each
 * power-of-two range is split into 1024 equal buckets, so every value is
 * reported within 0.1% of what was recorded (three significant digits) at a
 * fixed cost: one array index per record, ~190 KB per histogram, no
 * allocation. Values beyond 2^32 - 1 us (71 minutes) are clamped.
 */
const SUB_BITS = 11;
const EXACT = 1 << SUB_BITS; // values below this have a bucket each
const HALF = EXACT >>> 1; // buckets per power of two above it
const MAX_VALUE = 0xffffffff;
const SIZE = EXACT + (32 - SUB_BITS) * HALF;

export interface Percentiles {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export class Histogram {
  private readonly counts = new Float64Array(SIZE);
  count = 0;
  min = Infinity;
  max = 0;
  private sum = 0;

  record(value: number): void {
    const v = value <= 0 ? 0 : value >= MAX_VALUE ? MAX_VALUE : Math.round(value);
    const i = indexOf(v);
    this.counts[i] = (this.counts[i] as number) + 1;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The smallest recorded value (up to the bucket's precision) that `p` percent of values do not exceed. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return Math.min(highestEquivalent(i), this.max);
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  add(other: Histogram): void {
    for (let i = 0; i < SIZE; i++) this.counts[i] = (this.counts[i] as number) + (other.counts[i] as number);
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /**
   * Coordinated-omission correction for a closed loop, after the fact (as
   * HdrHistogram's recordValueWithExpectedInterval and wrk do): a value
   * longer than the interval a connection normally needs per request stands
   * for the requests that connection would have sent meanwhile, so it also
   * counts v - interval, v - 2 * interval, ... down to the interval.
   */
  correct(intervalUs: number): void {
    if (!(intervalUs >= 1)) return;
    for (let i = 0; i < SIZE; i++) {
      const c = this.counts[i] as number;
      if (c === 0) continue;
      for (let v = Math.min(highestEquivalent(i), this.max) - intervalUs; v > intervalUs; v -= intervalUs) {
        const j = indexOf(Math.round(v));
        this.counts[j] = (this.counts[j] as number) + c;
        this.count += c;
        this.sum += v * c;
      }
    }
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = 0;
  }

  /** The usual summary, in the histogram's unit divided by `scale` (1000: microseconds to ms). */
  summary(scale = 1): Percentiles {
    const s = (v: number) => v / scale;
    return {
      count: this.count,
      min: s(this.count === 0 ? 0 : this.min),
      mean: s(this.mean()),
      p50: s(this.percentile(50)),
      p90: s(this.percentile(90)),
      p99: s(this.percentile(99)),
      p999: s(this.percentile(99.9)),
      max: s(this.max),
    };
  }
}

function indexOf(v: number): number {
  if (v < EXACT) return v;
  const shift = 31 - Math.clz32(v) - SUB_BITS + 1; // >= 1
  return EXACT + (shift - 1) * HALF + ((v / 2 ** shift) | 0) - HALF;
}

function highestEquivalent(i: number): number {
  if (i < EXACT) return i;
  const shift = ((i - EXACT) / HALF | 0) + 1;
  const sub = ((i - EXACT) % HALF) + HALF;
  return (sub + 1) * 2 ** shift - 1;
}
