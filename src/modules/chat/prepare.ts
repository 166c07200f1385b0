/**
 * Everything a proxy call needs before the first upstream byte: gateway
 * parameters split from the body, the prompt template resolved, the plan,
 * the cache key, the customer, and one abort signal for client disconnect
 * and the timeouts (src/routing/call-scope.ts).
 */
import { ClientClosedError, GatewayTimeoutError, StreamTimeoutError, ValidationError } from '../../errors.ts';
import type { ModelOverlay } from '../../pricing/registry.ts';
import { type ApiBasePolicy, requestApiBases, weightedApiBases } from '../../routing/api-base-policy.ts';
import { cacheKey } from '../../routing/cache.ts';
import { CallScope } from '../../routing/call-scope.ts';
import { type PlanContext, type PlannedAttempt, planAttempts } from '../../routing/plan.ts';
import { type RetryPolicy, retryPolicy } from '../../routing/retry.ts';
import type { Credentials, GatewayParams, WeightedModel } from '../../schemas/gateway.ts';
import type { ChatRequest } from '../../schemas/openai.ts';
import { requireCustomerControl } from '../customers/control.ts';
import type { Principal } from '../../principal.ts';
import type { ProxyApi } from './api.ts';
import { splitRequest } from './params.ts';
import type { PromptResolver, ResolvedPrompt } from './prompt.ts';

export interface PrepareDeps {
  prompts: PromptResolver;
  apiBases: ApiBasePolicy;
  planContext: (overlay: ModelOverlay | undefined) => PlanContext;
  overlay: (orgId: string) => Promise<ModelOverlay | undefined>;
  clock: () => number;
  now: () => number;
  timeoutMs: number;
  /** One try's limit: the scope's timer is first set for it (src/routing/call-scope.ts). */
  attemptTimeoutMs: number;
  defaultCacheTtlS: number;
}

export interface Prepared {
  principal: Principal;
  kind: 'chat' | 'embedding';
  /** The client-facing API of a completion call; null for embeddings. */
  api: ProxyApi | null;
  /** The request read as chat (span input, token counts, estimates); null for embeddings. */
  chat: ChatRequest | null;
  /** Client headers passed on to native calls. */
  forward: Record<string, string> | undefined;
  stream: boolean;
  /** Monotonic ms at arrival, and epoch ms. */
  t0: number;
  startedAt: number;
  params: GatewayParams & { model?: string };
  /** Sent upstream (model set per attempt). */
  upstream: Record<string, unknown>;
  plan: PlannedAttempt[];
  retry: RetryPolicy;
  customerId: string | null;
  cacheKey: string | null;
  cacheTtlMs: number;
  prompt: (ResolvedPrompt & { prompt_name?: string }) | null;
  /** The call's timeouts and abort, for the routing engine. */
  scope: CallScope;
  /** Aborted when the client leaves or the request times out (`scope.signal`). */
  readonly signal: AbortSignal;
  /** Aborts the upstream call (client gone). */
  abort: (reason: Error) => void;
  /** Clears the timer and the client listener; call once the call is over. */
  done: () => void;
}

const ONCE = { once: true } as const;

const CREDENTIAL_FIELDS = ['api_key', 'api_base', 'api_version', 'deployment'] as const;

/**
 * The version's parameters win over the request's own (docs/prompts.md); its routing fills what the request lacks.
 * The template is a chat request; the API writes it in its own fields.
 */
function applyPrompt(split: ReturnType<typeof splitRequest>, resolved: ResolvedPrompt, api: ProxyApi): void {
  const template: Record<string, unknown> = { messages: resolved.messages };
  for (const [k, v] of Object.entries(resolved.params)) {
    if (v === undefined || v === null) continue;
    if (k === 'model') {
      if (typeof v === 'string') split.params.model = v;
    } else template[k] = v;
  }
  Object.assign(split.upstream, api.fromChat(template as ChatRequest));
  if (resolved.fallback_models && !split.params.fallback_models) split.params.fallback_models = resolved.fallback_models;
  if (resolved.load_balance_models && !split.params.loadbalance_models) {
    split.params.loadbalance_models = resolved.load_balance_models.map((m): WeightedModel => {
      const credentials: Credentials = {};
      for (const f of CREDENTIAL_FIELDS) {
        const v = m.credentials?.[f];
        if (typeof v === 'string') credentials[f] = v;
      }
      return { model: m.model, weight: m.weight, ...(m.credentials ? { credentials } : {}) };
    });
  }
}

export async function prepare(
  deps: PrepareDeps,
  input: {
    principal: Principal;
    kind: 'chat' | 'embedding';
    api: ProxyApi | null;
    body: Record<string, unknown>;
    header: GatewayParams | null;
    clientSignal: AbortSignal | undefined;
    forward?: Record<string, string>;
  },
): Promise<Prepared> {
  const t0 = deps.clock();
  const startedAt = deps.now();
  const { api } = input;
  const split = splitRequest(input.body, input.header, api?.name);
  const { params } = split;
  requireCustomerControl(input.principal, params.customer_params, 'customer_params');
  const overlay = await deps.overlay(input.principal.orgId);
  const planContext = deps.planContext(overlay);
  const providerOf = (model: string) => planContext.registry.resolve(model, planContext.overlay)?.provider_id ?? null;
  const apiBases = requestApiBases(params, providerOf);
  let prompt: Prepared['prompt'] = null;
  if (params.prompt) {
    if (!api) throw ValidationError.field('prompt', 'prompt templates apply to chat completions only');
    // The request's own conversation, if it has one (instructions or a system prompt alone are not one).
    const own = split.upstream.messages === undefined && split.upstream.input === undefined ? [] : (api.chatView(split.upstream).messages ?? []);
    prompt = await deps.prompts.resolve(input.principal.orgId, params.prompt, own);
    const ownEntries = params.loadbalance_models !== undefined;
    applyPrompt(split, prompt, api);
    if (!ownEntries) apiBases.push(...weightedApiBases(params.loadbalance_models, 'prompt.load_balance_models', providerOf));
  }
  if (apiBases.length > 0) await deps.apiBases.check(apiBases);
  if (api) api.accept(split.upstream);
  else if (split.upstream.input === undefined) throw ValidationError.field('input', 'input is required');
  const stream = api !== null && split.upstream.stream === true;
  if (stream && params.request_breakdown && api?.name !== 'chat') {
    throw ValidationError.field('request_breakdown', 'is returned in the response body; this API\'s stream events have no place for it (call without stream)');
  }
  const plan = planAttempts(params, planContext);
  const customerId = params.customer_params?.customer_identifier ?? params.customer_identifier ?? null;
  const key = params.cache_enabled
    ? cacheKey({
        orgId: input.principal.orgId,
        environment: input.principal.environment,
        target: {
          kind: api?.name ?? input.kind,
          model: params.model,
          models: params.models,
          load_balance_group: params.load_balance_group,
          loadbalance_models: params.loadbalance_models?.map((m) => [m.model, m.weight]),
          // An answer from a caller's own base is that caller's: it never serves a call to another base.
          api_bases: apiBases.length > 0 ? apiBases.map((b) => b.base).sort() : undefined,
        },
        body: split.upstream,
        customer: params.cache_options?.cache_by_customer ? customerId : null,
      })
    : null;

  const scope = new CallScope(
    deps.timeoutMs,
    stream ? () => new StreamTimeoutError(`The stream ran past the limit of ${deps.timeoutMs} ms`) : () => new GatewayTimeoutError(deps.timeoutMs),
    deps.attemptTimeoutMs,
  );
  const c = new PreparedCall(scope, input.clientSignal);
  c.principal = input.principal;
  c.kind = input.kind;
  c.api = api;
  c.chat = api ? api.chatView(split.upstream) : null;
  c.forward = input.forward;
  c.stream = stream;
  c.t0 = t0;
  c.startedAt = startedAt;
  c.params = params;
  c.upstream = split.upstream;
  c.plan = plan;
  c.retry = retryPolicy(params.retry_params);
  c.customerId = customerId;
  c.cacheKey = key;
  c.cacheTtlMs = (params.cache_ttl ?? deps.defaultCacheTtlS) * 1000;
  c.prompt = prompt;
  return c;
}

/**
 * A prepared call as one object: its signal, abort and end are methods, and it listens for the
 * client leaving itself (`handleEvent`), so a call makes no closures, getter or listener function
 * of its own (objects the collector would take after every request).
 */
class PreparedCall implements Prepared {
  principal!: Principal;
  kind!: 'chat' | 'embedding';
  api!: ProxyApi | null;
  chat!: ChatRequest | null;
  forward!: Record<string, string> | undefined;
  stream!: boolean;
  t0!: number;
  startedAt!: number;
  params!: GatewayParams & { model?: string };
  upstream!: Record<string, unknown>;
  plan!: PlannedAttempt[];
  retry!: RetryPolicy;
  customerId!: string | null;
  cacheKey!: string | null;
  cacheTtlMs!: number;
  prompt!: (ResolvedPrompt & { prompt_name?: string }) | null;

  constructor(
    readonly scope: CallScope,
    private readonly clientSignal: AbortSignal | undefined,
  ) {
    clientSignal?.addEventListener('abort', this, ONCE);
  }

  get signal(): AbortSignal {
    return this.scope.signal;
  }

  abort(reason: Error): void {
    this.scope.abort(reason);
  }

  done(): void {
    this.scope.close();
    this.clientSignal?.removeEventListener('abort', this);
  }

  /** The client left (its request's signal aborted). */
  handleEvent(): void {
    this.scope.abort(new ClientClosedError());
  }
}
