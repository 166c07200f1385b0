/**
 * What a proxy span says beyond its columns, as pure functions: which tries
 * reached a provider, which fallbacks were taken, and why a call failed.
 */
import type { AttemptRecord } from '../../routing/engine.ts';
import type { SpanRecord } from '../../store/types.ts';

export type FailureReason = 'upstream' | 'timeout' | 'budget' | 'rate_limit' | 'validation' | 'auth' | 'client_closed' | 'internal';

export function attemptsOf(s: SpanRecord): AttemptRecord[] {
  const a = s.extra.attempts;
  return Array.isArray(a) ? (a as AttemptRecord[]) : [];
}

/**
 * The tries that called a provider. The engine records a model it could not
 * call (unknown model, no credentials, no adapter) as a try of 0 ms; a call
 * over the network never takes exactly 0.
 */
export function upstreamTries(attempts: readonly AttemptRecord[]): AttemptRecord[] {
  return attempts.filter((a) => a.duration_ms > 0);
}

export interface Fallback {
  requested: string;
  fallback: string;
  /** The fallback model answered. */
  answered: boolean;
}

/** Each model tried after the first one: the first is the one requested (or picked by load balancing). */
export function fallbacksOf(s: SpanRecord, attempts: readonly AttemptRecord[]): Fallback[] {
  const first = attempts[0];
  if (!first) return [];
  const seen = new Set([first.model]);
  const out: Fallback[] = [];
  for (const a of attempts) {
    if (seen.has(a.model)) continue;
    seen.add(a.model);
    out.push({ requested: first.model, fallback: a.model, answered: s.status === 'success' && s.model === a.model });
  }
  return out;
}

/** Why a request failed, from its status alone (a refusal before any span: auth, key limits, bad input). */
export function reasonForStatus(status: number): FailureReason {
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'budget';
  if (status === 429) return 'rate_limit';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 499) return 'client_closed';
  return status >= 500 ? 'internal' : 'validation';
}

/** Why a proxy call failed: a provider's answer once one was called, else the gateway's own refusal. */
export function failureReason(s: SpanRecord, tries: readonly AttemptRecord[]): FailureReason {
  const reason = reasonForStatus(s.status_code);
  if (tries.length === 0 || reason === 'timeout' || reason === 'client_closed') return reason;
  return 'upstream';
}
