/** The drizzle database over the pool, for the tables of schema.ts. */
import type { SQL } from 'bun';
import { drizzle } from 'drizzle-orm/bun-sql';
import * as schema from './schema.ts';

export type PgDb = ReturnType<typeof drizzle<typeof schema>>;
export type PgTx = Parameters<Parameters<PgDb['transaction']>[0]>[0];

export function openDb(client: SQL): PgDb {
  return drizzle({ client, schema });
}
