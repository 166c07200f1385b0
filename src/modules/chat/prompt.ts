/**
 * Prompt templates (the `prompt` parameter) are resolved by the prompts
 * module (src/modules/prompts/resolver.ts) through this interface; the chat
 * service only merges the result.
 */
import type { ChatMessage } from '../../schemas/openai.ts';
import type { PromptParam } from '../../schemas/prompt.ts';
import type { ResolvedPrompt } from '../prompts/resolve.ts';

export type { ResolvedPrompt };

export interface PromptResolver {
  /** Throws NotFoundError for an unknown prompt or version, ValidationError for bad variables. */
  resolve(orgId: string, prompt: PromptParam, requestMessages: readonly ChatMessage[]): Promise<ResolvedPrompt & { prompt_name?: string }>;
}
