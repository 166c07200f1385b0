/**
 * A proxied call that failed: what the provider answered, what routing made of
 * it (fallback to another model or not), and a request cut short (its time
 * limits, the client leaving).
 */
import { GatewayError } from './base.ts';

export class StreamTimeoutError extends GatewayError {
  readonly status = 408;
  override readonly type = 'timeout_error';
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
