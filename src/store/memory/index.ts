/** Shared state for a single gateway process, all in memory. */
import { silentLogger, type Logger } from '../../lib/log.ts';
import { MemoryResponseCache } from '../../routing/cache.ts';
import type { CommittedSpendSource, SharedState } from '../state-types.ts';
import { MemoryFeed } from './feed.ts';
import { MemoryLedger, type LedgerOptions } from './ledger.ts';
import { MemoryRateLimiter } from './rate-limiter.ts';

export interface MemoryStateOptions extends LedgerOptions {
  source: CommittedSpendSource;
  cacheMaxBytes: number;
  log?: Logger;
}

export function memoryState(opts: MemoryStateOptions): SharedState {
  const now = opts.now ?? Date.now;
  const invalidations = new MemoryFeed(opts.log ?? silentLogger);
  return {
    rateLimiter: new MemoryRateLimiter(now),
    ledger: new MemoryLedger(opts.source, opts),
    cache: new MemoryResponseCache({ maxBytes: opts.cacheMaxBytes, now }),
    invalidations,
    close: () => invalidations.close(),
  };
}
