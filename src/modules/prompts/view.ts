/** Records to the wire shapes of `/prompts/` (times as ISO 8601). */
import type { PromptRecord, PromptVersionRecord } from '../../store/prompt-types.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export function viewVersion(v: PromptVersionRecord, liveVersion: number | null) {
  const live = v.version === liveVersion;
  return {
    prompt_id: v.prompt_id,
    version: v.version,
    messages: v.messages,
    variables: v.variables,
    model: v.model,
    temperature: v.temperature,
    max_tokens: v.max_tokens,
    top_p: v.top_p,
    frequency_penalty: v.frequency_penalty,
    presence_penalty: v.presence_penalty,
    stop: v.stop,
    tools: v.tools,
    tool_choice: v.tool_choice,
    response_format: v.response_format,
    fallback_models: v.fallback_models,
    load_balance_models: v.load_balance_models,
    is_deployed: live,
    deploy: live,
    editable: v.deployed_at === null,
    deployed_at: v.deployed_at === null ? null : iso(v.deployed_at),
    created_at: iso(v.created_at),
    updated_at: iso(v.updated_at),
  };
}

/** `versions` (oldest first) is listed in the detail view only. */
export function viewPrompt(p: PromptRecord, versions: PromptVersionRecord[], detail: boolean) {
  const live = versions.find((v) => v.version === p.live_version);
  const current = versions[versions.length - 1];
  return {
    prompt_id: p.id,
    name: p.name,
    description: p.description,
    created_at: iso(p.created_at),
    updated_at: iso(p.updated_at),
    current_version: current ? viewVersion(current, p.live_version) : null,
    live_version: live ? viewVersion(live, p.live_version) : null,
    version_count: versions.length,
    ...(detail ? { versions: versions.map((v) => viewVersion(v, p.live_version)) } : {}),
  };
}
