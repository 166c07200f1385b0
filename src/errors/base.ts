/** What every gateway error carries, and what an error of no known kind becomes. */

export type FieldErrors = Record<string, string[]>;

export abstract class GatewayError extends Error {
  abstract readonly status: number;
  /** OpenAI-style error type, used when rendered on proxy routes. */
  readonly type: string = 'invalid_request_error';
  readonly code: string | null = null;
  readonly param: string | null = null;
  /** A retry of the same upstream call may succeed. */
  get retryable(): boolean {
    return false;
  }
  /** Another model may succeed where this one failed. */
  get fallbackable(): boolean {
    return false;
  }

  /** Extra top-level fields of the `{"detail"}` body. */
  extraBody(): Record<string, unknown> {
    return {};
  }
}

export class InternalError extends GatewayError {
  readonly status = 500;
  override readonly type = 'server_error';
  override readonly code = 'INTERNAL_ERROR';
  constructor() {
    super('Internal server error');
  }
}
