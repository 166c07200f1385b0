/**
 * Mapping between prompt version records and rows, for every backend (each
 * stores the JSON columns as text). JSON columns are narrowed
 * with the same TypeBox schemas that validated them on the way in, so a row
 * edited by hand cannot smuggle a wrong shape into the proxy.
 */
import { type TSchema, type Static, Type as T } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ChatMessage, ResponseFormat, Tool, ToolChoice } from '../schemas/openai.ts';
import { LoadBalanceModel, Stop } from '../schemas/prompt.ts';
import type { PromptVersionPatch, PromptVersionRecord } from './prompt-types.ts';

/** A `prompt_versions` row as the backends read it. */
export interface VersionRow {
  prompt_id: string;
  version: number;
  messages: string;
  variables: string;
  model: string;
  temperature: number | null;
  max_tokens: number | null;
  top_p: number | null;
  frequency_penalty: number | null;
  presence_penalty: number | null;
  stop: string | null;
  tools: string | null;
  tool_choice: string | null;
  response_format: string | null;
  fallback_models: string | null;
  load_balance_models: string | null;
  created_at: number;
  updated_at: number;
  deployed_at: number | null;
}

/** The content columns a write sets. */
export type VersionColumns = Partial<Omit<VersionRow, 'prompt_id' | 'version' | 'created_at' | 'updated_at' | 'deployed_at'>>;

const Messages = T.Array(ChatMessage);
const Names = T.Array(T.String());

function parse<S extends TSchema>(text: string, schema: S, column: string): Static<S> {
  const v: unknown = JSON.parse(text);
  if (!Value.Check(schema, v)) throw new Error(`prompt_versions.${column} holds an unexpected shape`);
  return v;
}

function parseNullable<S extends TSchema>(text: string | null, schema: S, column: string): Static<S> | null {
  return text === null ? null : parse(text, schema, column);
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export function rowToVersion(r: VersionRow): PromptVersionRecord {
  return {
    prompt_id: r.prompt_id,
    version: r.version,
    messages: parse(r.messages, Messages, 'messages'),
    variables: parse(r.variables, Names, 'variables'),
    model: r.model,
    temperature: r.temperature,
    max_tokens: r.max_tokens,
    top_p: r.top_p,
    frequency_penalty: r.frequency_penalty,
    presence_penalty: r.presence_penalty,
    stop: parseNullable(r.stop, Stop, 'stop'),
    tools: parseNullable(r.tools, T.Array(Tool), 'tools'),
    tool_choice: parseNullable(r.tool_choice, ToolChoice, 'tool_choice'),
    response_format: parseNullable(r.response_format, ResponseFormat, 'response_format'),
    fallback_models: parseNullable(r.fallback_models, Names, 'fallback_models'),
    load_balance_models: parseNullable(r.load_balance_models, T.Array(LoadBalanceModel), 'load_balance_models'),
    created_at: r.created_at,
    updated_at: r.updated_at,
    deployed_at: r.deployed_at,
  };
}

/** The columns a patch sets; fields it leaves out are left out here too. */
export function patchToColumns(p: PromptVersionPatch): VersionColumns {
  const out: VersionColumns = {};
  if (p.messages !== undefined) out.messages = JSON.stringify(p.messages);
  if (p.variables !== undefined) out.variables = JSON.stringify(p.variables);
  if (p.model !== undefined) out.model = p.model;
  if (p.temperature !== undefined) out.temperature = p.temperature;
  if (p.max_tokens !== undefined) out.max_tokens = p.max_tokens;
  if (p.top_p !== undefined) out.top_p = p.top_p;
  if (p.frequency_penalty !== undefined) out.frequency_penalty = p.frequency_penalty;
  if (p.presence_penalty !== undefined) out.presence_penalty = p.presence_penalty;
  if (p.stop !== undefined) out.stop = json(p.stop);
  if (p.tools !== undefined) out.tools = json(p.tools);
  if (p.tool_choice !== undefined) out.tool_choice = json(p.tool_choice);
  if (p.response_format !== undefined) out.response_format = json(p.response_format);
  if (p.fallback_models !== undefined) out.fallback_models = json(p.fallback_models);
  if (p.load_balance_models !== undefined) out.load_balance_models = json(p.load_balance_models);
  return out;
}
