/**
 * Requests-per-minute limits. A sliding-window counter: the previous minute's
 * count, weighted by how much of it still overlaps the window, plus this
 * minute's. O(1) memory per key, within a few percent of an exact log.
 * In-process; a Redis-backed implementation of the same interface comes with
 * multi-gateway deployments.
 */
export interface RateDecision {
  allowed: boolean;
  /** Seconds until a request would be allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  hit(key: string, perMinute: number, now: number): RateDecision;
}

interface Window {
  start: number;
  current: number;
  previous: number;
}

const MINUTE = 60_000;

export class SlidingWindowLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();

  hit(key: string, perMinute: number, now: number): RateDecision {
    const start = now - (now % MINUTE);
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
    const overlap = 1 - (now - start) / MINUTE;
    const estimate = w.previous * overlap + w.current;
    if (estimate + 1 > perMinute) {
      // An upper bound: by the end of this minute the window has room again.
      const waitMs = MINUTE - (now - start);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    w.current++;
    return { allowed: true, retryAfterSeconds: 0 };
  }

  /** Drops windows idle for two minutes, so memory follows active keys only. */
  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= 2 * MINUTE) this.windows.delete(k);
  }
}
