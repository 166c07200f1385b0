/**
 * Retries of one model with p-retry. Only retryable failures are retried
 * (connection, timeout, 408, 429, 5xx: `GatewayError.retryable`); the wait is
 * `retry_after` seconds, or the upstream's Retry-After when that is longer
 * (capped). An upstream 429 is not retried when fallbacks remain: another
 * model is likely to answer at once. Aborts (client gone, total timeout) stop
 * everything without another try.
 */
import { abortableSleep } from '../lib/sleep.ts';
import pRetry, { AbortError } from 'p-retry';
import { GatewayError, UpstreamError } from '../errors.ts';
import type { RetryParams } from '../schemas/gateway.ts';
import type { CallScope } from './call-scope.ts';

export interface RetryPolicy {
  enabled: boolean;
  retries: number;
  /** Milliseconds before each retry. */
  delayMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ enabled: true, retries: 3, delayMs: 200 });
/** An upstream Retry-After longer than this is not waited for: we give up on the model instead. */
export const MAX_RETRY_AFTER_MS = 30_000;

export function retryPolicy(p: RetryParams | undefined): Readonly<RetryPolicy> {
  // Most calls name no retry parameters: they share the frozen default.
  if (p === undefined) return DEFAULT_RETRY;
  return {
    enabled: p?.retry_enabled ?? DEFAULT_RETRY.enabled,
    retries: p?.num_retries ?? DEFAULT_RETRY.retries,
    delayMs: p?.retry_after === undefined ? DEFAULT_RETRY.delayMs : Math.round(p.retry_after * 1000),
  };
}

/** Waits, or rejects with the signal's reason when it aborts first. Injectable for tests. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = abortableSleep;

export interface RetryOptions {
  policy: RetryPolicy;
  /** More models follow this one. */
  hasFallbacks: boolean;
  /** Its signal is aborted when the client leaves or the whole request times out. */
  scope: CallScope;
  /** Waits between tries (an object, so a run passes its record rather than a closure). */
  waits: { sleep: Sleep };
}

/** How long to wait before retrying `err`, or null when it must not be retried. */
export function retryDelay(err: unknown, policy: RetryPolicy, hasFallbacks: boolean): number | null {
  if (!(err instanceof GatewayError) || !err.retryable) return null;
  if (err instanceof UpstreamError) {
    if (err.upstreamStatus === 429 && hasFallbacks) return null;
    const after = err.retryAfterMs;
    if (after !== undefined) return after > MAX_RETRY_AFTER_MS ? null : Math.max(after, policy.delayMs);
  }
  return policy.delayMs;
}

/**
 * Runs `fn`, retrying per the policy; rejects with the last error (never a p-retry wrapper). The
 * scope's signal is read at each step, not handed to p-retry once: a try's timeout puts a fresh one in
 * place. An abort stops it before a try, after a try (even one that answered) and during the wait.
 */
export function withRetries<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const { policy, scope } = opts;
  return pRetry(
    async () => {
      try {
        scope.signal.throwIfAborted();
        const value = await fn();
        scope.signal.throwIfAborted();
        return value;
      } catch (err) {
        // Aborts are final: p-retry's AbortError stops it and rethrows the cause.
        if (scope.signal.aborted) throw new AbortError(asError(err));
        throw asError(err);
      }
    },
    {
      retries: policy.enabled ? policy.retries : 0,
      // The wait is ours (shouldRetry), so p-retry's own backoff is zero.
      minTimeout: 0,
      factor: 1,
      shouldRetry: async ({ error }) => {
        const delay = retryDelay(error, policy, opts.hasFallbacks);
        if (delay === null) return false;
        if (delay > 0) await opts.waits.sleep(delay, scope.signal);
        return true;
      },
    },
  );
}

/** p-retry only handles Error instances; anything else is wrapped, keeping the value as cause. */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err), { cause: err });
}
