/**
 * Authentication for the HTTP layer: reads the key from any of the three
 * headers the reference accepts and resolves the caller. Feature modules
 * `.use(requireAuth(keys))` and receive `principal` in their handlers.
 */
import { Elysia } from 'elysia';
import type { Authenticator } from '../principal.ts';

/**
 * `Authorization: Bearer KEY`, `Authorization: Api-Key KEY`, `X-Auth-Api-Key: KEY`,
 * or `X-Api-Key: KEY` (how the Anthropic SDK sends its key).
 */
export function extractKey(headers: Record<string, string | undefined>): string | null {
  const direct = headers['x-auth-api-key']?.trim() || headers['x-api-key']?.trim();
  if (direct) return direct;
  const auth = headers.authorization?.trim();
  if (!auth) return null;
  const m = /^(bearer|api-key)\s+(.+)$/i.exec(auth);
  return m ? (m[2] as string).trim() : null;
}

export function requireAuth(auth: Authenticator) {
  return new Elysia().derive({ as: 'scoped' }, async ({ headers }) => ({
    principal: await auth.authenticate(extractKey(headers)),
  }));
}
