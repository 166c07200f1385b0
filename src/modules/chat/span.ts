/**
 * The span of one proxy call, success or failure, and the `request_breakdown`
 * summary built from the same facts. Credentials never reach either: the
 * recorded request is the upstream body (gateway parameters stripped).
 */
import { timeOrderedId } from '../../lib/ids.ts';
import { spanJsonText } from '../../store/span-depth.ts';
import type { Environment, SpanRecord } from '../../store/types.ts';
import type { GatewayParams } from '../../schemas/gateway.ts';
import type { AttemptRecord } from '../../routing/engine.ts';
import type { TokenCounts } from './usage.ts';

export interface CallFacts {
  orgId: string;
  environment: Environment;
  apiKeyId: string;
  logType: 'chat' | 'embedding';
  /** The client-facing API of a completion ('chat', 'responses', 'messages'); null for embeddings. */
  api: string | null;
  params: GatewayParams & { model?: string };
  /** The upstream request body (no gateway parameters, no credentials). */
  request: Record<string, unknown>;
  /** Prompt messages (chat) or the input (embeddings). */
  input: unknown;
  /** The completion message (chat), or null. */
  output: unknown;
  model: string | null;
  provider: string | null;
  tokens: TokenCounts;
  cost: number;
  statusCode: number;
  errorMessage: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
  /** Seconds. */
  latency: number;
  ttft: number | null;
  stream: boolean;
  cached: boolean;
  customerId: string | null;
  attempts: AttemptRecord[];
  warnings: string[];
  limitInfo: Record<string, unknown> | null;
  prompt: { id: string; version: number; variables: Record<string, unknown>; name?: string } | null;
  /** Gateway time in seconds, upstream excluded. */
  overhead: number;
}

function tokensPerSecond(completion: number, latency: number): number | null {
  return latency > 0 && completion > 0 ? completion / latency : null;
}

export function buildSpan(f: CallFacts): SpanRecord {
  const p = f.params;
  const noLog = p.disable_log === true;
  const extra: Record<string, unknown> = {
    attempts: f.attempts,
    gateway_overhead_ms: Math.round(f.overhead * 1e6) / 1e3,
  };
  if (f.warnings.length) extra.warnings = f.warnings;
  if (f.api && f.api !== 'chat') extra.api = f.api;
  if (f.limitInfo && Object.keys(f.limitInfo).length) extra.limit_info = f.limitInfo;
  if (p.customer_params) extra.customer_params = p.customer_params;
  if (p.disable_log) extra.disable_log = true;
  if (p.request_breakdown) extra.request_breakdown = true;
  if (f.prompt?.name) extra.prompt_name = f.prompt.name;
  if (f.prompt && !noLog) extra.prompt_variables = f.prompt.variables;
  if (!noLog) {
    const r = f.request;
    if (r.tools !== undefined) extra.tools = r.tools;
    if (r.tool_choice !== undefined) extra.tool_choice = r.tool_choice;
    extra.full_request = { ...r, model: p.model ?? f.model };
  }
  const total = f.tokens.prompt_tokens + f.tokens.completion_tokens;
  return {
    // Time-ordered: the unique index grows at its right edge (see timeOrderedId).
    unique_id: timeOrderedId('span', f.endedAt),
    org_id: f.orgId,
    environment: f.environment,
    api_key_id: f.apiKeyId,
    log_type: f.logType,
    model: f.model,
    provider_id: f.provider,
    status: f.statusCode < 400 ? 'success' : 'error',
    status_code: f.statusCode,
    error_message: f.errorMessage,
    start_time: f.startedAt,
    timestamp: f.endedAt,
    latency: f.latency,
    time_to_first_token: f.ttft,
    tokens_per_second: tokensPerSecond(f.tokens.completion_tokens, f.latency),
    prompt_tokens: f.tokens.prompt_tokens,
    completion_tokens: f.tokens.completion_tokens,
    total_request_tokens: total,
    cached_tokens: f.tokens.cached_tokens,
    cache_creation_tokens: f.tokens.cache_creation_tokens,
    reasoning_tokens: f.tokens.reasoning_tokens,
    cost: f.cost,
    customer_identifier: f.customerId,
    custom_identifier: p.custom_identifier ?? null,
    thread_identifier: p.thread_identifier ?? null,
    trace_unique_id: p.trace_unique_id ?? null,
    span_unique_id: null,
    span_parent_id: p.span_parent_id ?? null,
    span_name: p.span_name ?? null,
    span_workflow_name: p.span_workflow_name ?? null,
    span_path: null,
    span_entity_name: null,
    prompt_id: f.prompt?.id ?? null,
    prompt_version: f.prompt?.version ?? null,
    stream: f.stream,
    cached: f.cached,
    positive_feedback: p.positive_feedback ?? null,
    metadata: p.metadata ?? null,
    input: noLog || f.input === undefined ? null : spanJsonText(f.input),
    output: noLog || f.output === null || f.output === undefined ? null : spanJsonText(f.output),
    extra,
  };
}

/** The documented `request_breakdown` summary (seed 002). */
export function requestBreakdown(f: CallFacts): Record<string, unknown> {
  return {
    prompt_tokens: f.tokens.prompt_tokens,
    completion_tokens: f.tokens.completion_tokens,
    cost: f.cost,
    prompt_messages: f.params.disable_log ? null : f.input,
    completion_message: f.params.disable_log ? null : f.output,
    model: f.model,
    provider_id: f.provider,
    cached: f.cached,
    timestamp: new Date(f.endedAt).toISOString(),
    status_code: f.statusCode,
    stream: f.stream,
    latency: f.latency,
    time_to_first_token: f.ttft,
    scores: {},
    metadata: f.params.metadata ?? {},
    routing_time: f.overhead,
    full_request: f.params.disable_log ? null : { ...f.request, model: f.params.model ?? f.model },
    attempts: f.attempts,
    warnings: f.warnings,
  };
}
