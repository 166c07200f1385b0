/**
 * The SQLite store over ONE connection, synchronous underneath. Each thread
 * of the store builds one over its own connection (the write thread, each
 * reader); an in-memory database, private to its connection, uses one on the
 * caller's thread.
 */
import type { Database } from 'bun:sqlite';
import { drizzle } from 'drizzle-orm/bun-sqlite';
import type { Store } from '../types.ts';
import { RollupAnalytics } from '../analytics-plan.ts';
import { SqliteAnalyticsSource } from './analytics.ts';
import { CustomerUsageWriter } from './customer-usage.ts';
import { SqliteCustomerStore } from './customers.ts';
import { SqliteKeyStore } from './keys.ts';
import { SqliteModelStore } from './models.ts';
import { SqliteOrgStore } from './orgs.ts';
import { SqlitePromptStore } from './prompts.ts';
import * as schema from './schema.ts';
import { RollupWriter } from './rollup-writer.ts';
import { SqliteSpanStore } from './spans.ts';

export type SqliteDb = ReturnType<typeof drizzle<typeof schema>>;

/** The parts of the store a thread answers for: everything but the process-wide lifecycle. */
export type StoreParts = Omit<Store, 'ping' | 'sizeBytes' | 'close'>;

export type PartName = keyof StoreParts;

/** What the store's behaviour depends on besides its connection. */
export interface StoreSettings {
  /** Metadata keys rolled up per day and value (`rollups.metadata_keys`). */
  metadataKeys: readonly string[];
}

export const DEFAULT_SETTINGS: StoreSettings = { metadataKeys: [] };

export function localStore(client: Database, settings: StoreSettings = DEFAULT_SETTINGS): StoreParts {
  const db = drizzle({ client, schema });
  const usage = new CustomerUsageWriter(client);
  return {
    orgs: new SqliteOrgStore(db),
    keys: new SqliteKeyStore(db),
    spans: new SqliteSpanStore(client, usage, new RollupWriter(client), settings),
    customers: new SqliteCustomerStore(client, usage),
    prompts: new SqlitePromptStore(db),
    models: new SqliteModelStore(db),
    analytics: new RollupAnalytics(new SqliteAnalyticsSource(client), settings.metadataKeys),
  };
}
