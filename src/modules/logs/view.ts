/**
 * The wire shapes of spans, in one place: the created-log answer (seed 001),
 * the full log (universal fields, legacy prompt_messages/completion_message
 * for chat-like types, ISO timestamps, `id` = unique_id) and traces.
 */
import type { StoredSpan, ThreadSummary, TraceSummary } from '../../store/types.ts';

const CHAT_LIKE = new Set(['chat', 'completion', 'text', 'response']);

export const iso = (ms: number) => new Date(ms).toISOString();

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `prompt_messages` from the stored input: a messages array, or the text as one user message. */
export function promptMessages(input: string | null): unknown[] {
  if (input === null) return [];
  const v = parseJson(input);
  if (Array.isArray(v)) return v;
  if (v !== null && typeof v === 'object' && Array.isArray((v as { messages?: unknown }).messages)) {
    return (v as { messages: unknown[] }).messages;
  }
  return [{ role: 'user', content: typeof v === 'string' ? v : input }];
}

/** `completion_message` from the stored output: the message object, or the text as the assistant's message. */
export function completionMessage(output: string | null): unknown {
  if (output === null) return null;
  const v = parseJson(output);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
  if (Array.isArray(v)) return v[v.length - 1] ?? null;
  return { role: 'assistant', content: typeof v === 'string' ? v : output };
}

/** The answer of a blocking create (seed 001). */
export function createdView(s: StoredSpan | Omit<StoredSpan, 'id'>) {
  return {
    id: s.unique_id,
    unique_id: s.unique_id,
    organization_id: s.org_id,
    customer_identifier: s.customer_identifier,
    status: s.status,
    cost: s.cost,
    timestamp: iso(s.timestamp),
    log_type: s.log_type,
    trace_unique_id: s.trace_unique_id,
  };
}

/** A full log as list and get return it. Unknown ingest fields come back too, under the typed ones. */
export function logView(s: StoredSpan) {
  const legacy = CHAT_LIKE.has(s.log_type)
    ? { prompt_messages: promptMessages(s.input), completion_message: completionMessage(s.output) }
    : {};
  return {
    ...s.extra,
    id: s.unique_id,
    unique_id: s.unique_id,
    organization_id: s.org_id,
    environment: s.environment,
    log_type: s.log_type,
    model: s.model,
    provider_id: s.provider_id,
    status: s.status,
    status_code: s.status_code,
    error_message: s.error_message,
    start_time: iso(s.start_time),
    timestamp: iso(s.timestamp),
    latency: s.latency,
    generation_time: s.latency,
    time_to_first_token: s.time_to_first_token,
    tokens_per_second: s.tokens_per_second,
    prompt_tokens: s.prompt_tokens,
    completion_tokens: s.completion_tokens,
    total_request_tokens: s.total_request_tokens,
    usage: {
      prompt_tokens: s.prompt_tokens,
      completion_tokens: s.completion_tokens,
      total_tokens: s.total_request_tokens,
      prompt_tokens_details: { cached_tokens: s.cached_tokens },
      cache_creation_prompt_tokens: s.cache_creation_tokens,
      completion_tokens_details: { reasoning_tokens: s.reasoning_tokens },
    },
    cost: s.cost,
    customer_identifier: s.customer_identifier,
    custom_identifier: s.custom_identifier,
    thread_identifier: s.thread_identifier,
    trace_unique_id: s.trace_unique_id,
    span_unique_id: s.span_unique_id,
    span_parent_id: s.span_parent_id,
    span_name: s.span_name,
    span_workflow_name: s.span_workflow_name,
    span_path: s.span_path,
    span_entity_name: s.span_entity_name,
    prompt_id: s.prompt_id,
    prompt_version: s.prompt_version,
    stream: s.stream,
    cache_hit: s.cached,
    positive_feedback: s.positive_feedback,
    metadata: s.metadata ?? {},
    input: s.input,
    output: s.output,
    ...legacy,
  };
}

export function traceView(t: TraceSummary) {
  return {
    id: t.trace_unique_id,
    trace_unique_id: t.trace_unique_id,
    environment: t.environment,
    start_time: iso(t.start_time),
    end_time: iso(t.end_time),
    duration: (t.end_time - t.start_time) / 1000,
    span_count: t.span_count,
    llm_call_count: t.llm_call_count,
    error_count: t.error_count,
    total_prompt_tokens: t.total_prompt_tokens,
    total_completion_tokens: t.total_completion_tokens,
    total_tokens: t.total_tokens,
    total_cost: t.total_cost,
    customer_identifier: t.customer_identifier,
    name: t.name,
    input: t.input,
    output: t.output,
    metadata: t.metadata ?? {},
  };
}

export type LogView = ReturnType<typeof logView>;
export type SpanNode = LogView & { children: SpanNode[] };

/**
 * Nests spans by `span_parent_id` -> `span_unique_id`. A span whose parent is
 * not in the trace is a root, so a partly ingested trace still shows every
 * span. Children keep the input order (start time).
 */
export function spanTree(spans: StoredSpan[]): SpanNode[] {
  const nodes = spans.map((s) => ({ span: s, node: { ...logView(s), children: [] as SpanNode[] } }));
  const byId = new Map<string, SpanNode>();
  for (const { span, node } of nodes) if (span.span_unique_id) byId.set(span.span_unique_id, node);
  const roots: SpanNode[] = [];
  for (const { span, node } of nodes) {
    const parent = span.span_parent_id ? byId.get(span.span_parent_id) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

export function threadView(t: ThreadSummary) {
  return {
    id: t.thread_identifier,
    thread_identifier: t.thread_identifier,
    environment: t.environment,
    customer_identifier: t.customer_identifier,
    log_count: t.log_count,
    start_time: iso(t.start_time),
    end_time: iso(t.end_time),
    total_cost: t.total_cost,
    total_tokens: t.total_tokens,
  };
}
