/**
 * Prompt templates (the `prompt` parameter) are resolved by the prompts
 * module through this interface; the chat service only merges the result.
 * Until a resolver is wired, a request with `prompt` is a clear 400.
 */
import { BadRequestError } from '../../errors.ts';
import type { PromptParam } from '../../schemas/gateway.ts';
import type { ChatMessage } from '../../schemas/openai.ts';
import type { WeightedModel } from '../../schemas/gateway.ts';

export interface ResolvedPrompt {
  /** The messages to send: the template rendered, with any override applied. */
  messages: ChatMessage[];
  /** Generation parameters from the version (model, temperature, tools, ...), overrides applied. */
  params: Record<string, unknown>;
  fallback_models?: string[];
  load_balance_models?: WeightedModel[];
  /** Returned in the response as `prompt_message` when `echo` is on (the default). */
  prompt_message: ChatMessage[];
  prompt_id: string;
  version: number;
  variables: Record<string, unknown>;
}

export interface PromptResolver {
  /** Throws NotFoundError for an unknown prompt or version, ValidationError for bad variables. */
  resolve(orgId: string, prompt: PromptParam): Promise<ResolvedPrompt>;
}

export const noPrompts: PromptResolver = {
  async resolve() {
    throw new BadRequestError('prompt templates are not available on this gateway yet', 'prompt');
  },
};
