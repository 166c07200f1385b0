/**
 * A scan of a window's spans in slices of a bounded number of spans.
 *
 * SQLite cannot be interrupted from outside, so a reader thread ended at a
 * read's time budget (readers.ts) goes on scanning until its statement
 * returns: a summary filtered on a metadata key that is not rolled up read a
 * whole day of spans in one statement, tens of seconds at 10M spans. Cut into
 * statements of at most SLICE_SPANS spans each, the thread returns to
 * JavaScript between slices, where its end takes effect: a cut scan stops
 * within one slice. Slices follow the (org, environment, timestamp) index, so
 * a slice holds as many spans whether the window is dense or sparse.
 */
import type { Database } from 'bun:sqlite';
import type { Scope } from '../types.ts';
import { queryPlan } from './query-plan.ts';
import type { SqlValue } from './span-rows.ts';

/** Spans per slice: tens of milliseconds of row reads on this project's test machine. */
export const SLICE_SPANS = 10_000;

export interface Slice {
  environment: string;
  /** Inclusive, epoch ms. */
  from: number;
  to: number;
}

/** The WHERE terms of one slice; their values come from `sliceParams`. */
export const SLICE_WHERE = 'org_id = ? AND environment = ? AND timestamp >= ? AND timestamp <= ?';

export const sliceParams = (orgId: string, s: Slice): SqlValue[] => [orgId, s.environment, s.from, s.to];

/**
 * Whether SQLite would answer the statement by walking the window in time
 * order (the time index, or the whole table): then it reads every span of the
 * window and is worth slicing. A statement that another index narrows (a
 * customer, a trace) reads only its matches, and slicing it would only add
 * the slices' boundary lookups.
 */
export function walksWindow(client: Database, sql: string, params: SqlValue[]): boolean {
  return queryPlan(client, sql, params).some((line) => /^SCAN spans\b|INDEX spans_org_env_time\b/.test(line));
}

/** The slices of [from, to] (inclusive) for each environment of the scope, in time order. `size` is for tests. */
export function* spanSlices(client: Database, scope: Scope, from: number, to: number, size = SLICE_SPANS): Generator<Slice> {
  // The time of the span `size` places on from a slice's start: where the next slice begins.
  const boundary = client.query<{ t: number }, [string, string, number, number, number]>(
    `SELECT timestamp AS t FROM spans INDEXED BY spans_org_env_time WHERE ${SLICE_WHERE} ORDER BY timestamp LIMIT 1 OFFSET ?`,
  );
  for (const environment of scope.environments) {
    let start = from;
    while (start <= to) {
      const next = boundary.get(scope.orgId, environment, start, to, size)?.t;
      // More than `size` spans at the very same millisecond: that millisecond is a slice of its own.
      const end = next === undefined ? to : Math.max(start, next - 1);
      yield { environment, from: start, to: end };
      start = end + 1;
    }
  }
}
