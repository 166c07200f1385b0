/**
 * PostgreSQL migrations, embedded as text so that the compiled binary carries
 * them. Hand-written SQL (partitioning is beyond drizzle-kit); add a file and
 * its line here, in order. src/store/sqlite/migrations is the SQLite twin:
 * a change to the records goes to both.
 */
import init from './0000_init.sql' with { type: 'text' };
import rollupWindowIndexes from './0001_rollup_window_indexes.sql' with { type: 'text' };
import queryIndexes from './0002_query_indexes.sql' with { type: 'text' };
import rollupMinutes from './0003_rollup_minutes.sql' with { type: 'text' };

export interface Migration {
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  { name: '0000_init', sql: init },
  { name: '0001_rollup_window_indexes', sql: rollupWindowIndexes },
  { name: '0002_query_indexes', sql: queryIndexes },
  { name: '0003_rollup_minutes', sql: rollupMinutes },
];
