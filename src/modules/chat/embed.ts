/**
 * POST /embeddings over the chat service's pieces (service.ts): the same
 * preparation, cache, customer gate, routing engine and span as a chat call;
 * only the provider call and what the span records of the answer differ.
 */
import { ProviderUnavailableError } from '../../errors.ts';
import type { EngineResult } from '../../routing/engine.ts';
import type { EmbeddingRequest, EmbeddingResponse } from '../../schemas/openai.ts';
import type { ChatService, ProxyInput, ProxyResult } from './service.ts';
import { buildSpan } from './span.ts';
import { NO_TOKENS } from './usage.ts';

export async function embedCall(svc: ChatService, input: ProxyInput): Promise<ProxyResult> {
  const c = await svc.prepare(input, null);
  try {
    if (c.cacheKey) {
      const hit = await svc.answers.get(c.cacheKey);
      if (hit?.body.kind === 'embedding') {
        const u = hit.body.response.usage;
        const f = svc.hitFacts(c, hit, { ...NO_TOKENS, prompt_tokens: u.prompt_tokens }, null);
        if (!c.params.cache_options?.omit_log) svc.offer(buildSpan(f));
        return { body: svc.decorate(c, { ...hit.body.response }, f), headers: svc.headers(f.overhead * 1000, 'HIT') };
      }
    }
    const admission = await svc.admit(c);
    let r: EngineResult<EmbeddingResponse>;
    try {
      r = await svc.engine.run({ plan: c.plan, retry: c.retry, scope: c.scope }, (adapter, ctx, attempt) => {
        if (!adapter.embed) {
          throw new ProviderUnavailableError(`Provider '${attempt.provider}' does not support embeddings`);
        }
        return adapter.embed({ ...c.upstream, model: ctx.model } as EmbeddingRequest, ctx);
      });
    } catch (err) {
      admission?.release();
      throw svc.logFailure(c, err, admission?.limitInfo ?? null);
    }
    const tokens = { ...NO_TOKENS, prompt_tokens: r.value.usage.prompt_tokens };
    const first = r.value.data[0]?.embedding;
    const output = { vectors: r.value.data.length, dimensions: Array.isArray(first) ? first.length : null };
    return svc.answered(c, r, r.value, admission, tokens, output, { kind: 'embedding', response: r.value });
  } finally {
    c.done();
  }
}
