/**
 * Migrations embedded as text so that the compiled binary carries them.
 * `npm run db:generate` writes a new SQL file; add it to this list in order.
 */
import init from './0000_init.sql' with { type: 'text' };
import prompts from './0001_prompts.sql' with { type: 'text' };
import models from './0002_models.sql' with { type: 'text' };
import customers from './0003_customers.sql' with { type: 'text' };
import spanIndexes from './0004_span_indexes.sql' with { type: 'text' };
import rollups from './0005_rollups.sql' with { type: 'text' };
import spanEntity from './0006_span_entity.sql' with { type: 'text' };
import customerDays from './0007_customer_days.sql' with { type: 'text' };
import keyRoles from './0008_key_roles.sql' with { type: 'text' };
import rollupWindowIndexes from './0009_rollup_window_indexes.sql' with { type: 'text' };
import queryIndexes from './0010_query_indexes.sql' with { type: 'text' };
import rollupMinutes from './0011_rollup_minutes.sql' with { type: 'text' };

export interface Migration {
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  { name: '0000_init', sql: init },
  { name: '0001_prompts', sql: prompts },
  { name: '0002_models', sql: models },
  { name: '0003_customers', sql: customers },
  { name: '0004_span_indexes', sql: spanIndexes },
  { name: '0005_rollups', sql: rollups },
  { name: '0006_span_entity', sql: spanEntity },
  { name: '0007_customer_days', sql: customerDays },
  { name: '0008_key_roles', sql: keyRoles },
  { name: '0009_rollup_window_indexes', sql: rollupWindowIndexes },
  { name: '0010_query_indexes', sql: queryIndexes },
  { name: '0011_rollup_minutes', sql: rollupMinutes },
];
