/**
 * Keeps a failed validation as cheap as the validation itself. When a body
 * fails its schema, Elysia's ValidationError builds a message that
 * pretty-prints the whole body (outside NODE_ENV=production) — for a 32 MB
 * body, or one 128 levels deep (indentation grows with depth), seconds of
 * event loop and gigabytes of string, none of which the client ever sees:
 * src/http/errors.ts answers from the error list, capped at 64. Elysia takes a
 * schema's `error` as that message instead, so every schema node of every
 * route gets one (a function: the OpenAPI document leaves functions out).
 */
import { Kind } from '@sinclair/typebox';

const SCHEMA_HOOKS = ['body', 'query', 'params', 'headers', 'cookie'] as const;

const cheapMessage = () => 'Validation error';

function mark(value: unknown, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const node = value as Record<string | symbol, unknown>;
  if (Kind in node && node.error === undefined) node.error = cheapMessage;
  for (const child of Object.values(node)) mark(child, seen);
}

/** Gives every route's schemas a constant validation message; call once all routes are mounted. */
export function boundValidationErrors(routes: readonly { hooks: object }[]): void {
  const seen = new Set<object>();
  for (const { hooks } of routes) {
    const h = hooks as Record<string, unknown>;
    for (const name of SCHEMA_HOOKS) mark(h[name], seen);
    mark(h.standaloneSchema, seen);
  }
}
