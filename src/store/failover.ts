/**
 * Shared state that survives its primary backend (Redis) going away.
 *
 * While the primary cannot answer: the cache is a miss and stores nothing;
 * rate limits and budgets are decided by the fallback given here (the
 * database's own implementations), or refused with SharedStateUnavailableError
 * (503) when there is none (`fail_closed`). Every call tries the primary
 * first, and a primary that is down fails at once (its connection knows), so
 * its return is picked up by the next call without a probe of our own.
 *
 * Reservations are settled and released where they were made. committed()
 * goes to both sides: the primary follows spend, and a fallback may too.
 * Spend the primary missed while away makes its copy of committed spend too
 * low, so before the primary decides again it is told to read spend afresh,
 * and the holds those missed commits should have dropped are dropped.
 */
import { LRUCache } from 'lru-cache';
import { SharedStateUnavailableError } from '../errors.ts';
import type { Logger } from '../lib/log.ts';
import type { CacheEntry } from '../routing/cache.ts';
import type {
  BudgetSubject,
  CommittedUsage,
  InvalidationFeed,
  RateDecision,
  RateLimiter,
  ReservationLedger,
  ReserveOutcome,
  ReserveRequest,
  ResponseCache,
  SharedState,
} from './state-types.ts';

/** A ledger that keeps its own copy of committed spend (Redis), which can be made to read it again. */
export interface SpendCachingLedger extends ReservationLedger {
  forgetSpend(): Promise<void>;
}

export interface PrimaryState extends SharedState {
  readonly ledger: SpendCachingLedger;
}

export interface FallbackState {
  rateLimiter: RateLimiter;
  ledger: ReservationLedger;
}

export interface FailoverOptions {
  primary: PrimaryState;
  /** Decides while the primary cannot; null refuses instead (fail_closed). */
  fallback: FallbackState | null;
  log: Logger;
  /** How long a reservation may stay open: how long to remember which side made it (default 10 min). */
  holdTtlMs?: number;
}

export interface FailoverStats {
  /** Rate-limit hits decided by the fallback. */
  rate_limit_fallbacks: number;
  /** Reservations decided by the fallback. */
  budget_fallbacks: number;
  /** Calls refused because neither side could decide (fail_closed). */
  refusals: number;
  /** Cache reads and writes skipped. */
  cache_errors: number;
  /** settle, release and committed calls that could not reach their side. */
  ledger_errors: number;
}

/** Logs when a part of the primary goes away and when it is back, not on every call. */
class Outage {
  private down = false;

  constructor(
    private readonly what: string,
    private readonly log: Logger,
    private readonly instead: string,
  ) {}

  failed(err: unknown): void {
    if (this.down) return;
    this.down = true;
    this.log.warn(`shared state: ${this.what} unavailable; ${this.instead}`, { error: String(err) });
  }

  ok(): void {
    if (!this.down) return;
    this.down = false;
    this.log.info(`shared state: ${this.what} available again`);
  }
}

/** Cap on commits remembered while the primary is away; older ones' holds simply expire. */
const MAX_MISSED = 100_000;

export class FailoverState implements SharedState {
  readonly rateLimiter: RateLimiter;
  readonly ledger: ReservationLedger;
  readonly cache: ResponseCache;
  readonly invalidations: InvalidationFeed;
  private readonly counts: FailoverStats = {
    rate_limit_fallbacks: 0,
    budget_fallbacks: 0,
    refusals: 0,
    cache_errors: 0,
    ledger_errors: 0,
  };

  constructor(private readonly opts: FailoverOptions) {
    const instead = opts.fallback ? 'deciding with the fallback' : 'refusing (fail_closed)';
    this.rateLimiter = new FailoverRateLimiter(opts, this.counts, new Outage('rate limiter', opts.log, instead));
    this.ledger = new FailoverLedger(opts, this.counts, new Outage('budget ledger', opts.log, instead));
    this.cache = new FailoverCache(opts.primary.cache, this.counts, new Outage('response cache', opts.log, 'cache skipped'));
    this.invalidations = opts.primary.invalidations;
  }

  stats(): FailoverStats {
    return { ...this.counts };
  }

  /** Closes the primary; the fallback belongs to whoever made it (the database backend). */
  close(): Promise<void> {
    return this.opts.primary.close();
  }
}

class FailoverRateLimiter implements RateLimiter {
  constructor(
    private readonly opts: FailoverOptions,
    private readonly counts: FailoverStats,
    private readonly outage: Outage,
  ) {}

  async hit(key: string, perMinute: number): Promise<RateDecision> {
    try {
      const decision = await this.opts.primary.rateLimiter.hit(key, perMinute);
      this.outage.ok();
      return decision;
    } catch (err) {
      this.outage.failed(err);
      if (!this.opts.fallback) {
        this.counts.refusals++;
        throw new SharedStateUnavailableError('rate_limit');
      }
      this.counts.rate_limit_fallbacks++;
      return this.opts.fallback.rateLimiter.hit(key, perMinute);
    }
  }
}

type Side = 'primary' | 'fallback';

class FailoverLedger implements ReservationLedger {
  /** Which side holds each open reservation. */
  private readonly sides: LRUCache<string, Side>;
  /** Commits the primary missed: their holds are dropped there once it is back. */
  private missed: CommittedUsage[] = [];
  private spendStale = false;
  private recovering: Promise<void> | null = null;

  constructor(
    private readonly opts: FailoverOptions,
    private readonly counts: FailoverStats,
    private readonly outage: Outage,
  ) {
    this.sides = new LRUCache({ max: 1_000_000, ttl: opts.holdTtlMs ?? 10 * 60_000 });
  }

  async tryReserve(req: ReserveRequest): Promise<ReserveOutcome> {
    const { primary, fallback } = this.opts;
    try {
      if (this.spendStale) await this.recover();
      const outcome = await primary.ledger.tryReserve(req);
      this.outage.ok();
      if (outcome.ok) this.sides.set(req.id, 'primary');
      return outcome;
    } catch (err) {
      this.outage.failed(err);
      if (!fallback) {
        this.counts.refusals++;
        throw new SharedStateUnavailableError('budget');
      }
      this.counts.budget_fallbacks++;
      const outcome = await fallback.ledger.tryReserve(req);
      if (outcome.ok) this.sides.set(req.id, 'fallback');
      return outcome;
    }
  }

  async settle(subject: BudgetSubject, id: string, amount: number): Promise<void> {
    await this.quietly('settle', this.sideOf(id)?.settle(subject, id, amount));
  }

  async release(subject: BudgetSubject, id: string): Promise<void> {
    const ledger = this.sideOf(id);
    this.sides.delete(id);
    await this.quietly('release', ledger?.release(subject, id));
  }

  async committed(usage: CommittedUsage[]): Promise<void> {
    const { primary, fallback } = this.opts;
    try {
      await primary.ledger.committed(usage);
    } catch (err) {
      this.counts.ledger_errors++;
      this.outage.failed(err);
      this.spendStale = true;
      for (const u of usage) if (u.reservationId !== null) this.missed.push(u);
      if (this.missed.length > MAX_MISSED) this.missed = this.missed.slice(-MAX_MISSED);
    }
    if (fallback) await this.quietly('committed', fallback.ledger.committed(usage));
    for (const u of usage) if (u.reservationId !== null) this.sides.delete(u.reservationId);
  }

  /** The primary is back after missing commits: it reads spend afresh and drops the holds they settled. */
  private recover(): Promise<void> {
    this.recovering ??= (async () => {
      await this.opts.primary.ledger.forgetSpend();
      const missed = this.missed;
      // Their spend is in the database the fresh reads come from; only the holds must go.
      await this.opts.primary.ledger.committed(missed.map((u) => ({ ...u, billed: 0 })));
      this.missed = this.missed.slice(missed.length);
      this.spendStale = false;
      this.opts.log.info('shared state: budget ledger re-reads committed spend after missing commits', { holds_dropped: missed.length });
    })().finally(() => {
      this.recovering = null;
    });
    return this.recovering;
  }

  /** The side that made a reservation; the primary when unknown (made before this process started, or forgotten). */
  private sideOf(id: string): ReservationLedger | undefined {
    return this.sides.get(id) === 'fallback' ? this.opts.fallback?.ledger : this.opts.primary.ledger;
  }

  /** settle, release and committed are best effort: an unreachable side's hold expires by itself. */
  private async quietly(what: string, work: Promise<void> | undefined): Promise<void> {
    try {
      await work;
    } catch (err) {
      this.counts.ledger_errors++;
      this.opts.log.debug(`shared state: ${what} failed`, { error: String(err) });
    }
  }
}

class FailoverCache implements ResponseCache {
  constructor(
    private readonly primary: ResponseCache,
    private readonly counts: FailoverStats,
    private readonly outage: Outage,
  ) {}

  async get(key: string): Promise<CacheEntry | undefined> {
    try {
      const entry = await this.primary.get(key);
      this.outage.ok();
      return entry;
    } catch (err) {
      this.skipped(err);
      return undefined;
    }
  }

  async set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    try {
      await this.primary.set(key, entry, ttlMs);
      this.outage.ok();
    } catch (err) {
      this.skipped(err);
    }
  }

  private skipped(err: unknown): void {
    this.counts.cache_errors++;
    this.outage.failed(err);
  }
}
