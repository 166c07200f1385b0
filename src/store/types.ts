/**
 * The storage interface of the project. Routes, services and routing depend on
 * this file only; `store/sqlite` is one implementation and a PostgreSQL one
 * comes later, so every method is async even where SQLite is not.
 */

import type { CustomerStore } from './customer-types.ts';

export type Environment = 'prod' | 'test';

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
  Pick<ApiKeyRecord, 'name' | 'expires_at' | 'max_usage' | 'rate_limit' | 'spending_limit' | 'revoked_at'>
>;

/** Which environments a read covers: the key's own by default. */
export type EnvScope = Environment[];

/** Every record is read and written inside one organization and environment scope. */
export interface Scope {
  orgId: string;
  environments: EnvScope;
}

/** A recorded call or unit of work: proxy traffic and ingested logs alike. */
export interface SpanRecord {
  unique_id: string;
  org_id: string;
  environment: Environment;
  api_key_id: string | null;
  log_type: string;
  model: string | null;
  provider_id: string | null;
  status: 'success' | 'error';
  status_code: number;
  error_message: string;
  /** Epoch ms when the call began. */
  start_time: number;
  /** Epoch ms when the call ended. */
  timestamp: number;
  /** Seconds. */
  latency: number | null;
  /** Seconds. */
  time_to_first_token: number | null;
  tokens_per_second: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_request_tokens: number;
  cached_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number;
  /** USD, before any customer markup. */
  cost: number;
  customer_identifier: string | null;
  custom_identifier: string | null;
  thread_identifier: string | null;
  trace_unique_id: string | null;
  span_unique_id: string | null;
  span_parent_id: string | null;
  span_name: string | null;
  span_workflow_name: string | null;
  prompt_id: string | null;
  prompt_version: number | null;
  stream: boolean;
  /** Served from the gateway's response cache. */
  cached: boolean;
  positive_feedback: boolean | null;
  metadata: Record<string, unknown> | null;
  /** JSON-serialized input and output, as the reference returns them. */
  input: string | null;
  output: string | null;
  /** Everything else: tools, tool_choice, warnings, attempts, full_request, limit_info, unknown fields. */
  extra: Record<string, unknown>;
}

/** A stored span: the record plus the row id that `sort_by=-id` orders by. */
export interface StoredSpan extends SpanRecord {
  id: number;
}

export interface OrgStore {
  create(name: string): Promise<Organization>;
  getByName(name: string): Promise<Organization | null>;
  get(id: string): Promise<Organization | null>;
  count(): Promise<number>;
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

export interface SpanStore {
  /** Inserts a batch in one transaction, with everything derived from spans (key spend, usage buckets). */
  insertBatch(spans: SpanRecord[]): Promise<void>;
  get(orgId: string, uniqueId: string): Promise<StoredSpan | null>;
  count(scope: Scope): Promise<number>;
}

export interface Store {
  readonly orgs: OrgStore;
  readonly keys: KeyStore;
  readonly spans: SpanStore;
  readonly customers: CustomerStore;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
