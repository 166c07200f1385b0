/**
 * Shared state in Redis 7 / Valkey, for gateways on many machines: rate
 * limits, budget reservations, the response cache and invalidations. One
 * command connection serves all four; the feed has a subscriber connection
 * of its own.
 *
 * Eviction: Redis must keep its default `maxmemory-policy noeviction`. Limit
 * and budget keys carry TTLs of their own (that is how they are cleaned up),
 * so any `volatile-*` or `allkeys-*` policy could evict a rate window or a
 * hold and admit past a limit; a separate logical database does not help, as
 * maxmemory and eviction span all databases of a server. The cache instead
 * keeps itself within its own byte budget (lua/cache-set.lua). A warning is
 * logged at connect when the server says otherwise.
 */
import type { Logger } from '../../lib/log.ts';
import type { CommittedSpendSource, SharedState } from '../state-types.ts';
import { RedisCache, type RedisCacheOptions } from './cache.ts';
import { RedisConnection } from './connection.ts';
import { RedisFeed } from './feed.ts';
import { RedisKeys } from './keys.ts';
import { RedisLedger, type RedisLedgerOptions } from './ledger.ts';
import { RedisRateLimiter } from './rate-limiter.ts';

export interface RedisStateOptions extends RedisLedgerOptions {
  /** redis://[user:password@]host:port[/db], rediss:// for TLS. */
  url: string;
  /** Every key and channel starts with it, so deployments can share a server. */
  prefix: string;
  source: CommittedSpendSource;
  log: Logger;
  cache: RedisCacheOptions;
  /** A command slower than this counts as Redis being down (default 1000). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** How often the invalidation log is polled while the subscription is down (default 250). */
  feedPollMs?: number;
  /** Connection names in CLIENT LIST: `<name>` and `<name>:feed` (default `switchyard`). */
  name?: string;
}

export interface RedisState extends SharedState {
  readonly ledger: RedisLedger;
  readonly cache: RedisCache;
  readonly invalidations: RedisFeed;
  /** Whether the command connection is up now. */
  readonly up: boolean;
  /** Resolves true once connected (and the feed subscribed), false after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
}

export function openRedisState(opts: RedisStateOptions): RedisState {
  const name = opts.name ?? 'switchyard';
  const keys = new RedisKeys(opts.prefix);
  const conn = new RedisConnection({
    url: opts.url,
    name,
    log: opts.log,
    commandTimeoutMs: opts.commandTimeoutMs,
    connectTimeoutMs: opts.connectTimeoutMs,
    onConnect: async (client) => {
      const policy = await client.send('CONFIG', ['GET', 'maxmemory-policy']).catch(() => null);
      const value = policy && typeof policy === 'object' ? Object.values(policy as Record<string, string>).at(-1) : null;
      if (value && value !== 'noeviction') {
        opts.log.warn('redis maxmemory-policy is not noeviction: rate limits and budget holds may be evicted and over-admit', {
          maxmemory_policy: value,
        });
      }
    },
  });
  const invalidations = new RedisFeed(conn, keys, {
    url: opts.url,
    name: `${name}:feed`,
    log: opts.log,
    pollMs: opts.feedPollMs,
    connectTimeoutMs: opts.connectTimeoutMs,
    commandTimeoutMs: opts.commandTimeoutMs,
  });
  return {
    rateLimiter: new RedisRateLimiter(conn, keys),
    ledger: new RedisLedger(conn, keys, opts.source, opts),
    cache: new RedisCache(conn, keys, opts.cache),
    invalidations,
    get up() {
      return conn.up;
    },
    async ready(timeoutMs) {
      return (await conn.waitUp(timeoutMs)) && (await invalidations.ready(timeoutMs));
    },
    async close() {
      await invalidations.close();
      conn.close();
    },
  };
}
