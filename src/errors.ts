/**
 * The one error hierarchy. Every HTTP status the gateway answers with is chosen
 * here; `src/http/errors.ts` only renders these into the two wire shapes
 * (`{"detail"}` on the management API, OpenAI's `{"error"}` on proxy routes).
 */

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

export class AuthMissingError extends GatewayError {
  readonly status = 401;
  override readonly type = 'authentication_error';
  constructor() {
    super('Authentication credentials were not provided.');
  }
}

export class AuthInvalidError extends GatewayError {
  readonly status = 401;
  override readonly type = 'authentication_error';
  constructor() {
    super('Your API key is invalid or expired, please check your API key.');
  }
}

/** The key is valid but its role (or its own limits) does not allow the action. */
export class ForbiddenError extends GatewayError {
  readonly status = 403;
  override readonly type = 'permission_error';
  override readonly code = 'forbidden';
}

export class ValidationError extends GatewayError {
  readonly status = 422;
  override readonly param: string | null;
  constructor(readonly errors: FieldErrors) {
    const first = Object.entries(errors)[0];
    super(first ? `${first[0]}: ${first[1].join('; ')}` : 'Validation error');
    this.param = first?.[0] ?? null;
  }
  static field(field: string, message: string): ValidationError {
    return new ValidationError({ [field]: [message] });
  }
  override extraBody() {
    return { errors: this.errors };
  }
}

export class BadRequestError extends GatewayError {
  readonly status = 400;
  constructor(
    message: string,
    override readonly param: string | null = null,
  ) {
    super(message);
  }
}

export class ImmutableFieldError extends GatewayError {
  readonly status = 400;
  constructor(readonly field: string) {
    super(`The field '${field}' cannot be modified`);
  }
  override extraBody() {
    return { error: 'Cannot update immutable field' };
  }
}

/** A prompt version that has been deployed is frozen: spans that used it must keep meaning what they said. */
export class ImmutableVersionError extends GatewayError {
  readonly status = 400;
  constructor(
    promptId: string,
    version: number,
    readonly fields: string[],
  ) {
    super(
      `Version ${version} of prompt ${promptId} has been deployed and cannot be edited (${fields.join(', ')}); create a new version and deploy it instead`,
    );
  }
  override extraBody() {
    return { error: 'Cannot update immutable field', fields: this.fields };
  }
}

export class NotFoundError extends GatewayError {
  readonly status = 404;
  override readonly type = 'not_found_error';
}

export class ModelNotFoundError extends NotFoundError {
  override get fallbackable(): boolean {
    return true;
  }
  constructor(readonly model: string) {
    super(
      `Requested model: ${model} is not available in the model list. Check GET /api/models/public or add it with POST /api/models/.`,
    );
  }
}

export class PayloadTooLargeError extends GatewayError {
  readonly status = 413;
  constructor(limitBytes: number) {
    super(`Request body is larger than the limit of ${limitBytes} bytes (body_limit_mb)`);
  }
}

/** The request body did not arrive within `body_timeout_ms` (a client sending a byte at a time holds a connection). */
export class BodyTimeoutError extends GatewayError {
  readonly status = 408;
  override readonly type = 'timeout_error';
  constructor(timeoutMs: number) {
    super(`The request body did not arrive within ${timeoutMs} ms (body_timeout_ms)`);
  }
}

export class UnsupportedMediaTypeError extends GatewayError {
  readonly status = 415;
  override readonly param = 'content-type';
  constructor(contentType: string) {
    super(`Content-Type '${contentType}' is not accepted here: send the body as application/json`);
  }
}

export class BudgetExceededError extends GatewayError {
  readonly status = 402;
  override readonly type = 'insufficient_quota';
  override readonly code = 'budget_exceeded';
  constructor(
    readonly budget: 'period_budget' | 'total_budget' | 'spending_limit',
    readonly limit: number,
    readonly used: number,
    /** More fields of the body (customer_identifier, period_start, period_end, ...). */
    readonly details: Record<string, unknown> = {},
    /** The customer gate's check, for the refused call's span (`limit_info`). */
    readonly limitInfo: Record<string, unknown> | null = null,
  ) {
    super(`Customer ${budget} of ${limit} USD is exhausted: ${used} USD used`);
  }
  override extraBody() {
    return { budget: this.budget, limit: this.limit, used: this.used, ...this.details };
  }
}

export class RateLimitError extends GatewayError {
  readonly status = 429;
  override readonly type = 'rate_limit_error';
  override readonly code = 'rate_limit_exceeded';
  constructor(
    readonly retryAfterSeconds: number,
    /** The customer gate's check, for the refused call's span (`limit_info`). */
    readonly limitInfo: Record<string, unknown> | null = null,
  ) {
    super('Rate limit exceeded');
  }
  override extraBody() {
    return { retry_after: this.retryAfterSeconds };
  }
}

/**
 * A rate limit or budget cannot be decided: the shared store that decides it
 * (Redis) is unreachable and the deployment refuses rather than fall back
 * (`fail_closed`). Nothing is sent upstream.
 */
export class SharedStateUnavailableError extends GatewayError {
  readonly status = 503;
  override readonly type = 'server_error';
  override readonly code = 'shared_state_unavailable';
  constructor(readonly check: 'rate_limit' | 'budget') {
    super(`The ${check === 'rate_limit' ? 'rate limit' : 'budget'} cannot be checked: the shared state store is unreachable; try again shortly`);
  }
  override extraBody() {
    return { retry_after: 1 };
  }
}

export class StreamTimeoutError extends GatewayError {
  readonly status = 408;
  override readonly type = 'timeout_error';
}

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

export class InternalError extends GatewayError {
  readonly status = 500;
  override readonly type = 'server_error';
  override readonly code = 'INTERNAL_ERROR';
  constructor() {
    super('Internal server error');
  }
}

export interface UpstreamErrorInit {
  provider: string;
  model: string;
  /** HTTP status from the provider; 0 for connection failures, 504 for timeouts. */
  status: number;
  message: string;
  type?: string;
  code?: string | null;
  param?: string | null;
  retryAfterMs?: number;
  /** The caller supplied its own credentials and the provider rejected them. */
  callerCredentials?: boolean;
}

/** The only error providers throw. */
export class UpstreamError extends GatewayError {
  readonly status: number;
  override readonly type: string;
  override readonly code: string | null;
  override readonly param: string | null;
  readonly provider: string;
  readonly model: string;
  readonly upstreamStatus: number;
  readonly retryAfterMs: number | undefined;
  readonly callerCredentials: boolean;

  constructor(init: UpstreamErrorInit) {
    super(init.message);
    this.provider = init.provider;
    this.model = init.model;
    this.upstreamStatus = init.status;
    // A connection failure has no upstream status; the client sees a bad gateway.
    this.status = init.status >= 400 && init.status <= 599 ? init.status : 502;
    this.type = init.type ?? (this.status >= 500 ? 'server_error' : 'invalid_request_error');
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.retryAfterMs = init.retryAfterMs;
    this.callerCredentials = init.callerCredentials ?? false;
  }

  override get retryable(): boolean {
    const s = this.upstreamStatus;
    return s === 0 || s === 408 || s === 429 || s >= 500;
  }

  override get fallbackable(): boolean {
    const rejectedOwnKey = this.callerCredentials && (this.upstreamStatus === 401 || this.upstreamStatus === 403);
    return !rejectedOwnKey;
  }
}

export interface FailedAttempt {
  model: string;
  provider: string;
  status: number;
  message: string;
}

export class AllModelsFailedError extends GatewayError {
  readonly status: number;
  override readonly type: string;
  override readonly code = 'all_models_failed';

  constructor(readonly attempts: FailedAttempt[]) {
    const list = attempts.map((a) => `${a.model} (${a.status}: ${a.message})`).join('; ');
    super(`All models failed: ${list}`);
    // The last error is the most telling for the client's status.
    const last = attempts[attempts.length - 1];
    this.status = last && last.status >= 400 ? last.status : 502;
    this.type = this.status >= 500 ? 'server_error' : 'invalid_request_error';
  }
  override extraBody() {
    return { attempts: this.attempts };
  }
}

/** No credential for the provider a model routes to: configure one or pass it in the request. */
export class MissingCredentialsError extends GatewayError {
  readonly status = 400;
  override readonly code = 'missing_credentials';
  constructor(
    readonly provider: string,
    model: string,
    /** The request chose the api_base: the configured key is never sent there. */
    callerBase = false,
  ) {
    super(
      callerBase
        ? `No API key for provider '${provider}' (model ${model}) at the api_base given in the request: ` +
            "the gateway's configured key is never sent to a caller's api_base; pass api_key along with it"
        : `No API key for provider '${provider}' (model ${model}): set providers.${provider}.api_key in the config ` +
            `(or its environment variable), or pass customer_credentials.${provider} or credential_override in the request`,
    );
  }
  override get fallbackable(): boolean {
    return true;
  }
}

/** The model routes to a provider this gateway has no adapter for (or one that cannot do this call). */
export class ProviderUnavailableError extends GatewayError {
  readonly status = 400;
  override readonly code = 'provider_unavailable';
  override get fallbackable(): boolean {
    return true;
  }
}

/** The request as a whole ran past `routing.timeout_ms`. */
export class GatewayTimeoutError extends GatewayError {
  readonly status = 504;
  override readonly type = 'timeout_error';
  override readonly code = 'timeout';
  constructor(timeoutMs: number) {
    super(`The request did not complete within ${timeoutMs} ms`);
  }
}

/** The client went away; recorded on the span, never sent (nobody is listening). */
export class ClientClosedError extends GatewayError {
  readonly status = 499;
  override readonly code = 'client_closed_request';
  constructor() {
    super('The client closed the connection before the response was complete');
  }
}
