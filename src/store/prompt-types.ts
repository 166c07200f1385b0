/** Prompt templates and their numbered versions, as the store keeps them. */
import type { ChatMessage, ResponseFormat, Tool, ToolChoice } from '../schemas/openai.ts';
import type { LoadBalanceModel } from '../schemas/prompt.ts';

export interface PromptRecord {
  /** The public `prompt_id`. */
  id: string;
  org_id: string;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
  /** The last version number handed out; numbers are never reused. */
  last_version: number;
  /** The deployed version, or null before the first deploy. */
  live_version: number | null;
}

export type PromptPatch = Partial<Pick<PromptRecord, 'name' | 'description'>>;

/** The content of a prompt version; null means the version does not set that parameter. */
export interface PromptVersionContent {
  messages: ChatMessage[];
  model: string;
  temperature: number | null;
  max_tokens: number | null;
  top_p: number | null;
  frequency_penalty: number | null;
  presence_penalty: number | null;
  stop: string | string[] | null;
  tools: Tool[] | null;
  tool_choice: ToolChoice | null;
  response_format: ResponseFormat | null;
  fallback_models: string[] | null;
  load_balance_models: LoadBalanceModel[] | null;
}

export interface PromptVersionRecord extends PromptVersionContent {
  prompt_id: string;
  version: number;
  /** Placeholder names used by `messages`, in order of first use. */
  variables: string[];
  created_at: number;
  updated_at: number;
  /** When first deployed; a version deployed once is frozen. */
  deployed_at: number | null;
}

/** A new version: its content and the variables parsed from it. */
export interface NewPromptVersion extends PromptVersionContent {
  variables: string[];
}

export type PromptVersionPatch = Partial<NewPromptVersion>;

/** Outcome of a conditional write on a version. */
export type VersionWrite =
  | { status: 'ok'; version: PromptVersionRecord }
  | { status: 'not_found' }
  /** Frozen (update) or live (delete): the write was refused and nothing changed. */
  | { status: 'refused'; version: PromptVersionRecord };

export interface PromptStore {
  create(prompt: PromptRecord): Promise<void>;
  list(orgId: string): Promise<PromptRecord[]>;
  get(orgId: string, promptId: string): Promise<PromptRecord | null>;
  update(orgId: string, promptId: string, patch: PromptPatch, at: number): Promise<PromptRecord | null>;
  /** Deletes the prompt and all its versions. */
  delete(orgId: string, promptId: string): Promise<boolean>;
  /**
   * Allocates the next version number and inserts the version in one
   * transaction (so concurrent creates get distinct numbers), deploying it
   * when asked. Null when the prompt is not in the organization.
   */
  addVersion(
    orgId: string,
    promptId: string,
    content: NewPromptVersion,
    at: number,
    deploy: boolean,
  ): Promise<PromptVersionRecord | null>;
  listVersions(orgId: string, promptId: string): Promise<PromptVersionRecord[]>;
  /** A version by number, or the newest with 'latest'. */
  getVersion(orgId: string, promptId: string, version: number | 'latest'): Promise<PromptVersionRecord | null>;
  /** Changes a version's content unless it has ever been deployed ('refused'). */
  updateVersion(
    orgId: string,
    promptId: string,
    version: number,
    patch: PromptVersionPatch,
    at: number,
  ): Promise<VersionWrite>;
  /** Makes the version the live one (the previous live one stops being live). */
  deploy(orgId: string, promptId: string, version: number, at: number): Promise<VersionWrite>;
  /** Deletes a version unless it is the live one ('refused'). */
  deleteVersion(orgId: string, promptId: string, version: number, at: number): Promise<VersionWrite>;
}
