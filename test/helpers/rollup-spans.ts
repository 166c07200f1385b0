/**
 * Spans that exercise every column of the per-minute rollup: latencies on and
 * either side of the histogram's bounds and missing, errors, cache hits,
 * missing times to first token and tokens per second, with and without a key,
 * over a few minutes and two models. For tests that a migration's backfill
 * rolls spans up exactly as the writer does.
 */
import { expect } from 'bun:test';
import { LATENCY_BOUNDS } from '../../src/usage/rollups.ts';
import type { SpanRecord } from '../../src/store/types.ts';
import { span } from './spans.ts';

export function rollupSpans(orgId: string, t0: number): SpanRecord[] {
  const latencies = [null, 0, ...LATENCY_BOUNDS.flatMap((b) => [b, b + 0.001]), 500];
  return latencies.map((latency, i) =>
    span({
      org_id: orgId,
      timestamp: t0 + (i % 4) * 60_000 + (i % 7) * 1000,
      model: i % 2 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
      api_key_id: i % 3 === 0 ? null : 'key_1',
      latency,
      status: i % 5 === 0 ? 'error' : 'success',
      cached: i % 6 === 0,
      time_to_first_token: i % 4 === 0 ? null : i / 100,
      tokens_per_second: i % 3 === 1 ? null : i,
      prompt_tokens: i,
      completion_tokens: 2 * i,
      total_request_tokens: 3 * i,
      cached_tokens: i % 2,
      reasoning_tokens: i % 3,
      cost: i / 1000,
    }),
  );
}

/** The last statement of a migration: its backfill. */
export function backfillOf(sql: string): string {
  return sql.split('--> statement-breakpoint').at(-1) ?? '';
}

/** Rows of two reads of a rollup, alike but for the rounding of float sums added in another order. */
export function expectSameSums(got: Record<string, unknown>[], want: Record<string, unknown>[]): void {
  expect(got.length).toBe(want.length);
  for (const [i, row] of want.entries()) {
    for (const [k, v] of Object.entries(row)) {
      const g = got[i]?.[k];
      if (typeof v === 'number' && !Number.isInteger(v)) expect(Number(g)).toBeCloseTo(v, 9);
      else expect(g).toEqual(v);
    }
  }
}
