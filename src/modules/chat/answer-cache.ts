/**
 * The response cache as the proxy uses it. A backend that cannot answer is
 * a miss, never a failed call. Answers are stored without holding up the
 * response; a read of a key waits for this process's own write of it that is
 * still on its way to a remote cache (Redis), so a call right after a miss
 * reads that answer back instead of missing again.
 */
import type { Logger } from '../../lib/log.ts';
import type { CacheEntry } from '../../routing/cache.ts';
import type { ResponseCache } from '../../store/state-types.ts';

export class AnswerCache {
  /** Writes still in flight, by key. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly cache: ResponseCache,
    private readonly log: Logger,
  ) {}

  async get(key: string): Promise<CacheEntry | undefined> {
    try {
      await this.writes.get(key);
      return await this.cache.get(key);
    } catch (err) {
      this.log.warn('response cache read failed; treated as a miss', { error: String(err) });
      return undefined;
    }
  }

  set(key: string, entry: CacheEntry, ttlMs: number): void {
    const write: Promise<void> = this.cache
      .set(key, entry, ttlMs)
      .catch((err: unknown) => {
        this.log.warn('response cache write failed', { error: String(err) });
      })
      .finally(() => {
        if (this.writes.get(key) === write) this.writes.delete(key);
      });
    this.writes.set(key, write);
  }
}
