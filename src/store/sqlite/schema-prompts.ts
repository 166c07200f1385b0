/**
 * Prompt templates and their numbered versions. A prompt row keeps the last
 * version number it handed out (`last_version`), so numbers are never reused
 * after a delete, and which version is live (`live_version`), so "exactly one
 * live version" is a single column rather than a flag that two rows could share.
 */
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organizations } from './schema.ts';

export const prompts = sqliteTable(
  'prompts',
  {
    id: text('id').primaryKey(),
    org_id: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    created_at: integer('created_at').notNull(),
    updated_at: integer('updated_at').notNull(),
    last_version: integer('last_version').notNull().default(0),
    live_version: integer('live_version'),
  },
  (t) => [index('prompts_org').on(t.org_id, t.created_at)],
);

export const promptVersions = sqliteTable(
  'prompt_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    prompt_id: text('prompt_id')
      .notNull()
      .references(() => prompts.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** JSON: the chat messages, with {{variable}} placeholders. */
    messages: text('messages').notNull(),
    /** JSON: the placeholder names found in `messages`, in order of first use. */
    variables: text('variables').notNull().default('[]'),
    model: text('model').notNull(),
    temperature: real('temperature'),
    max_tokens: integer('max_tokens'),
    top_p: real('top_p'),
    frequency_penalty: real('frequency_penalty'),
    presence_penalty: real('presence_penalty'),
    /** JSON columns below: null when the version does not set them. */
    stop: text('stop'),
    tools: text('tools'),
    tool_choice: text('tool_choice'),
    response_format: text('response_format'),
    fallback_models: text('fallback_models'),
    load_balance_models: text('load_balance_models'),
    created_at: integer('created_at').notNull(),
    updated_at: integer('updated_at').notNull(),
    /** When the version was first deployed; from then on its content is frozen. */
    deployed_at: integer('deployed_at'),
  },
  (t) => [uniqueIndex('prompt_versions_prompt_version').on(t.prompt_id, t.version)],
);
