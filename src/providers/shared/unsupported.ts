/**
 * OpenAI parameters a provider has no equivalent for. Dropping them would
 * change the answer silently, so a request that sets one to anything but its
 * neutral value is refused with a 400 naming the parameter (routing may still
 * fall back to a model that supports it).
 */
import { UpstreamError } from '../../errors.ts';
import type { ChatRequest } from '../../schemas/openai.ts';

type Check = (req: ChatRequest) => boolean;

/** For each parameter: true when the request sets it to something that matters. */
export const SETS: Record<string, Check> = {
  n: (r) => r.n !== undefined && r.n !== 1,
  presence_penalty: (r) => !!r.presence_penalty,
  frequency_penalty: (r) => !!r.frequency_penalty,
  logit_bias: (r) => r.logit_bias !== undefined && Object.keys(r.logit_bias).length > 0,
  seed: (r) => r.seed !== undefined,
  logprobs: (r) => r.logprobs === true,
  top_logprobs: (r) => r.top_logprobs !== undefined && r.top_logprobs > 0,
};

export function rejectUnsupported(req: ChatRequest, params: readonly string[], provider: string, model: string): void {
  for (const p of params) {
    if (SETS[p]?.(req)) {
      throw new UpstreamError({
        provider,
        model,
        status: 400,
        message: `Parameter '${p}' is not supported by provider ${provider}`,
        code: 'unsupported_parameter',
        param: p,
      });
    }
  }
}

export function rejectOutOfRange(
  value: number | undefined,
  param: string,
  [min, max]: [number, number],
  provider: string,
  model: string,
): void {
  if (value !== undefined && (value < min || value > max)) {
    throw new UpstreamError({
      provider,
      model,
      status: 400,
      message: `Parameter '${param}' must be between ${min} and ${max} for provider ${provider}, got ${value}`,
      code: 'unsupported_parameter',
      param,
    });
  }
}
