/**
 * Requests per minute in one process, as a sliding-window counter: the
 * previous minute's count, weighted by how much of it still overlaps the
 * window, plus this minute's. O(1) memory per key, within a few percent of an
 * exact log; in a fresh window exactly `perMinute` hits pass. The Redis
 * limiter runs the same algorithm (src/store/redis/lua/rate-limit.lua).
 */
import { ALLOWED, MINUTE, slidingWindow } from '../rate-window.ts';
import type { RateDecision, RateLimiter } from '../state-types.ts';

interface Window {
  start: number;
  current: number;
  previous: number;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, perMinute: number): Promise<RateDecision> {
    const now = this.now();
    const { start, previousWeight, refused } = slidingWindow(now);
    let w = this.windows.get(key);
    if (!w) {
      w = { start, current: 0, previous: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 100_000) this.sweep(now);
    } else if (w.start !== start) {
      w.previous = start - w.start === MINUTE ? w.current : 0;
      w.current = 0;
      w.start = start;
    }
    if (w.previous * previousWeight + w.current + 1 > perMinute) return refused;
    w.current++;
    return ALLOWED;
  }

  /** Drops windows idle for two minutes, so memory follows active keys only. */
  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= 2 * MINUTE) this.windows.delete(k);
  }
}
