/**
 * The storage interface of the project. Routes, services and routing depend on
 * this file only; `store/sqlite` is one implementation and a PostgreSQL one
 * comes later, so every method is async even where SQLite is not.
 */
import type { ChatMessage, ResponseFormat, Tool, ToolChoice } from '../schemas/openai.ts';
import type { LoadBalanceModel } from '../schemas/prompt.ts';

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

export interface PromptRecord {
  /** The public `prompt_id`. */
  id: string;
  org_id: string;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
  /** The last version number handed out; numbers are never reused. */
  last_version: number;
  /** The deployed version, or null before the first deploy. */
  live_version: number | null;
}

export type PromptPatch = Partial<Pick<PromptRecord, 'name' | 'description'>>;

/** The content of a prompt version; null means the version does not set that parameter. */
export interface PromptVersionContent {
  messages: ChatMessage[];
  model: string;
  temperature: number | null;
  max_tokens: number | null;
  top_p: number | null;
  frequency_penalty: number | null;
  presence_penalty: number | null;
  stop: string | string[] | null;
  tools: Tool[] | null;
  tool_choice: ToolChoice | null;
  response_format: ResponseFormat | null;
  fallback_models: string[] | null;
  load_balance_models: LoadBalanceModel[] | null;
}

export interface PromptVersionRecord extends PromptVersionContent {
  prompt_id: string;
  version: number;
  /** Placeholder names used by `messages`, in order of first use. */
  variables: string[];
  created_at: number;
  updated_at: number;
  /** When first deployed; a version deployed once is frozen. */
  deployed_at: number | null;
}

/** A new version: its content and the variables parsed from it. */
export interface NewPromptVersion extends PromptVersionContent {
  variables: string[];
}

export type PromptVersionPatch = Partial<NewPromptVersion>;

/** Outcome of a conditional write on a version. */
export type VersionWrite =
  | { status: 'ok'; version: PromptVersionRecord }
  | { status: 'not_found' }
  /** Frozen (update) or live (delete): the write was refused and nothing changed. */
  | { status: 'refused'; version: PromptVersionRecord };

export interface PromptStore {
  create(prompt: PromptRecord): Promise<void>;
  list(orgId: string): Promise<PromptRecord[]>;
  get(orgId: string, promptId: string): Promise<PromptRecord | null>;
  update(orgId: string, promptId: string, patch: PromptPatch, at: number): Promise<PromptRecord | null>;
  /** Deletes the prompt and all its versions. */
  delete(orgId: string, promptId: string): Promise<boolean>;
  /**
   * Allocates the next version number and inserts the version in one
   * transaction (so concurrent creates get distinct numbers), deploying it
   * when asked. Null when the prompt is not in the organization.
   */
  addVersion(
    orgId: string,
    promptId: string,
    content: NewPromptVersion,
    at: number,
    deploy: boolean,
  ): Promise<PromptVersionRecord | null>;
  listVersions(orgId: string, promptId: string): Promise<PromptVersionRecord[]>;
  /** A version by number, or the newest with 'latest'. */
  getVersion(orgId: string, promptId: string, version: number | 'latest'): Promise<PromptVersionRecord | null>;
  /** Changes a version's content unless it has ever been deployed ('refused'). */
  updateVersion(
    orgId: string,
    promptId: string,
    version: number,
    patch: PromptVersionPatch,
    at: number,
  ): Promise<VersionWrite>;
  /** Makes the version the live one (the previous live one stops being live). */
  deploy(orgId: string, promptId: string, version: number, at: number): Promise<VersionWrite>;
  /** Deletes a version unless it is the live one ('refused'). */
  deleteVersion(orgId: string, promptId: string, version: number, at: number): Promise<VersionWrite>;
}

/** A custom model of one organization (`/api/models/`); prices USD per 1M tokens, null = built-in. */
export interface CustomModelRecord {
  org_id: string;
  model_name: string;
  base_model_name: string | null;
  provider_id: string;
  input_cost: number | null;
  output_cost: number | null;
  cache_hit_input_cost: number | null;
  cache_creation_input_cost: number | null;
  max_context_window: number | null;
  created_at: number;
  updated_at: number;
}

export type CustomModelPatch = Partial<Omit<CustomModelRecord, 'org_id' | 'model_name' | 'created_at'>>;

export interface ModelStore {
  list(orgId: string): Promise<CustomModelRecord[]>;
  get(orgId: string, name: string): Promise<CustomModelRecord | null>;
  /** False when the organization already has a model of that name. */
  insert(rec: CustomModelRecord): Promise<boolean>;
  update(orgId: string, name: string, patch: CustomModelPatch): Promise<CustomModelRecord | null>;
  delete(orgId: string, name: string): Promise<boolean>;
}

export interface Store {
  readonly orgs: OrgStore;
  readonly models: ModelStore;
  readonly keys: KeyStore;
  readonly spans: SpanStore;
  readonly prompts: PromptStore;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
