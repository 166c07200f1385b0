/**
 * The SQLite store over ONE connection, synchronous underneath. Each thread
 * of the store builds one over its own connection (the write thread, each
 * reader); an in-memory database, private to its connection, uses one on the
 * caller's thread.
 */
import type { Database } from 'bun:sqlite';
import { drizzle } from 'drizzle-orm/bun-sqlite';
import type { Store } from '../types.ts';
import { CustomerUsageWriter } from './customer-usage.ts';
import { SqliteCustomerStore } from './customers.ts';
import { SqliteKeyStore } from './keys.ts';
import { SqliteModelStore } from './models.ts';
import { SqliteOrgStore } from './orgs.ts';
import { SqlitePromptStore } from './prompts.ts';
import * as schema from './schema.ts';
import { SqliteSpanStore } from './spans.ts';

export type SqliteDb = ReturnType<typeof drizzle<typeof schema>>;

/** The parts of the store a thread answers for: everything but the process-wide lifecycle. */
export type StoreParts = Omit<Store, 'ping' | 'close'>;

export type PartName = keyof StoreParts;

export function localStore(client: Database): StoreParts {
  const db = drizzle({ client, schema });
  const usage = new CustomerUsageWriter(client);
  return {
    orgs: new SqliteOrgStore(db),
    keys: new SqliteKeyStore(db),
    spans: new SqliteSpanStore(client, usage),
    customers: new SqliteCustomerStore(client, usage),
    prompts: new SqlitePromptStore(db),
    models: new SqliteModelStore(db),
  };
}
