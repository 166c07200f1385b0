/**
 * Who may do what, as pure rules over roles and key records (README "Key
 * roles"). Roles rank read_only < member < admin. Only admin keys manage keys;
 * every key may read its own record, rename it and revoke or delete itself,
 * but no key changes its own role, limits or expiry, and no key creates or
 * sets limits looser than its own. Limits are per key, not shared, which is
 * why only admins create keys: a limited key that could mint keys within its
 * own limits would still multiply them.
 */
import { ForbiddenError } from '../../errors.ts';
import type { ApiKeyPatch, ApiKeyRecord, KeyRole } from '../../store/key-types.ts';

const RANK: Readonly<Record<KeyRole, number>> = { read_only: 0, member: 1, admin: 2 };

/** The part of a principal the rules look at. */
export interface Actor {
  keyId: string;
  role: KeyRole;
}

export function hasRole(role: KeyRole, min: KeyRole): boolean {
  return RANK[role] >= RANK[min];
}

/** Throws 403 unless the actor's role is at least `min`; `action` completes "... needs". */
export function requireRole(actor: Actor, min: KeyRole, action: string): void {
  if (!hasRole(actor.role, min)) {
    throw new ForbiddenError(`${action} needs an API key with role '${min}'; this key's role is '${actor.role}'`);
  }
}

export type KeyLimits = Pick<ApiKeyRecord, 'expires_at' | 'max_usage' | 'rate_limit' | 'spending_limit'>;

/** Each limit as "unbounded" or a number where smaller is stricter. */
function bound(field: keyof KeyLimits, v: number | null): number | null {
  if (field === 'max_usage') return v === null || v < 0 ? null : v;
  return v;
}

const DESCRIBE: Readonly<Record<keyof KeyLimits, (v: number | null) => string>> = {
  expires_at: (v) => (v === null ? 'no expiry' : `expiry ${new Date(v).toISOString()}`),
  max_usage: (v) => (v === null || v < 0 ? 'unlimited max_usage' : `max_usage ${v}`),
  rate_limit: (v) => (v === null ? 'no rate_limit' : `rate_limit ${v}/min`),
  spending_limit: (v) => (v === null ? 'no spending_limit' : `spending_limit ${v} USD`),
};

/** One message per limit in `wanted` that is looser than the actor's own key's. */
export function looserLimits(own: KeyLimits, wanted: Partial<KeyLimits>): string[] {
  const out: string[] = [];
  for (const field of Object.keys(DESCRIBE) as (keyof KeyLimits)[]) {
    if (wanted[field] === undefined) continue;
    const mine = bound(field, own[field]);
    if (mine === null) continue;
    const theirs = bound(field, wanted[field] ?? null);
    if (theirs === null || theirs > mine) {
      out.push(`${DESCRIBE[field](wanted[field] ?? null)} is looser than this key's ${DESCRIBE[field](own[field])}`);
    }
  }
  return out;
}

/** Refuses limits looser than the actor's own (creating a key or changing another one). */
export function requireWithinOwnLimits(own: KeyLimits, wanted: Partial<KeyLimits>): void {
  const looser = looserLimits(own, wanted);
  if (looser.length > 0) {
    throw new ForbiddenError(`A key cannot grant limits looser than its own: ${looser.join('; ')}`);
  }
}

/** What a key may change on its own record: its name, and revoke itself. */
const SELF_FIELDS: ReadonlySet<string> = new Set(['name', 'revoked_at']);

/** Checks a PATCH of `target` by `actor`; `own` is the actor's own record. */
export function checkKeyPatch(actor: Actor, own: KeyLimits, targetId: string, patch: ApiKeyPatch): void {
  if (targetId === actor.keyId) {
    const refused = Object.keys(patch).filter((f) => !SELF_FIELDS.has(f));
    if (refused.length > 0) {
      throw new ForbiddenError(
        `A key cannot change its own ${refused.map((f) => (f === 'expires_at' ? 'expiry_date' : f)).join(', ')}; ` +
          'use another admin key or the switchyard CLI',
      );
    }
    return;
  }
  requireRole(actor, 'admin', "Changing another key's record");
  requireWithinOwnLimits(own, patch);
}

/** Reading or deleting a record: one's own, or any as admin. */
export function checkKeyAccess(actor: Actor, targetId: string, action: string): void {
  if (targetId !== actor.keyId) requireRole(actor, 'admin', `${action} another key's record`);
}
