/** The store cannot take or answer this now (503): the caller may retry or narrow the query. */
import { GatewayError } from './base.ts';

export class QueueFullError extends GatewayError {
  readonly status = 503;
  override readonly type = 'server_error';
  override readonly code = 'queue_full';
  constructor() {
    super('The span writer queue is full; try again shortly');
  }
}

/** A read ran past `store.query_timeout_ms`: the caller should narrow what it asks. */
export class QueryTimeoutError extends GatewayError {
  readonly status = 503;
  override readonly type = 'server_error';
  override readonly code = 'query_timeout';
  constructor(timeoutMs: number) {
    super(
      `The query did not finish within its time budget of ${timeoutMs} ms; narrow the time window (start_time/end_time) or add filters`,
    );
  }
}

/** The database cannot take writes (disk full, read-only folder); reads and proxying go on. */
export class StorageUnavailableError extends GatewayError {
  readonly status = 503;
  override readonly type = 'server_error';
  override readonly code = 'storage_unavailable';
}
