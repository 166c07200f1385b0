/**
 * The single-process rate limiter: the sliding-window counter of
 * lib/rate-limit.ts behind the async shared-state interface, reading its own
 * clock (the interface takes no time: a shared backend uses its server's).
 */
import { SlidingWindowLimiter } from '../../lib/rate-limit.ts';
import type { RateDecision, RateLimiter } from '../state-types.ts';

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new SlidingWindowLimiter();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, perMinute: number): Promise<RateDecision> {
    return this.windows.hit(key, perMinute, this.now());
  }
}
