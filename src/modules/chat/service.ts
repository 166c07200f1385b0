/**
 * The proxy's logic, HTTP-free: prepare (params, prompt, plan, cache key),
 * customer gate, cache, the routing engine, cost and the span. Streaming
 * lives in stream.ts and embeddings in embed.ts, on top of the same pieces.
 */
import type { Config } from '../../config.ts';
import { BudgetExceededError, GatewayError, InternalError, RateLimitError } from '../../errors.ts';
import type { Logger } from '../../lib/log.ts';
import { computeCost } from '../../pricing/cost.ts';
import type { ModelInfo } from '../../pricing/model.ts';
import type { ModelOverlay, ModelRegistry } from '../../pricing/registry.ts';
import type { Tokenizer } from '../../pricing/tokenizer.ts';
import type { ProviderRegistry } from '../../providers/registry.ts';
import { keylessProvider } from '../../routing/adapters.ts';
import type { ApiBasePolicy } from '../../routing/api-base-policy.ts';
import type { CacheEntry, CachedBody } from '../../routing/cache.ts';
import type { ResponseCache } from '../../store/state-types.ts';
import { EngineFailure, type EngineResult, RoutingEngine } from '../../routing/engine.ts';
import type { PlanContext } from '../../routing/plan.ts';
import type { Sleep } from '../../routing/retry.ts';
import type { Random } from '../../lib/random.ts';
import type { GatewayParams } from '../../schemas/gateway.ts';
import type { WireAnswer } from '../../providers/translate/wire.ts';
import { forget } from '../../providers/shared/verbatim.ts';
import type { CallContext } from '../../providers/types.ts';
import type { ChatResponse } from '../../schemas/openai.ts';
import { AnswerCache } from './answer-cache.ts';
import type { ProxyApi } from './api.ts';
import type { SpanRecord } from '../../store/types.ts';
import { estimateCost } from '../customers/estimate.ts';
import type { Admission, CustomerGate } from '../customers/gate.ts';
import type { Principal } from '../../principal.ts';
import { type PrepareDeps, type Prepared, prepare } from './prepare.ts';
import type { PromptResolver } from './prompt.ts';
import { type CallFacts, buildSpan, requestBreakdown } from './span.ts';
import { NO_TOKENS, type TokenCounts, completionText, countsFromUsage } from './usage.ts';

export interface ChatDeps {
  config: Config;
  models: ModelRegistry;
  overlay: (orgId: string) => Promise<ModelOverlay | undefined>;
  providers: ProviderRegistry;
  gate: CustomerGate;
  prompts: PromptResolver;
  /** Which api_bases a request may name. */
  apiBases: ApiBasePolicy;
  cache: ResponseCache;
  tokenizer: Tokenizer;
  writer: { offer(span: SpanRecord): boolean };
  log: Logger;
  now: () => number;
  clock: () => number;
  random: Random;
  fetch: typeof fetch;
  sleep: Sleep;
}

export interface ProxyInput {
  principal: Principal;
  body: Record<string, unknown>;
  header: GatewayParams | null;
  signal?: AbortSignal;
  /** Client headers passed on to native calls (anthropic-version, anthropic-beta). */
  forward?: Record<string, string>;
}

export interface ProxyResult {
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export const OVERHEAD_HEADER = 'x-switchyard-overhead-ms';
export const CACHE_HEADER = 'x-switchyard-cache';

export class ChatService {
  readonly engine: RoutingEngine;
  readonly answers: AnswerCache;

  /** Built once: a call without a custom-model overlay plans with the same context every time. */
  private readonly prepareDeps: PrepareDeps;

  constructor(readonly deps: ChatDeps) {
    const d = deps;
    const base: PlanContext = {
      registry: d.models,
      providers: d.config.providers,
      groups: d.config.load_balance_groups,
      random: d.random,
      keyless: keylessProvider,
    };
    this.prepareDeps = {
      prompts: d.prompts,
      apiBases: d.apiBases,
      overlay: d.overlay,
      clock: d.clock,
      now: d.now,
      timeoutMs: d.config.routing.timeout_ms,
      attemptTimeoutMs: d.config.routing.attempt_timeout_ms,
      defaultCacheTtlS: d.config.cache.default_ttl_s,
      planContext: (overlay) => (overlay ? { ...base, overlay } : base),
    };
    this.answers = new AnswerCache(deps.cache, deps.log);
    this.engine = new RoutingEngine({
      adapter: (id) => deps.providers.get(id),
      fetch: deps.fetch,
      sleep: deps.sleep,
      clock: deps.clock,
      attemptTimeoutMs: deps.config.routing.attempt_timeout_ms,
      limits: {
        maxBodyBytes: Math.floor(deps.config.routing.max_upstream_body_mb * 1024 * 1024),
        streamIdleMs: deps.config.routing.stream_idle_timeout_ms,
      },
    });
  }

  prepare(input: ProxyInput, api: ProxyApi | null): Promise<Prepared> {
    return prepare(
      this.prepareDeps,
      {
        principal: input.principal,
        body: input.body,
        header: input.header,
        clientSignal: input.signal,
        kind: api ? 'chat' : 'embedding',
        api,
        ...(input.forward ? { forward: input.forward } : {}),
      },
    );
  }

  /** The engine's call context for one try, with the client headers native calls pass on. */
  contextFor(c: Prepared, ctx: CallContext): CallContext {
    return c.forward ? { ...ctx, headers: c.forward } : ctx;
  }

  /** Customer limits before any upstream call; a refusal is logged as a span too. */
  async admit(c: Prepared): Promise<Admission | null> {
    if (!c.customerId) return null;
    const info = c.plan.find((a) => a.info)?.info ?? null;
    try {
      return await this.deps.gate.admit({
        orgId: c.principal.orgId,
        environment: c.principal.environment,
        customer: c.params.customer_params ?? { customer_identifier: c.customerId },
        estimateCost: () => (info ? this.estimateCost(c, info) : Promise.resolve(0)),
        now: this.deps.now(),
      });
    } catch (err) {
      // The refusal's own check outcome goes on its span.
      const limitInfo = err instanceof RateLimitError || err instanceof BudgetExceededError ? err.limitInfo : null;
      this.logFailure(c, err, limitInfo);
      throw err;
    }
  }

  private estimateCost(c: Prepared, info: ModelInfo): Promise<number> {
    const maxOut = c.chat?.max_completion_tokens ?? c.chat?.max_tokens;
    return estimateCost(c.chat?.messages ?? [], typeof maxOut === 'number' ? maxOut : null, info, this.deps.tokenizer);
  }

  /** Tokens of a completion: the provider's usage, else counted with the tokenizer. */
  async tokensOf(c: Prepared, response: ChatResponse, info: ModelInfo | null): Promise<TokenCounts> {
    const reported = countsFromUsage(response.usage);
    if (reported) return reported;
    const model = info?.upstream_model ?? response.model;
    const messages = c.chat?.messages ?? [];
    return {
      ...NO_TOKENS,
      prompt_tokens: await this.deps.tokenizer.countMessageTokens(messages, model),
      completion_tokens: await this.deps.tokenizer.countTextTokens(completionText(response), model),
    };
  }

  costOf(tokens: TokenCounts, info: ModelInfo | null, warnings: string[]): number {
    if (!info) return 0;
    if (info.input_cost === null || info.output_cost === null) {
      warnings.push(`no price known for ${info.model_name}; cost recorded as 0`);
    }
    return computeCost(tokens, info);
  }

  overheadMs(c: Prepared, upstreamMs: number, retryWaitMs: number): number {
    return Math.max(0, this.deps.clock() - c.t0 - upstreamMs - retryWaitMs);
  }

  /** The span facts common to every outcome. */
  facts(c: Prepared, over: Partial<CallFacts>): CallFacts {
    const endedAt = this.deps.now();
    const last = c.plan[0];
    return {
      orgId: c.principal.orgId,
      environment: c.principal.environment,
      apiKeyId: c.principal.keyId,
      logType: c.kind,
      api: c.api?.name ?? null,
      params: c.params,
      request: c.upstream,
      input: c.chat ? c.chat.messages : c.upstream.input,
      output: null,
      model: last?.model ?? c.params.model ?? null,
      provider: last?.provider || null,
      tokens: NO_TOKENS,
      cost: 0,
      statusCode: 200,
      errorMessage: '',
      startedAt: c.startedAt,
      endedAt,
      latency: (this.deps.clock() - c.t0) / 1000,
      ttft: null,
      stream: c.stream,
      cached: false,
      customerId: c.customerId,
      attempts: [],
      warnings: [],
      limitInfo: null,
      prompt: c.prompt
        ? {
            id: c.prompt.prompt_id,
            version: c.prompt.version,
            variables: c.prompt.variables,
            ...(c.prompt.prompt_name ? { name: c.prompt.prompt_name } : {}),
          }
        : null,
      overhead: 0,
      ...over,
    };
  }

  offer(span: SpanRecord): void {
    if (!this.deps.writer.offer(span)) this.deps.log.warn('span writer queue full; span dropped', { unique_id: span.unique_id });
  }

  /** Logs a failed call; `err` may be an EngineFailure (with attempts) or any error. */
  logFailure(c: Prepared, err: unknown, limitInfo: Record<string, unknown> | null, over: Partial<CallFacts> = {}): GatewayError {
    const failure = err instanceof EngineFailure ? err : null;
    const gErr = failure ? failure.error : err instanceof GatewayError ? err : new InternalError();
    if (!(err instanceof GatewayError) && !failure) this.deps.log.error('proxy call failed', { error: String(err) });
    const f = this.facts(c, {
      statusCode: gErr.status,
      errorMessage: gErr.message,
      attempts: failure?.attempts ?? [],
      warnings: failure?.warnings ?? [],
      limitInfo,
      overhead: this.overheadMs(c, failure?.upstreamMs ?? 0, failure?.retryWaitMs ?? 0) / 1000,
      ...(failure?.last ? { model: failure.last.model, provider: failure.last.provider || null } : {}),
      ...over,
    });
    this.offer(buildSpan(f));
    return gErr;
  }

  /** A cache hit: costs nothing, logged as cached unless `omit_log`. */
  hitFacts(c: Prepared, entry: CacheEntry, tokens: TokenCounts, output: unknown): CallFacts {
    return this.facts(c, {
      model: entry.model,
      provider: entry.provider,
      tokens,
      cached: true,
      output,
      overhead: this.overheadMs(c, 0, 0) / 1000,
    });
  }

  headers(overheadMs: number, cache: 'HIT' | 'MISS' | null): Record<string, string> {
    const h: Record<string, string> = { [OVERHEAD_HEADER]: overheadMs.toFixed(3) };
    if (cache) h[CACHE_HEADER] = cache;
    return h;
  }

  /** A completion without streaming, in any of the client-facing APIs. */
  async complete(input: ProxyInput, api: ProxyApi): Promise<ProxyResult> {
    const c = await this.prepare(input, api);
    try {
      if (c.cacheKey) {
        const hit = await this.answers.get(c.cacheKey);
        if (hit?.body.kind === api.name) {
          const { chat, body } = hit.body;
          const f = this.hitFacts(c, hit, countsFromUsage(chat.usage) ?? NO_TOKENS, chat.choices[0]?.message ?? null);
          if (!c.params.cache_options?.omit_log) this.offer(buildSpan(f));
          return { body: this.decorate(c, { ...(body ?? chat) }, f), headers: this.headers(f.overhead * 1000, 'HIT') };
        }
      }
      // No customer, no gate: skip the async call (one promise and a tick per request).
      const admission = c.customerId ? await this.admit(c) : null;
      let r: EngineResult<WireAnswer>;
      try {
        r = await this.engine.run({ plan: c.plan, retry: c.retry, scope: c.scope }, (adapter, ctx) =>
          api.complete(adapter, c.upstream, this.contextFor(c, ctx)),
        );
      } catch (err) {
        admission?.release();
        throw this.logFailure(c, err, admission?.limitInfo ?? null);
      }
      const { chat, body } = r.value;
      const tokens = countsFromUsage(chat.usage) ?? (await this.tokensOf(c, chat, r.attempt.info));
      return this.answered(c, r, body, admission, tokens, chat.choices[0]?.message ?? null, cachedAnswer(api, r.value));
    } finally {
      c.done();
    }
  }

  /** A successful upstream answer: settle the budget, log the span, fill the cache, shape the response. */
  answered(
    c: Prepared,
    r: EngineResult<unknown>,
    body: Record<string, unknown>,
    admission: Admission | null,
    tokens: TokenCounts,
    output: unknown,
    cached: CachedBody,
  ): ProxyResult {
    const warnings = [...r.warnings];
    const cost = this.costOf(tokens, r.attempt.info, warnings);
    admission?.settle(cost);
    const overhead = this.overheadMs(c, r.upstreamMs, r.retryWaitMs);
    const f = this.facts(c, {
      model: r.attempt.model,
      provider: r.attempt.provider,
      tokens,
      cost,
      output,
      attempts: r.attempts,
      warnings,
      limitInfo: admission?.limitInfo ?? null,
      overhead: overhead / 1000,
    });
    this.offer(buildSpan(f));
    if (c.cacheKey) {
      const entry = { body: cached, model: r.attempt.model, provider: r.attempt.provider, storedAt: this.deps.now() };
      this.answers.set(c.cacheKey, entry, c.cacheTtlMs);
    }
    return { body: this.decorate(c, body, f), headers: this.headers(overhead, c.cacheKey ? 'MISS' : null) };
  }

  /** Adds what the gateway's parameters ask for to a response body. */
  decorate(c: Prepared, out: Record<string, unknown>, f: CallFacts): Record<string, unknown> {
    if (c.params.request_breakdown || c.prompt?.prompt_message) forget(out);
    if (c.params.request_breakdown) out.request_breakdown = requestBreakdown(f);
    if (c.prompt?.prompt_message) out.prompt_message = c.prompt.prompt_message;
    return out;
  }
}

/** What the cache keeps of an answer: the chat view, and the client's body when it is not the same object. */
export function cachedAnswer(api: ProxyApi, a: WireAnswer): CachedBody {
  return a.body === a.chat ? { kind: api.name, chat: a.chat } : { kind: api.name, chat: a.chat, body: a.body };
}
