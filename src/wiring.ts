/**
 * Builds the gateway's services for a backend and a config: one place that
 * knows which implementation backs each dependency. The server, the tests and
 * the benchmark scripts all assemble the app through it.
 */
import type { AppDeps } from './app.ts';
import type { Config } from './config.ts';
import { RequestObserver } from './http/observe.ts';
import { type Logger, writes } from './lib/log.ts';
import { BudgetGate } from './modules/customers/budget-gate.ts';
import { CustomerService } from './modules/customers/service.ts';
import { KeyService } from './modules/keys/service.ts';
import { GatewayMetrics } from './modules/metrics/gateway-metrics.ts';
import { MetricsService } from './modules/metrics/service.ts';
import { ModelRegistry } from './pricing/registry.ts';
import { Tokenizer } from './pricing/tokenizer.ts';
import type { Backend } from './store/open.ts';
import { SpanWriter } from './store/writer.ts';

/** Config sizes in MB of span text count characters: a million each. */
const MEGA = 1_000_000;

export interface WiringOptions {
  log: Logger;
  now: () => number;
  version: string;
}

export type CoreDeps = AppDeps & { keys: KeyService; gate: BudgetGate; tokenizer: Tokenizer };

export function buildAppDeps(config: Config, backend: Backend, { log, now, version }: WiringOptions): CoreDeps {
  const { store, state } = backend;
  const recorder = config.metrics.enabled ? new GatewayMetrics({ customerLabel: config.metrics.customer_label }) : null;
  const writer = new SpanWriter(store.spans, {
    maxQueue: config.writer.max_queue,
    maxQueueChars: config.writer.max_queue_mb * MEGA,
    batchSize: config.writer.batch_size,
    batchChars: config.writer.batch_mb * MEGA,
    flushIntervalMs: config.writer.flush_interval_ms,
    onError: (err, span) => log.error('span not stored', { unique_id: span.unique_id, error: String(err) }),
    onStorage: (err) => {
      if (err) log.error('the database cannot take writes; ingest answers 503 and proxy spans wait in memory', { error: err.message, max_queue: config.writer.max_queue });
      else log.info('the database takes writes again; queued spans are being written');
    },
    onCommitted: (usage) =>
      state.ledger.committed(usage).catch((err: unknown) => log.warn('budget holds not dropped; they expire by themselves', { error: String(err) })),
    ...(recorder ? { onBatch: (_n: number, ms: number) => recorder.observeBatch(ms / 1000) } : {}),
  });
  const gate = new BudgetGate(store, state.rateLimiter, state.ledger, log);
  const keys = new KeyService(store, state.rateLimiter, state.invalidations, now);
  const metrics = recorder
    ? new MetricsService(recorder, { store, writer, keys, version, requireKey: config.metrics.require_key })
    : null;
  return {
    config,
    store,
    state,
    keys,
    customers: new CustomerService(store, now),
    gate,
    writer,
    metrics,
    observer: new RequestObserver({ metrics: recorder, log, accessLog: writes(config.log_level, 'info') }),
    readiness: { draining: false },
    health: () => backend.health(),
    log,
    now,
    version,
    models: new ModelRegistry({ configModels: config.models, configProviders: Object.keys(config.providers) }),
    tokenizer: new Tokenizer(),
  };
}
