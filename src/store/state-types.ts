/**
 * Shared state: what decides admission (rate limits, budget reservations),
 * the response cache, and the feed that tells every gateway process that a
 * record it may have cached has changed.
 *
 * Every gateway process that shares one backend must behave as one: an
 * implementation is atomic across processes (rows of the shared database,
 * PostgreSQL statements, one Redis script per decision), except the memory
 * implementations, which serve a single process. Each method is one atomic
 * step: callers never read, decide, then write.
 */
import type { Range } from '../lib/periods.ts';
import type { CacheEntry } from '../routing/cache.ts';
import type { Environment } from './types.ts';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until a request would be allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

/**
 * Requests per minute per key (an API key or a customer), as a sliding
 * window: in a fresh window exactly `perMinute` hits are allowed and the next
 * is refused, whichever processes the hits come through.
 */
export interface RateLimiter {
  hit(key: string, perMinute: number): Promise<RateDecision>;
}

export type BudgetKind = 'period_budget' | 'total_budget';

/** A customer whose spend a budget limits. */
export interface BudgetSubject {
  orgId: string;
  environment: Environment;
  identifier: string;
}

export interface BudgetLimit {
  budget: BudgetKind;
  /** USD, billed (with the customer's markup). */
  limit: number;
  /** [start, end) of the period a period budget covers; null for the all-time total budget. */
  window: Range | null;
}

export interface ReserveRequest {
  /** Unique per call; settle, release and the call's span name it (`limit_info.reservation_id`). */
  id: string;
  subject: BudgetSubject;
  /** USD (billed) set aside for the call until it settles. */
  amount: number;
  limits: BudgetLimit[];
}

/** Per limit, in the order asked: committed spend and what other calls in flight hold. */
export interface LimitUsage {
  committed: number;
  held: number;
}

export type ReserveOutcome =
  | { ok: true; usage: LimitUsage[] }
  /** The first limit that refused; `used` = committed + held by others. */
  | { ok: false; budget: BudgetKind; limit: number; used: number; usage: LimitUsage[] };

/** What committed spans added to one customer's spend (delivered after the commit). */
export interface CommittedUsage {
  subject: BudgetSubject;
  /** Epoch ms of the span: decides which period it counts in. */
  timestamp: number;
  billed: number;
  /** Set when the gateway admitted the call with a reservation. */
  reservationId: string | null;
}

/**
 * Money set aside for calls in flight, so that concurrent calls (in any
 * process) cannot all pass on the same remaining budget.
 *
 * tryReserve admits when, for every limit, used < limit and used + amount <=
 * limit, where used = committed spend in the limit's window + amounts held by
 * other calls; then it holds `amount` under `id` — check and hold are one
 * atomic step. settle(id, actual) replaces the hold with the real cost until
 * the call's span is committed (committed() then drops it, and the committed
 * spend contains it). A hold that is never settled or committed expires, so a
 * crashed gateway cannot keep budget forever.
 */
export interface ReservationLedger {
  tryReserve(req: ReserveRequest): Promise<ReserveOutcome>;
  settle(subject: BudgetSubject, id: string, amount: number): Promise<void>;
  release(subject: BudgetSubject, id: string): Promise<void>;
  /** Usage of spans now committed, as the span writer reports it after each commit. */
  committed(usage: CommittedUsage[]): Promise<void>;
}

/** Where a ledger that keeps no spend of its own reads committed spend. */
export interface CommittedSpendSource {
  /** Billed USD of a customer within `window` (all time when null), as stored. */
  billed(subject: BudgetSubject, window: Range | null): Promise<number>;
}

/**
 * The response cache, keyed by `cacheKey()` (which already holds the
 * organization, and the customer with cache_by_customer). A miss is
 * undefined; a backend that cannot answer is a miss, never an error.
 */
export interface ResponseCache {
  get(key: string): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry, ttlMs: number): Promise<void>;
}

export type InvalidationTopic = 'keys' | 'models' | 'prompts' | 'customers';

/** A record that changed: processes drop what they cached of it. */
export interface Invalidation {
  topic: InvalidationTopic;
  orgId: string;
  /** The record's identity within the topic: key prefix, model name, prompt id, `env:customer_identifier`. */
  id: string;
}

/**
 * Change notices between gateway processes. Every listener sees every
 * invalidation published by any process sharing the backend (its own
 * included) within about a second, in publish order per process.
 */
export interface InvalidationFeed {
  publish(change: Invalidation): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe(listener: (change: Invalidation) => void): () => void;
  close(): Promise<void>;
}

/** The shared state of one deployment, as the backend chosen by the config provides it. */
export interface SharedState {
  readonly rateLimiter: RateLimiter;
  readonly ledger: ReservationLedger;
  readonly cache: ResponseCache;
  readonly invalidations: InvalidationFeed;
  close(): Promise<void>;
}
