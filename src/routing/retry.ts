/**
 * Retries of one model. Only retryable failures are retried
 * (connection, timeout, 408, 429, 5xx: `GatewayError.retryable`); the wait is
 * `retry_after` seconds, or the upstream's Retry-After when that is longer
 * (capped). An upstream 429 is not retried when fallbacks remain: another
 * model is likely to answer at once. Aborts (client gone, total timeout) stop
 * everything without another try.
 */
import { abortableSleep } from '../lib/sleep.ts';
import { GatewayError, UpstreamError } from '../errors.ts';
import type { RetryParams } from '../schemas/gateway.ts';

export interface RetryPolicy {
  enabled: boolean;
  retries: number;
  /** Milliseconds before each retry. */
  delayMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ enabled: true, retries: 3, delayMs: 200 });
/** An upstream Retry-After longer than this is not waited for: we give up on the model instead. */
export const MAX_RETRY_AFTER_MS = 30_000;

export function retryPolicy(p: RetryParams | undefined): RetryPolicy {
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
  /** Aborted when the client leaves or the whole request times out. */
  signal: AbortSignal;
  sleep: Sleep;
  /** Told about every failed try (for the span's attempt list). */
  onFailure?: (err: unknown, attemptNumber: number) => void;
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
 * Runs `fn`, retrying per the policy. Rejects with the last error (never a wrapper).
 * The loop p-retry ran, without its per-call set-up (options copied and validated,
 * a frozen context per failure): a call that succeeds at once, nearly every call,
 * costs one `await` here. Same steps: the signal checked before and after each try,
 * an abort final, each failure told, then retried only while retries are left and
 * `retryDelay` allows, after its wait.
 */
export async function withRetries<T>(fn: (attemptNumber: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const { policy, signal } = opts;
  const retries = policy.enabled ? policy.retries : 0;
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    let error: Error;
    try {
      const value = await fn(attempt);
      signal.throwIfAborted();
      return value;
    } catch (err) {
      error = asError(err);
    }
    if (signal.aborted) throw error;
    opts.onFailure?.(error, attempt);
    if (attempt > retries) throw error;
    const delay = retryDelay(error, policy, opts.hasFallbacks);
    if (delay === null) throw error;
    if (delay > 0) await opts.sleep(delay, signal);
  }
}

/** A thrown value that is not an Error is wrapped, keeping the value as cause (as p-retry did). */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err), { cause: err });
}
