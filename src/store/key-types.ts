/** Organizations and their API keys, as the store keeps them. */
import type { Environment } from './types.ts';

/** What a key may do, least to most (README "Key roles"). */
export const KEY_ROLES = ['read_only', 'member', 'admin'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

export interface Organization {
  id: string;
  name: string;
  created_at: number;
}

export interface ApiKeyRecord {
  id: string;
  org_id: string;
  /** The public 8-character part of the key, unique. */
  prefix: string;
  /** Hex SHA-256 of the whole key. */
  hash: string;
  name: string;
  environment: Environment;
  role: KeyRole;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  /** -1 means unlimited. */
  max_usage: number;
  usage_count: number;
  /** Requests per minute; null means unlimited. */
  rate_limit: number | null;
  /** USD; null means unlimited. */
  spending_limit: number | null;
  spent: number;
  last_used_at: number | null;
}

export type ApiKeyPatch = Partial<
  Pick<ApiKeyRecord, 'name' | 'role' | 'expires_at' | 'max_usage' | 'rate_limit' | 'spending_limit' | 'revoked_at'>
>;

export interface OrgStore {
  /**
   * The organization of that name, created when absent, in one atomic step
   * (gateways starting together on one database agree on it). `firstStart`:
   * no organization existed before this call, so exactly one caller sees it.
   */
  ensure(name: string): Promise<{ org: Organization; firstStart: boolean }>;
  getByName(name: string): Promise<Organization | null>;
  get(id: string): Promise<Organization | null>;
}

export interface KeyStore {
  insert(key: ApiKeyRecord): Promise<void>;
  findByPrefix(prefix: string): Promise<ApiKeyRecord | null>;
  list(orgId: string): Promise<ApiKeyRecord[]>;
  get(orgId: string, id: string): Promise<ApiKeyRecord | null>;
  update(orgId: string, id: string, patch: ApiKeyPatch): Promise<ApiKeyRecord | null>;
  delete(orgId: string, id: string): Promise<boolean>;
  /** Counts one use; returns the new usage count. */
  recordUse(id: string, at: number): Promise<number>;
}
