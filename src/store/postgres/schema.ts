/**
 * The PostgreSQL tables that drizzle queries (organizations, keys, custom
 * models, prompts). migrations/0000_init.sql creates them, with everything
 * else; test/store/postgres.test.ts checks that the two agree.
 */
import { bigint, bigserial, doublePrecision, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { KEY_ROLES } from '../key-types.ts';

const ms = (name: string) => bigint(name, { mode: 'number' });

export const organizations = pgTable('organizations', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  created_at: ms('created_at').notNull(),
});

export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  org_id: text('org_id').notNull(),
  prefix: text('prefix').notNull(),
  hash: text('hash').notNull(),
  name: text('name').notNull(),
  environment: text('environment', { enum: ['prod', 'test'] }).notNull(),
  role: text('role', { enum: KEY_ROLES }).notNull().default('admin'),
  created_at: ms('created_at').notNull(),
  expires_at: ms('expires_at'),
  revoked_at: ms('revoked_at'),
  max_usage: ms('max_usage').notNull().default(-1),
  usage_count: ms('usage_count').notNull().default(0),
  rate_limit: ms('rate_limit'),
  spending_limit: doublePrecision('spending_limit'),
  spent: doublePrecision('spent').notNull().default(0),
  last_used_at: ms('last_used_at'),
});

export const customModels = pgTable(
  'custom_models',
  {
    org_id: text('org_id').notNull(),
    model_name: text('model_name').notNull(),
    base_model_name: text('base_model_name'),
    provider_id: text('provider_id').notNull(),
    input_cost: doublePrecision('input_cost'),
    output_cost: doublePrecision('output_cost'),
    cache_hit_input_cost: doublePrecision('cache_hit_input_cost'),
    cache_creation_input_cost: doublePrecision('cache_creation_input_cost'),
    max_context_window: ms('max_context_window'),
    created_at: ms('created_at').notNull(),
    updated_at: ms('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.org_id, t.model_name] })],
);

export const prompts = pgTable('prompts', {
  id: text('id').primaryKey(),
  org_id: text('org_id').notNull(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  created_at: ms('created_at').notNull(),
  updated_at: ms('updated_at').notNull(),
  last_version: ms('last_version').notNull().default(0),
  live_version: ms('live_version'),
});

/** JSON columns hold text, as in SQLite: prompt-rows.ts parses and checks them. */
export const promptVersions = pgTable('prompt_versions', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  prompt_id: text('prompt_id').notNull(),
  version: ms('version').notNull(),
  messages: text('messages').notNull(),
  variables: text('variables').notNull().default('[]'),
  model: text('model').notNull(),
  temperature: doublePrecision('temperature'),
  max_tokens: ms('max_tokens'),
  top_p: doublePrecision('top_p'),
  frequency_penalty: doublePrecision('frequency_penalty'),
  presence_penalty: doublePrecision('presence_penalty'),
  stop: text('stop'),
  tools: text('tools'),
  tool_choice: text('tool_choice'),
  response_format: text('response_format'),
  fallback_models: text('fallback_models'),
  load_balance_models: text('load_balance_models'),
  created_at: ms('created_at').notNull(),
  updated_at: ms('updated_at').notNull(),
  deployed_at: ms('deployed_at'),
});
