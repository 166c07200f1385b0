/**
 * Builds the gateway's services for a store and a config: one place that
 * knows which implementation backs each dependency. The server, the tests and
 * the benchmark scripts all assemble the app through it.
 */
import type { AppDeps } from './app.ts';
import type { Config } from './config.ts';
import type { Logger } from './lib/log.ts';
import { SlidingWindowLimiter } from './lib/rate-limit.ts';
import { BudgetGate } from './modules/customers/budget-gate.ts';
import { MemoryLedger } from './modules/customers/reservations.ts';
import { CustomerService } from './modules/customers/service.ts';
import { KeyService } from './modules/keys/service.ts';
import { ModelRegistry } from './pricing/registry.ts';
import { Tokenizer } from './pricing/tokenizer.ts';
import type { Store } from './store/types.ts';
import { SpanWriter } from './store/writer.ts';

export interface WiringOptions {
  log: Logger;
  now: () => number;
  version: string;
}

export type CoreDeps = AppDeps & { keys: KeyService; gate: BudgetGate; tokenizer: Tokenizer };

export function buildAppDeps(config: Config, store: Store, { log, now, version }: WiringOptions): CoreDeps {
  const writer = new SpanWriter(store.spans, {
    maxQueue: config.writer.max_queue,
    batchSize: config.writer.batch_size,
    flushIntervalMs: config.writer.flush_interval_ms,
    onError: (err, span) => log.error('span not stored', { unique_id: span.unique_id, error: String(err) }),
  });
  const gate = new BudgetGate(store, new SlidingWindowLimiter(), new MemoryLedger(), log, now);
  return {
    config,
    store,
    keys: new KeyService(store, new SlidingWindowLimiter(), now),
    customers: new CustomerService(store, now, gate),
    gate,
    writer,
    log,
    now,
    version,
    models: new ModelRegistry({ configModels: config.models, configProviders: Object.keys(config.providers) }),
    tokenizer: new Tokenizer(),
  };
}
