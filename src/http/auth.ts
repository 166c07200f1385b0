/**
 * Authentication and roles for the HTTP layer: reads the key from any of the
 * three headers the reference accepts, resolves the caller and checks that its
 * role may make this kind of request in this module (README "Key roles").
 * Feature modules `.use(requireAuth(auth, access))` and receive `principal`.
 * The check fails closed: a route a module adds later needs `write` unless it
 * is a GET.
 */
import { Elysia } from 'elysia';
import { requireRole } from '../modules/keys/policy.ts';
import type { Authenticator } from '../principal.ts';
import type { KeyRole } from '../store/key-types.ts';
import { noteCaller } from './request-context.ts';

/**
 * `Authorization: Bearer KEY`, `Authorization: Api-Key KEY`, `X-Auth-Api-Key: KEY`,
 * or `X-Api-Key: KEY` (how the Anthropic SDK sends its key).
 */
export function extractKey(headers: Record<string, string | undefined>): string | null {
  return keyOf(headers['x-auth-api-key'], headers['x-api-key'], headers.authorization);
}

/** The same from a request's own headers (the chat fast path: no record built per request). */
export function extractKeyFrom(headers: Headers): string | null {
  return keyOf(headers.get('x-auth-api-key'), headers.get('x-api-key'), headers.get('authorization'));
}

function keyOf(xAuth: string | null | undefined, xApi: string | null | undefined, authorization: string | null | undefined): string | null {
  const direct = xAuth?.trim() || xApi?.trim();
  if (direct) return direct;
  const auth = authorization?.trim();
  if (!auth) return null;
  const m = /^(bearer|api-key)\s+(.+)$/i.exec(auth);
  return m ? (m[2] as string).trim() : null;
}

/** The least role each kind of request needs in one module. */
export interface Access {
  /** GET and HEAD, and the POST routes `readPosts` matches (lists and summaries sent as POST). */
  read: KeyRole;
  /** Every other request. */
  write: KeyRole;
  /** DELETE, when it needs more than `write`. */
  delete?: KeyRole;
  readPosts?: RegExp;
}

/** The proxy: calling the gateway. */
export const GATEWAY_ACCESS: Access = { read: 'member', write: 'member' };
/** Recorded data: read by any key, written (ingest, feedback) by members, deleted by admins. */
export const DATA_ACCESS: Access = { read: 'read_only', write: 'member', delete: 'admin' };
/** Prompts, custom models, customers and their budgets: read by any key, changed by admins. */
export const MANAGEMENT_ACCESS: Access = { read: 'read_only', write: 'admin' };

export function neededRole(access: Access, method: string, path: string): KeyRole {
  if (method === 'GET' || method === 'HEAD') return access.read;
  if (method === 'POST' && access.readPosts?.test(path)) return access.read;
  if (method === 'DELETE' && access.delete) return access.delete;
  return access.write;
}

export function requireAuth(auth: Authenticator, access: Access) {
  return new Elysia().derive({ as: 'scoped' }, async ({ headers, request, path }) => {
    const principal = await auth.authenticate(extractKey(headers));
    noteCaller(principal);
    requireRole(principal, neededRole(access, request.method, path), `${request.method} ${path}`);
    return { principal };
  });
}
