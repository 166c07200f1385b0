/**
 * API keys: `<8-char prefix>.<32-char secret>`, shown once, stored as a
 * SHA-256 hash. Authentication looks the key up by its prefix and compares
 * hashes in constant time. Verified key records are cached briefly so the hot
 * path does not hit the database; every change is published on the
 * invalidation feed, so every gateway sharing the backend drops its copy
 * within about a second (the CLI, which has no feed, within the TTL). What
 * decides admission is shared: the rate limit is counted by the shared rate
 * limiter, max_usage by an atomic increment in the store, and a key with a
 * spending_limit is read fresh on every call.
 *
 * While the database cannot be reached, a key this gateway verified in the
 * last `OUTAGE_GRACE_MS` keeps working as it last read it (its spend for a
 * spending limit included), so proxying goes on through a database outage; a
 * key it has not seen, or one with max_usage (counted in the database), gets
 * the 503.
 */
import { LRUCache } from 'lru-cache';
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  AuthInvalidError,
  AuthMissingError,
  BudgetExceededError,
  NotFoundError,
  RateLimitError,
  StorageUnavailableError,
} from '../../errors.ts';
import { newId, randomToken } from '../../lib/ids.ts';
import type { InvalidationFeed, RateLimiter } from '../../store/state-types.ts';
import type { Authenticator, Principal } from '../../principal.ts';
import type { ApiKeyPatch, ApiKeyRecord, KeyRole } from '../../store/key-types.ts';
import type { Environment, Store } from '../../store/types.ts';
import { checkKeyAccess, checkKeyPatch, type KeyLimits, requireRole, requireWithinOwnLimits } from './policy.ts';

const KEY_FORMAT = /^([A-Za-z0-9]{8})\.([A-Za-z0-9]{32})$/;
const CACHE_TTL_MS = 5_000;
const OUTAGE_GRACE_MS = 10 * 60_000;

export interface NewKey {
  name: string;
  environment: Environment;
  role: KeyRole;
  expires_at?: number | null;
  max_usage?: number;
  rate_limit?: number | null;
  spending_limit?: number | null;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A record's stored hash as bytes, decoded once per record read (not per request). */
const hashBytes = new WeakMap<ApiKeyRecord, Uint8Array>();
function principalOf(rec: ApiKeyRecord): Principal {
  return { orgId: rec.org_id, keyId: rec.id, environment: rec.environment, role: rec.role };
}

function storedHash(rec: ApiKeyRecord): Uint8Array {
  let bytes = hashBytes.get(rec);
  if (!bytes) {
    bytes = Buffer.from(rec.hash, 'hex');
    hashBytes.set(rec, bytes);
  }
  return bytes;
}

export class KeyService implements Authenticator {
  /** Verified records; fresh for CACHE_TTL_MS, kept up to OUTAGE_GRACE_MS for a database outage. */
  private readonly cache = new LRUCache<string, { rec: ApiKeyRecord; readAt: number }>({ max: 10_000, ttl: OUTAGE_GRACE_MS });

  constructor(
    private readonly store: Store,
    private readonly limiter: RateLimiter,
    private readonly feed: InvalidationFeed | null,
    private readonly now: () => number = Date.now,
  ) {
    feed?.subscribe((c) => {
      if (c.topic === 'keys') this.cache.delete(c.id);
    });
  }

  /** Creates a key; the returned `key` is the only time the secret is seen. */
  async create(orgId: string, spec: NewKey, value?: string): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = value ?? `${randomToken(8)}.${randomToken(32)}`;
    const m = KEY_FORMAT.exec(key);
    if (!m) throw new Error('API key must look like <8 letters or digits>.<32 letters or digits>');
    const record: ApiKeyRecord = {
      id: newId('key'),
      org_id: orgId,
      prefix: m[1] as string,
      hash: hashKey(key),
      name: spec.name,
      environment: spec.environment,
      role: spec.role,
      created_at: this.now(),
      expires_at: spec.expires_at ?? null,
      revoked_at: null,
      max_usage: spec.max_usage ?? -1,
      usage_count: 0,
      rate_limit: spec.rate_limit ?? null,
      spending_limit: spec.spending_limit ?? null,
      spent: 0,
      last_used_at: null,
    };
    await this.store.keys.insert(record);
    return { record, key };
  }

  /**
   * Resolves the caller from a raw key, or throws (rejects with) the reference's 401/402/429. A key
   * read within CACHE_TTL_MS with no use cap, rate limit or spending limit (the common call) is
   * checked without an async step of its own.
   */
  authenticate(raw: string | null): Promise<Principal> {
    let prefix: string;
    let cached: { rec: ApiKeyRecord; readAt: number } | undefined;
    try {
      if (!raw) throw new AuthMissingError();
      const m = KEY_FORMAT.exec(raw);
      if (!m) throw new AuthInvalidError();
      prefix = m[1] as string;
      cached = this.cache.get(prefix);
      const rec = cached?.rec;
      // Spend is added by whichever gateway stores the span: a spending limit needs it fresh.
      const fresh = cached && this.now() - cached.readAt < CACHE_TTL_MS && cached.rec.spending_limit === null;
      if (fresh && rec && rec.max_usage < 0 && rec.rate_limit === null) {
        this.verify(raw, rec);
        return Promise.resolve(principalOf(rec));
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return this.authenticateFully(raw, prefix, cached);
  }

  private async authenticateFully(raw: string, prefix: string, cached: { rec: ApiKeyRecord; readAt: number } | undefined): Promise<Principal> {
    const fresh = cached && this.now() - cached.readAt < CACHE_TTL_MS && cached.rec.spending_limit === null;
    const rec = fresh ? cached.rec : await this.lookup(prefix, cached?.rec);
    const now = this.verify(raw, rec);
    if (rec.max_usage >= 0) {
      if (rec.usage_count >= rec.max_usage) throw new AuthInvalidError();
      rec.usage_count = await this.store.keys.recordUse(rec.id, now);
      if (rec.usage_count > rec.max_usage) throw new AuthInvalidError();
    }
    if (rec.rate_limit !== null) {
      const d = await this.limiter.hit(`key:${rec.id}`, rec.rate_limit);
      if (!d.allowed) throw new RateLimitError(d.retryAfterSeconds);
    }
    if (rec.spending_limit !== null && rec.spent >= rec.spending_limit) {
      throw new BudgetExceededError('spending_limit', rec.spending_limit, rec.spent);
    }
    return principalOf(rec);
  }

  /** The key is this record's, not revoked, not expired (else 401); returns the time it checked at. */
  private verify(raw: string, rec: ApiKeyRecord): number {
    const given = Bun.SHA256.hash(raw) as Uint8Array;
    const stored = storedHash(rec);
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) throw new AuthInvalidError();
    const now = this.now();
    if (rec.revoked_at !== null || (rec.expires_at !== null && rec.expires_at <= now)) {
      throw new AuthInvalidError();
    }
    return now;
  }

  /** The stored record, cached; the cached copy (if any) while the database cannot be reached. */
  private async lookup(prefix: string, known: ApiKeyRecord | undefined): Promise<ApiKeyRecord> {
    let rec: ApiKeyRecord | null;
    try {
      rec = await this.store.keys.findByPrefix(prefix);
    } catch (err) {
      if (known && err instanceof StorageUnavailableError) return known;
      throw err;
    }
    if (!rec) {
      this.cache.delete(prefix);
      throw new AuthInvalidError();
    }
    this.cache.set(prefix, { rec, readAt: this.now() });
    return rec;
  }

  /** A key created over HTTP: only by an admin, never looser than the admin's own key (policy.ts). */
  async createAs(actor: Principal, spec: NewKey): Promise<{ record: ApiKeyRecord; key: string }> {
    requireRole(actor, 'admin', 'Creating keys');
    requireWithinOwnLimits(await this.own(actor), {
      expires_at: spec.expires_at ?? null,
      max_usage: spec.max_usage ?? -1,
      rate_limit: spec.rate_limit ?? null,
      spending_limit: spec.spending_limit ?? null,
    });
    return this.create(actor.orgId, spec);
  }

  async listAs(actor: Principal): Promise<ApiKeyRecord[]> {
    requireRole(actor, 'admin', 'Listing keys');
    return this.list(actor.orgId);
  }

  async getAs(actor: Principal, id: string): Promise<ApiKeyRecord> {
    checkKeyAccess(actor, id, 'Reading');
    return this.get(actor.orgId, id);
  }

  async updateAs(actor: Principal, id: string, patch: ApiKeyPatch): Promise<ApiKeyRecord> {
    checkKeyPatch(actor, await this.own(actor), id, patch);
    return this.update(actor.orgId, id, patch);
  }

  async deleteAs(actor: Principal, id: string): Promise<void> {
    checkKeyAccess(actor, id, 'Deleting');
    await this.delete(actor.orgId, id);
  }

  /** The actor's own limits, read fresh (the authentication cache may be 5 s old). */
  private async own(actor: Principal): Promise<KeyLimits> {
    const rec = await this.store.keys.get(actor.orgId, actor.keyId);
    if (!rec) throw new AuthInvalidError();
    return rec;
  }

  list(orgId: string): Promise<ApiKeyRecord[]> {
    return this.store.keys.list(orgId);
  }

  async get(orgId: string, id: string): Promise<ApiKeyRecord> {
    const rec = await this.store.keys.get(orgId, id);
    if (!rec) throw new NotFoundError('API key not found');
    return rec;
  }

  async update(orgId: string, id: string, patch: ApiKeyPatch): Promise<ApiKeyRecord> {
    const rec = await this.store.keys.update(orgId, id, patch);
    if (!rec) throw new NotFoundError('API key not found');
    await this.changed(rec);
    return rec;
  }

  async revoke(orgId: string, id: string): Promise<ApiKeyRecord> {
    return this.update(orgId, id, { revoked_at: this.now() });
  }

  async delete(orgId: string, id: string): Promise<void> {
    const rec = await this.get(orgId, id);
    await this.store.keys.delete(orgId, id);
    await this.changed(rec);
  }

  private async changed(rec: ApiKeyRecord): Promise<void> {
    this.cache.delete(rec.prefix);
    await this.feed?.publish({ topic: 'keys', orgId: rec.org_id, id: rec.prefix });
  }
}
