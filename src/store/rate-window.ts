/**
 * The sliding-window rate limit every limiter applies (memory, SQLite,
 * PostgreSQL; Redis in rate-limit.lua): the previous minute's count,
 * weighted by how much of it the window still overlaps, plus this minute's.
 * In a fresh window exactly `perMinute` hits pass.
 */
import type { RateDecision } from './state-types.ts';

export const MINUTE = 60_000;

export interface SlidingWindow {
  /** Start of the minute `now` falls in (epoch ms). */
  start: number;
  /** How much of the previous minute's count still counts. */
  previousWeight: number;
  /** The refusal at `now`: by the end of this minute the window has room again (an upper bound). */
  refused: RateDecision;
}

export function slidingWindow(now: number): SlidingWindow {
  const start = now - (now % MINUTE);
  const elapsed = now - start;
  return {
    start,
    previousWeight: 1 - elapsed / MINUTE,
    refused: { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((MINUTE - elapsed) / 1000)) },
  };
}

export const ALLOWED: RateDecision = { allowed: true, retryAfterSeconds: 0 };
