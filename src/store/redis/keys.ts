/**
 * Every key the Redis backend writes, under one prefix. Identities chosen by
 * clients (API keys, customer identifiers) are hashed into key names: bounded
 * length, no separators to escape, and nothing readable in a key listing.
 *
 * Cluster mode is not supported (Bun's client speaks to one server): scripts
 * touch keys derived inside the script, which a single primary allows.
 */
import { createHash } from 'node:crypto';
import { subjectKey } from '../budget-rule.ts';
import type { BudgetSubject } from '../state-types.ts';

function digest(text: string): string {
  // 128 bits: no collision between two customers or keys in practice, even when chosen on purpose.
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Hash of one limiter's sliding window (fields s, c, p). */
  rate(key: string): string {
    return `${this.prefix}rl:${digest(key)}`;
  }

  /** Base of a customer's budget keys (holds, expiries, windows, spend); the script derives the rest. */
  budget(subject: BudgetSubject): string {
    return `${this.prefix}b:${digest(subjectKey(subject))}`;
  }

  /** Generation of all committed spend held in Redis: bumped to make every gateway re-read it. */
  get spendEpoch(): string {
    return `${this.prefix}b:epoch`;
  }

  cacheEntry(cacheKey: string): string {
    return `${this.prefix}c:${cacheKey}`;
  }

  /** Cache bookkeeping: expiry index (zset), entry sizes (hash), total bytes (string). */
  get cacheIndex(): [string, string, string] {
    return [`${this.prefix}cx:exp`, `${this.prefix}cx:size`, `${this.prefix}cx:total`];
  }

  /** The invalidation log (a stream) and its wake-up channel. */
  get feed(): { stream: string; channel: string } {
    return { stream: `${this.prefix}inv`, channel: `${this.prefix}inv:wake` };
  }
}
