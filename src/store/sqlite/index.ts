import { drizzle } from 'drizzle-orm/bun-sqlite';
import type { Store } from '../types.ts';
import { openConnection } from './connection.ts';
import { applyMigrations } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import * as schema from './schema.ts';
import { SqliteKeyStore } from './keys.ts';
import { SqliteOrgStore } from './orgs.ts';
import { SqliteModelStore } from './models.ts';
import { SqlitePromptStore } from './prompts.ts';
import { SqliteSpanStore } from './spans.ts';
import { SqliteCustomerStore } from './customers.ts';
import { CustomerUsageWriter } from './customer-usage.ts';
import { SpanWriteThread } from './span-thread-client.ts';

export type SqliteDb = ReturnType<typeof drizzle<typeof schema>>;

export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /**
   * Commit spans on a thread of their own with a second connection (file
   * databases only: a ':memory:' database is private to its connection).
   */
  writeThread?: boolean;
}

export function openSqliteStore(opts: SqliteStoreOptions): Store {
  const client = openConnection(opts.path);
  applyMigrations(client, migrations);
  const db = drizzle({ client, schema });
  const ping = client.query<{ ok: number }, []>('SELECT 1 AS ok');
  let closed = false;
  const usage = new CustomerUsageWriter(client);
  // Opened after the migrations ran, so the thread's connection sees the final schema.
  const thread =
    opts.writeThread && opts.path !== ':memory:' ? new SpanWriteThread(opts.path, (events) => usage.notify(events)) : null;
  return {
    orgs: new SqliteOrgStore(db),
    keys: new SqliteKeyStore(db),
    spans: new SqliteSpanStore(client, (batch) => usage.apply(batch), thread),
    customers: new SqliteCustomerStore(client, usage),
    prompts: new SqlitePromptStore(db),
    models: new SqliteModelStore(db),
    async ping() {
      if (closed) return false;
      try {
        return ping.get()?.ok === 1;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await thread?.close();
      client.run('PRAGMA optimize');
      client.close();
    },
  };
}
