/**
 * The response cache in Redis, shared by every gateway. An entry is the
 * CacheEntry as JSON (stream chunks included, for streaming replay) with its
 * own TTL. lua/cache-set.lua keeps the total within `maxBytes`; an entry over
 * `maxEntryBytes` is not stored, so one huge answer cannot stall Redis for
 * everyone reading it.
 */
import type { CacheEntry } from '../../routing/cache.ts';
import type { ResponseCache } from '../state-types.ts';
import type { RedisConnection } from './connection.ts';
import type { RedisKeys } from './keys.ts';
import { SCRIPTS } from './scripts.ts';

export interface RedisCacheOptions {
  /** Bytes of all entries together. */
  maxBytes: number;
  /** Bytes of one entry (default 2 MiB). */
  maxEntryBytes?: number;
}

/** What an entry costs Redis beyond its value: key, index and size records. */
const ENTRY_OVERHEAD = 200;

export class RedisCache implements ResponseCache {
  private readonly maxEntryBytes: number;
  private skipped = 0;

  constructor(
    private readonly conn: RedisConnection,
    private readonly keys: RedisKeys,
    private readonly opts: RedisCacheOptions,
  ) {
    this.maxEntryBytes = Math.min(opts.maxEntryBytes ?? 2 * 1024 * 1024, opts.maxBytes);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const text = (await this.conn.send('GET', [this.keys.cacheEntry(key)])) as string | null;
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as CacheEntry;
    } catch {
      return undefined; // written by something else under our prefix: a miss, and the next set replaces it
    }
  }

  async set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    const text = JSON.stringify(entry);
    const entryKey = this.keys.cacheEntry(key);
    const size = Buffer.byteLength(text) + entryKey.length + ENTRY_OVERHEAD;
    const ttl = Math.max(1, Math.round(ttlMs));
    if (size > this.maxEntryBytes) {
      this.skipped++;
      return;
    }
    await SCRIPTS.cacheSet.run(this.conn, [entryKey, ...this.keys.cacheIndex], [text, String(ttl), String(size), String(this.opts.maxBytes)]);
  }

  /** Entries not stored for being over maxEntryBytes. */
  stats(): { too_large: number } {
    return { too_large: this.skipped };
  }
}
