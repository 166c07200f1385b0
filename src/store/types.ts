/**
 * The storage interface: the `Store` every backend implements, the scope every
 * record is read and written in, and the span store. Each other part sits
 * beside it in its own file (key-, model-, customer-, prompt-,
 * analytics-types.ts; shared state in state-types.ts). Every method is async,
 * even where SQLite answers at once, so backends are interchangeable.
 */
import type { AnalyticsStore } from './analytics-types.ts';
import type { SortSpec, TypedCondition } from '../query/filters.ts';
import type { CustomerStore } from './customer-types.ts';
import type { KeyStore, OrgStore } from './key-types.ts';
import type { ModelStore } from './model-types.ts';
import type { PromptStore } from './prompt-types.ts';
import type { CommittedUsage } from './state-types.ts';

export type Environment = 'prod' | 'test';

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
  /** Dotted path of the entities that enclose the span (Traceloop's `traceloop.entity.path`). */
  span_path: string | null;
  /** The span's own entity name (`traceloop.entity.name`): a child's `span_path` ends with it. */
  span_entity_name: string | null;
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

/** What parent re-attachment reads of each span of a trace (src/modules/traces/links.ts): no input or output. */
export type SpanLink = Pick<
  SpanRecord,
  | 'unique_id'
  | 'log_type'
  | 'start_time'
  | 'timestamp'
  | 'span_unique_id'
  | 'span_parent_id'
  | 'span_workflow_name'
  | 'span_path'
  | 'span_entity_name'
>;

/** A parent and/or workflow name for a stored span that has none yet. */
export interface SpanLinkFill {
  unique_id: string;
  span_parent_id?: string;
  span_workflow_name?: string;
}

/** A stored span: the record plus the row id that `sort_by=-id` orders by. */
export interface StoredSpan extends SpanRecord {
  id: number;
}

/** Log types that are calls to a model; traces count them as `llm_call_count`. */
export const LLM_LOG_TYPES = [
  'text', 'chat', 'completion', 'response', 'embedding', 'transcription', 'speech', 'generation',
] as const;

export interface SpanQuery {
  scope: Scope;
  /** Inclusive epoch-ms window on `timestamp`. */
  from: number;
  to: number;
  filters: TypedCondition[];
  sort: SortSpec;
  /** 1-based. */
  page: number;
  pageSize: number;
}

export interface SpanPage {
  /** Exact when `countExact`; otherwise a lower bound: more than 10,000 rows match (the store stops counting there). */
  count: number;
  countExact: boolean;
  /** Whether a page follows this one (known without an exact count). */
  hasMore: boolean;
  spans: StoredSpan[];
}

export interface SpanSummary {
  number_of_requests: number;
  total_cost: number;
  total_tokens: number;
  total_prompt_tokens: number;
  total_completion_tokens: number;
  avg_latency: number | null;
  avg_ttft: number | null;
  avg_tps: number | null;
  error_count: number;
}

/** What PATCH may change on a span. `metadata` is merged into the stored object. */
export interface SpanPatch {
  metadata?: Record<string, unknown>;
  custom_identifier?: string | null;
  note?: string | null;
  positive_feedback?: boolean | null;
}

/** Aggregates of one trace, computed from its spans. */
export interface TraceSummary {
  trace_unique_id: string;
  environment: Environment;
  /** Epoch ms: earliest span start and latest span end. */
  start_time: number;
  end_time: number;
  span_count: number;
  llm_call_count: number;
  error_count: number;
  total_prompt_tokens: number;
  total_completion_tokens: number;
  total_tokens: number;
  total_cost: number;
  customer_identifier: string | null;
  /** Workflow name of the root span (or of any span). */
  name: string | null;
  /** The root span's input/output/metadata. */
  input: string | null;
  output: string | null;
  metadata: Record<string, unknown> | null;
}

export interface TraceQuery {
  scope: Scope;
  from: number;
  to: number;
  /** Fields of TraceSummary (plus `duration`), same operators as spans. */
  filters: TypedCondition[];
  sort: SortSpec;
  page: number;
  pageSize: number;
}

export interface ThreadSummary {
  thread_identifier: string;
  environment: Environment;
  customer_identifier: string | null;
  log_count: number;
  start_time: number;
  end_time: number;
  total_cost: number;
  total_tokens: number;
}

export interface ThreadQuery {
  scope: Scope;
  from: number;
  to: number;
  /** Only thread_identifier and customer_identifier. */
  filters: TypedCondition[];
  page: number;
  pageSize: number;
}

export interface SpanStore {
  /**
   * Inserts a batch in one transaction with everything derived from it
   * (src/usage/accounting.ts: key spend, customers and their buckets), and
   * returns, once committed, the customer spend it added.
   */
  insertBatch(spans: SpanRecord[]): Promise<CommittedUsage[]>;
  get(orgId: string, uniqueId: string): Promise<StoredSpan | null>;
  count(scope: Scope): Promise<number>;
  list(q: SpanQuery): Promise<SpanPage>;
  summary(q: Omit<SpanQuery, 'sort' | 'page' | 'pageSize'>): Promise<SpanSummary>;
  /** Null when no such span in the organization. */
  update(orgId: string, uniqueId: string, patch: SpanPatch): Promise<StoredSpan | null>;
  delete(orgId: string, uniqueId: string): Promise<boolean>;
  /** Counts, like list's, are exact up to 10,000 matches and a lower bound beyond. */
  listTraces(q: TraceQuery): Promise<{ count: number; countExact: boolean; traces: TraceSummary[] }>;
  /** Every span of a trace within the scope, ordered by start_time then id. */
  traceSpans(scope: Scope, traceId: string): Promise<StoredSpan[]>;
  /** The link fields of every span of a trace within the scope, in no particular order. */
  traceLinks(scope: Scope, traceId: string): Promise<SpanLink[]>;
  /**
   * Sets each fill's parent and workflow name on the organization's span
   * where that field is still null: a value already stored is never replaced,
   * so fills computed from different snapshots of a trace cannot undo each other.
   */
  fillLinks(orgId: string, fills: SpanLinkFill[]): Promise<void>;
  deleteTrace(scope: Scope, traceId: string): Promise<number>;
  listThreads(q: ThreadQuery): Promise<{ count: number; countExact: boolean; threads: ThreadSummary[] }>;
  /** Every span of a thread within the scope, oldest first. */
  threadSpans(scope: Scope, threadId: string): Promise<StoredSpan[]>;
  /**
   * Retention: deletes up to `limit` spans (of any organization) that ended
   * before `before` (epoch ms), with the trace and thread rows left without
   * spans; returns how many spans went. Usage figures and rollups stay. A
   * backend that keeps spans in time partitions may also drop every partition
   * wholly before `before` in the same call, and counts their spans too.
   */
  purge(before: number, limit: number): Promise<number>;
  /**
   * Retention of bodies: empties the input, output and full request of up to
   * `limit` spans that ended before `before` and still have them, keeping
   * everything else; returns how many were emptied.
   */
  purgeBodies(before: number, limit: number): Promise<number>;
}

export interface Store {
  readonly orgs: OrgStore;
  readonly models: ModelStore;
  readonly keys: KeyStore;
  readonly spans: SpanStore;
  readonly prompts: PromptStore;
  readonly customers: CustomerStore;
  readonly analytics: AnalyticsStore;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  /** Bytes the database takes on disk (SQLite: the file and its write-ahead log). */
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}
