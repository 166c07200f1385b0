/** Rate limits in Redis: one script per hit, on the server's clock (lua/rate-limit.lua). */
import type { RateDecision, RateLimiter } from '../state-types.ts';
import type { RedisConnection } from './connection.ts';
import type { RedisKeys } from './keys.ts';
import { SCRIPTS } from './scripts.ts';

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly conn: RedisConnection,
    private readonly keys: RedisKeys,
  ) {}

  async hit(key: string, perMinute: number): Promise<RateDecision> {
    const [allowed, retryAfter] = (await SCRIPTS.rateLimit.run(this.conn, [this.keys.rate(key)], [String(perMinute)])) as [
      number,
      number,
    ];
    return { allowed: allowed === 1, retryAfterSeconds: retryAfter };
  }
}
