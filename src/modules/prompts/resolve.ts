/**
 * Turns a stored prompt version and a chat call's `prompt` parameter into what
 * the proxy sends upstream. Pure: no store, no clock, no HTTP.
 *
 * Rules (docs/prompts.md explains them with examples):
 * - Caller messages are `prompt.override_params.messages` or, when those are
 *   absent or empty, the request's own top-level `messages`. Giving both
 *   non-empty is a 422: there is no sensible order to guess.
 * - `messages_override_mode` "override" (default): non-empty caller messages
 *   replace the version's messages; empty ones leave the version's. "append":
 *   the version's rendered messages, then the caller's.
 * - Variables fill the version's messages only (caller text is sent as
 *   written). A variable the sent messages use but the call lacks is a 422
 *   naming `prompt.variables.<name>`; extra variables are ignored.
 * - Parameters come from the version. With `override` (default true, seed 002),
 *   `override_params` replace them key by key (null removes one). With
 *   `override: false`, parameters in `override_params` other than `messages`
 *   are not applied: the call goes on with the version's (seed 002: they "only
 *   work if override is set to true").
 * - `echo` (default true) returns the sent messages as `prompt_message`.
 */
import { ValidationError } from '../../errors.ts';
import type { ChatMessage, ChatRequest } from '../../schemas/openai.ts';
import type { LoadBalanceModel, MessagesOverrideMode, PromptParam } from '../../schemas/prompt.ts';
import type { PromptVersionContent } from '../../store/prompt-types.ts';
import { renderMessages } from './template.ts';

/** Upstream chat parameters besides `messages`; extras from override_params pass through. */
export type ChatParams = Omit<ChatRequest, 'messages'> & { [key: string]: unknown };

/** The version being called: its content and identity. */
export interface PromptVersionInput extends PromptVersionContent {
  prompt_id: string;
  version: number;
}

export interface ResolvedPrompt {
  prompt_id: string;
  /** The version number actually used. */
  version: number;
  /** The messages to send upstream, placeholders filled. */
  messages: ChatMessage[];
  /** Model and parameters; the proxy lets these win over the request's own. */
  params: ChatParams;
  /** Null when neither the version nor override_params set them. */
  fallback_models: string[] | null;
  load_balance_models: LoadBalanceModel[] | null;
  /** The sent messages when echo is on (the default), for the response's `prompt_message`; else null. */
  prompt_message: ChatMessage[] | null;
  /** The variables as the caller sent them (for the span). */
  variables: Record<string, unknown>;
  echo: boolean;
  override: boolean;
  messages_override_mode: MessagesOverrideMode;
}

/** Version fields that map one to one onto upstream chat parameters. */
const SAMPLING_KEYS = [
  'temperature',
  'max_tokens',
  'top_p',
  'frequency_penalty',
  'presence_penalty',
  'stop',
  'tools',
  'tool_choice',
  'response_format',
] as const;

/** override_params keys that are not upstream parameters. */
const ROUTING_KEYS = new Set(['messages', 'fallback_models', 'load_balance_models']);

function versionParams(v: PromptVersionContent): ChatParams {
  const params: Record<string, unknown> = { model: v.model };
  for (const k of SAMPLING_KEYS) {
    const value = v[k];
    if (value !== null) params[k] = value;
  }
  // Every value came from a validated version field of the same name and type.
  return params as ChatParams;
}

function callerMessages(param: PromptParam, requestMessages: readonly ChatMessage[]): ChatMessage[] {
  const fromOverride = param.override_params?.messages ?? [];
  if (fromOverride.length > 0 && requestMessages.length > 0) {
    throw ValidationError.field(
      'prompt.override_params.messages',
      "give the caller's messages either in the request's messages or in prompt.override_params.messages, not both",
    );
  }
  return [...(fromOverride.length > 0 ? fromOverride : requestMessages)];
}

export function resolvePromptRequest(
  version: PromptVersionInput,
  param: PromptParam,
  requestMessages: readonly ChatMessage[] = [],
): ResolvedPrompt {
  const echo = param.echo ?? true;
  const override = param.override ?? true;
  const mode = param.override_config?.messages_override_mode ?? 'override';
  const variables = { ...(param.variables ?? {}) };
  const overrideParams: Record<string, unknown> = { ...(param.override_params ?? {}) };

  const caller = callerMessages(param, requestMessages);
  const messages =
    mode === 'override' && caller.length > 0
      ? caller
      : [...renderMessages(version.messages, variables), ...(mode === 'append' ? caller : [])];

  const params = versionParams(version);
  let fallback_models = version.fallback_models;
  let load_balance_models = version.load_balance_models;
  if (override) {
    for (const [k, value] of Object.entries(overrideParams)) {
      if (ROUTING_KEYS.has(k)) continue;
      if (value === null && k !== 'model') delete params[k];
      else if (value !== null) params[k] = value;
    }
    const op = param.override_params;
    if (op?.fallback_models !== undefined) fallback_models = op.fallback_models;
    if (op?.load_balance_models !== undefined) load_balance_models = op.load_balance_models;
  }

  return {
    prompt_id: version.prompt_id,
    version: version.version,
    messages,
    params,
    fallback_models,
    load_balance_models,
    prompt_message: echo ? messages.map((m) => ({ ...m })) : null,
    variables,
    echo,
    override,
    messages_override_mode: mode,
  };
}
