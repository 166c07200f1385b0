/**
 * Prompt templates (the `prompt` parameter) are resolved by the prompts
 * module (src/modules/prompts/resolver.ts) through this interface; the chat
 * service only merges the result. Without a resolver, a request with
 * `prompt` is a clear 400.
 */
import { BadRequestError } from '../../errors.ts';
import type { ChatMessage } from '../../schemas/openai.ts';
import type { PromptParam } from '../../schemas/prompt.ts';
import type { ResolvedPrompt } from '../prompts/resolve.ts';

export type { ResolvedPrompt };

export interface PromptResolver {
  /** Throws NotFoundError for an unknown prompt or version, ValidationError for bad variables. */
  resolve(orgId: string, prompt: PromptParam, requestMessages: readonly ChatMessage[]): Promise<ResolvedPrompt & { prompt_name?: string }>;
}

export const noPrompts: PromptResolver = {
  async resolve() {
    throw new BadRequestError('prompt templates are not available on this gateway', 'prompt');
  },
};
