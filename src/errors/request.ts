/** The request is refused as sent (4xx the caller can fix): credentials, role, shape, size, target. */
import { type FieldErrors, GatewayError } from './base.ts';

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
