/**
 * The single-process response cache: routing/cache.ts's byte-bounded LRU
 * behind the async shared-state interface.
 */
import { MemoryResponseCache, type CacheEntry, type MemoryCacheOptions } from '../../routing/cache.ts';
import type { ResponseCache } from '../state-types.ts';

export class MemoryCache implements ResponseCache {
  private readonly lru: MemoryResponseCache;

  constructor(opts: MemoryCacheOptions) {
    this.lru = new MemoryResponseCache(opts);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    return this.lru.get(key);
  }

  async set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    this.lru.set(key, entry, ttlMs);
  }

  stats(): { entries: number; bytes: number } {
    return this.lru.stats();
  }
}
