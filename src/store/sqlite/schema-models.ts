/** Custom models per organization (`/api/models/`): names routed and priced by the gateway. */
import { integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { organizations } from './schema.ts';

export const customModels = sqliteTable(
  'custom_models',
  {
    org_id: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    model_name: text('model_name').notNull(),
    base_model_name: text('base_model_name'),
    provider_id: text('provider_id').notNull(),
    /** USD per 1M tokens; null = take the base model's built-in price. */
    input_cost: real('input_cost'),
    output_cost: real('output_cost'),
    cache_hit_input_cost: real('cache_hit_input_cost'),
    cache_creation_input_cost: real('cache_creation_input_cost'),
    max_context_window: integer('max_context_window'),
    created_at: integer('created_at').notNull(),
    updated_at: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.org_id, t.model_name] })],
);
