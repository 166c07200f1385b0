/**
 * A call's estimated cost, reserved against the customer's budgets before
 * the upstream call: the prompt counted with a real tokenizer, the completion
 * taken as max_tokens (or DEFAULT_COMPLETION_TOKENS when the request sets no
 * limit), priced with the model's rates. USD, before markup.
 */
import { computeCost, type CostPrices } from '../../pricing/cost.ts';
import type { Tokenizer } from '../../pricing/tokenizer.ts';
import type { ChatMessage } from '../../schemas/openai.ts';

/** Completion tokens assumed when a request sets no max_tokens. */
export const DEFAULT_COMPLETION_TOKENS = 1024;

export interface EstimateModel extends CostPrices {
  model_name: string;
}

export async function estimateCost(
  messages: readonly ChatMessage[],
  maxTokens: number | null | undefined,
  model: EstimateModel,
  tokenizer: Tokenizer,
): Promise<number> {
  const prompt = await tokenizer.countMessageTokens(messages, model.model_name);
  const completion = maxTokens !== null && maxTokens !== undefined && maxTokens >= 0 ? maxTokens : DEFAULT_COMPLETION_TOKENS;
  return computeCost({ prompt_tokens: prompt, completion_tokens: completion }, model);
}
