import type { SpanRecord } from '../../src/store/types.ts';

let n = 0;

/** A complete span with sensible defaults; override what the test is about. */
export function span(over: Partial<SpanRecord> = {}): SpanRecord {
  n++;
  const t = Date.parse('2026-06-15T12:00:00Z');
  return {
    unique_id: `span-${n}-${Math.random().toString(36).slice(2)}`,
    org_id: 'org_test',
    environment: 'prod',
    api_key_id: null,
    log_type: 'chat',
    model: 'gpt-4o-mini',
    provider_id: 'openai',
    status: 'success',
    status_code: 200,
    error_message: '',
    start_time: t - 1000,
    timestamp: t,
    latency: 1,
    time_to_first_token: 0.2,
    tokens_per_second: 10,
    prompt_tokens: 5,
    completion_tokens: 10,
    total_request_tokens: 15,
    cached_tokens: 0,
    cache_creation_tokens: 0,
    reasoning_tokens: 0,
    cost: 0.001,
    customer_identifier: null,
    custom_identifier: null,
    thread_identifier: null,
    trace_unique_id: null,
    span_unique_id: null,
    span_parent_id: null,
    span_name: null,
    span_workflow_name: null,
    span_path: null,
    span_entity_name: null,
    prompt_id: null,
    prompt_version: null,
    stream: false,
    cached: false,
    positive_feedback: null,
    metadata: null,
    input: null,
    output: null,
    extra: {},
    ...over,
  };
}
