/**
 * Renders every error into the reference's bodies. Statuses come from the
 * error classes (src/errors.ts); this file only chooses the wire shape:
 * OpenAI's `{"error": {...}}` on the OpenAI-shaped proxy routes, Anthropic's
 * `{"type": "error", "error": {...}}` on the Messages route, `{"detail": ...}`
 * elsewhere.
 */
import {
  BadRequestError,
  GatewayError,
  InternalError,
  NotFoundError,
  ValidationError,
  type FieldErrors,
} from '../errors.ts';
import type { Logger } from '../lib/log.ts';
import { anthropicErrorType } from '../providers/translate/messages/anthropic-events.ts';

const OPENAI_PATHS = /\/(chat\/completions|completions|embeddings|responses(\/[^/]+)?)\/?$/;
const ANTHROPIC_PATHS = /\/anthropic\/v1\/messages\/?$/;

export type ErrorShape = 'detail' | 'openai' | 'anthropic';

/** The error body shape a path's clients read. */
export function errorShapeOf(pathname: string): ErrorShape {
  if (ANTHROPIC_PATHS.test(pathname)) return 'anthropic';
  return OPENAI_PATHS.test(pathname) ? 'openai' : 'detail';
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export function errorResponse(err: GatewayError, shape: ErrorShape): Response {
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (err.status === 429 || err.status === 503) {
    const retry = err.extraBody().retry_after;
    if (typeof retry === 'number') headers['retry-after'] = String(retry);
  }
  if (shape === 'anthropic') {
    // Anthropic answers invalid requests with 400; its SDK picks the error class by status.
    const status = err.status === 422 ? 400 : err.status;
    const body = { type: 'error', error: { type: anthropicErrorType(err.status), message: err.message }, ...err.extraBody() };
    return new Response(JSON.stringify(body), { status, headers });
  }
  const body = shape === 'openai'
    ? { error: { message: err.message, type: err.type, param: err.param, code: err.code }, ...err.extraBody() }
    : err instanceof ValidationError
      ? { detail: 'Validation error', ...err.extraBody() }
      : err instanceof InternalError
        ? { detail: err.message, error_code: err.code }
        : { detail: err.message, ...err.extraBody() };
  return new Response(JSON.stringify(body), { status: err.status, headers });
}

/** One entry of Elysia's/TypeBox's validation error list. */
interface SchemaIssue {
  path?: string;
  message?: string;
  summary?: string;
}

function fieldName(path: string | undefined, on: string): string {
  const p = (path ?? '').replace(/^\//, '').replaceAll('/', '.');
  return p || (on === 'body' ? 'body' : on);
}

export function validationFromIssues(issues: SchemaIssue[], on: string): ValidationError {
  // Field names come from the client (`?valueOf=1`, `__proto__`): no prototype to collide with.
  const errors: FieldErrors = Object.create(null);
  for (const issue of issues) {
    const field = fieldName(issue.path, on);
    // TypeBox's message, not Elysia's summary: the summary quotes the value found, which may be a key.
    const msg = issue.message ?? issue.summary ?? 'Invalid value';
    const list = (errors[field] ??= []);
    if (!list.includes(msg)) list.push(msg);
  }
  if (Object.keys(errors).length === 0) errors[on] = ['Invalid value'];
  return new ValidationError(errors);
}

interface ElysiaValidation {
  type?: string;
  all?: SchemaIssue[];
}

/** Maps whatever reached the error hook to a GatewayError. Unknown errors are logged and hidden. */
export function toGatewayError(code: string | number, error: unknown, log: Logger): GatewayError {
  if (error instanceof GatewayError) return error;
  switch (code) {
    case 'VALIDATION': {
      const v = error as ElysiaValidation;
      return validationFromIssues(v.all ?? [], v.type ?? 'body');
    }
    case 'PARSE': {
      // Elysia wraps what the parse hook throws (src/http/body.ts) in its ParseError.
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof GatewayError) return cause;
      return new BadRequestError('Malformed request body: expected valid JSON', 'body');
    }
    case 'NOT_FOUND':
      return new NotFoundError('Not found.');
    case 'INVALID_COOKIE_SIGNATURE':
    case 'INVALID_FILE_TYPE':
      return new BadRequestError(String((error as Error).message));
    default:
      // Elysia builds a validation error's message from the offending value; a value that cannot be
      // turned into a string (an object whose `toString` is not a function) makes that throw instead
      // ("No default value": the conversion found no method to call). The request failed validation.
      if (error instanceof TypeError && (error.message === 'No default value' || error.stack?.includes('new ValidationError'))) {
        return ValidationError.field('body', 'does not match the schema (the offending value cannot be shown as text)');
      }
      log.error('unhandled error', {
        code,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      return new InternalError();
  }
}
