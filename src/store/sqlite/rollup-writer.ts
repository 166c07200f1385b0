/**
 * Persists a rollup plan (src/usage/rollups.ts) inside the span
 * transaction: every figure added with an upsert, extremes kept with
 * min()/max(), so rows from any number of batches and processes add up.
 */
import type { Database, Statement } from 'bun:sqlite';
import { LATENCY_BINS, type Measures, type RollupPlan } from '../../usage/rollups.ts';
import { LLM_LOG_TYPES } from '../types.ts';
import type { SqlValue } from './span-rows.ts';

const LLM_TYPES = LLM_LOG_TYPES.map((t) => `'${t}'`).join(', ');
const HIST = Array.from({ length: LATENCY_BINS }, (_, i) => `h${i}`);

/** Measure columns in insert order, and how an upsert adds them. */
export const MEASURE_COLUMNS = [
  'requests', 'errors', 'cache_hits', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cached_tokens',
  'reasoning_tokens', 'cost', 'latency_sum', 'latency_count', 'ttft_sum', 'ttft_count', 'tps_sum', 'tps_count', ...HIST,
];

function measureParams(m: Measures): SqlValue[] {
  return [
    m.requests, m.errors, m.cache_hits, m.prompt_tokens, m.completion_tokens, m.total_tokens, m.cached_tokens,
    m.reasoning_tokens, m.cost, m.latency_sum, m.latency_count, m.ttft_sum, m.ttft_count, m.tps_sum, m.tps_count,
    ...m.hist,
  ];
}

function upsertMeasures(client: Database, table: string, keys: string[]): Statement {
  const cols = [...keys, ...MEASURE_COLUMNS];
  const adds = MEASURE_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ');
  return client.prepare(
    `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})
     ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${adds}`,
  );
}

/** max() of two texts where null means none (SQLite's max() would return null). */
const maxText = (c: string) => `CASE WHEN ${c} IS NULL THEN excluded.${c} WHEN excluded.${c} IS NULL THEN ${c} ELSE max(${c}, excluded.${c}) END`;

export class RollupWriter {
  private readonly buckets: Statement;
  private readonly minutes: Statement;
  private readonly metadata: Statement;
  private readonly traces: Statement;
  private readonly threads: Statement;

  constructor(private readonly client: Database) {
    this.buckets = upsertMeasures(client, 'rollup_buckets', ['org_id', 'environment', 'bucket', 'model', 'provider_id', 'api_key_id']);
    this.minutes = upsertMeasures(client, 'rollup_minutes', ['org_id', 'environment', 'minute', 'model', 'provider_id', 'api_key_id']);
    this.metadata = upsertMeasures(client, 'rollup_metadata_buckets', ['org_id', 'environment', 'meta_key', 'bucket', 'meta_value']);
    this.traces = client.prepare(
      `INSERT INTO trace_rollups (org_id, environment, trace_unique_id, span_count, llm_call_count, error_count,
         total_prompt_tokens, total_completion_tokens, total_tokens, total_cost, start_time, first_seen, end_time,
         customer_identifier, root_workflow_name, workflow_name, root_span_name)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (org_id, environment, trace_unique_id) DO UPDATE SET
         span_count = span_count + excluded.span_count, llm_call_count = llm_call_count + excluded.llm_call_count,
         error_count = error_count + excluded.error_count,
         total_prompt_tokens = total_prompt_tokens + excluded.total_prompt_tokens,
         total_completion_tokens = total_completion_tokens + excluded.total_completion_tokens,
         total_tokens = total_tokens + excluded.total_tokens, total_cost = total_cost + excluded.total_cost,
         start_time = min(start_time, excluded.start_time), first_seen = min(first_seen, excluded.first_seen),
         end_time = max(end_time, excluded.end_time), customer_identifier = ${maxText('customer_identifier')},
         root_workflow_name = ${maxText('root_workflow_name')}, workflow_name = ${maxText('workflow_name')},
         root_span_name = ${maxText('root_span_name')}`,
    );
    this.threads = client.prepare(
      `INSERT INTO thread_rollups (org_id, environment, thread_identifier, customer_identifier, log_count, start_time,
         first_seen, end_time, total_cost, total_tokens)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (org_id, environment, thread_identifier) DO UPDATE SET
         customer_identifier = ${maxText('customer_identifier')}, log_count = log_count + excluded.log_count,
         start_time = min(start_time, excluded.start_time), first_seen = min(first_seen, excluded.first_seen),
         end_time = max(end_time, excluded.end_time), total_cost = total_cost + excluded.total_cost,
         total_tokens = total_tokens + excluded.total_tokens`,
    );
  }

  /**
   * Recomputes a trace's and a thread's rows from their stored spans (after a
   * delete: extremes cannot be subtracted). Runs inside the caller's transaction.
   */
  refresh(orgId: string, env: string, traceId: string | null, threadId: string | null): void {
    if (traceId !== null) {
      this.client.query('DELETE FROM trace_rollups WHERE org_id = ? AND environment = ? AND trace_unique_id = ?').run(orgId, env, traceId);
      this.client
        .query(
          `INSERT INTO trace_rollups (org_id, environment, trace_unique_id, span_count, llm_call_count, error_count,
             total_prompt_tokens, total_completion_tokens, total_tokens, total_cost, start_time, first_seen, end_time,
             customer_identifier, root_workflow_name, workflow_name, root_span_name)
           SELECT org_id, environment, trace_unique_id, count(*), total(log_type IN (${LLM_TYPES})), total(status = 'error'),
             total(prompt_tokens), total(completion_tokens), total(total_request_tokens), total(cost), min(start_time),
             min(timestamp), max(timestamp), max(customer_identifier),
             max(CASE WHEN span_parent_id IS NULL THEN span_workflow_name END), max(span_workflow_name),
             max(CASE WHEN span_parent_id IS NULL THEN span_name END)
           FROM spans INDEXED BY spans_org_trace WHERE org_id = ? AND environment = ? AND trace_unique_id = ?
           GROUP BY org_id, environment, trace_unique_id`,
        )
        .run(orgId, env, traceId);
    }
    if (threadId !== null) {
      this.client.query('DELETE FROM thread_rollups WHERE org_id = ? AND environment = ? AND thread_identifier = ?').run(orgId, env, threadId);
      this.client
        .query(
          `INSERT INTO thread_rollups (org_id, environment, thread_identifier, customer_identifier, log_count, start_time,
             first_seen, end_time, total_cost, total_tokens)
           SELECT org_id, environment, thread_identifier, max(customer_identifier), count(*), min(start_time), min(timestamp),
             max(timestamp), total(cost), total(total_request_tokens)
           FROM spans INDEXED BY spans_org_thread WHERE org_id = ? AND environment = ? AND thread_identifier = ?
           GROUP BY org_id, environment, thread_identifier`,
        )
        .run(orgId, env, threadId);
    }
  }

  /** Adds a plan's figures. Must run inside the transaction that stored its spans. */
  apply(plan: RollupPlan): void {
    for (const { key: k, m } of plan.buckets) {
      this.buckets.run(k.orgId, k.environment, k.bucket, k.model, k.provider, k.apiKeyId, ...measureParams(m));
    }
    for (const { key: k, m } of plan.minutes) {
      this.minutes.run(k.orgId, k.environment, k.minute, k.model, k.provider, k.apiKeyId, ...measureParams(m));
    }
    for (const { key: k, m } of plan.metadata) {
      this.metadata.run(k.orgId, k.environment, k.key, k.bucket, k.value, ...measureParams(m));
    }
    for (const t of plan.traces) {
      this.traces.run(
        t.orgId, t.environment, t.traceId, t.spans, t.llmCalls, t.errors, t.prompt_tokens, t.completion_tokens,
        t.total_tokens, t.cost, t.startTime, t.firstSeen, t.endTime, t.customer, t.rootWorkflowName, t.workflowName,
        t.rootSpanName,
      );
    }
    for (const t of plan.threads) {
      this.threads.run(
        t.orgId, t.environment, t.threadId, t.customer, t.logs, t.startTime, t.firstSeen, t.endTime, t.cost, t.total_tokens,
      );
    }
  }
}
