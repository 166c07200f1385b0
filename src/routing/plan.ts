/**
 * Routing as pure logic: a request's gateway parameters in, the ordered list
 * of attempts out (model, provider, upstream name, credentials, where the
 * entry came from). No I/O; the engine executes the list.
 *
 * Which models, in order (seed 002 and api-surface.md "Gateway behaviour"):
 *   1. `loadbalance_models` (deprecated) overrides `model`: its entries in
 *      weighted order without replacement.
 *   2. else `model`; then `models` behave as fallbacks.
 *   3. else `load_balance_group`: inline `models` override the configured
 *      group `group_id`; weighted order without replacement.
 *   4. else `models` (router candidates) minus `exclude_models` and
 *      `exclude_providers`, in the order given (we have no quality router:
 *      the first candidate is the choice, the rest its fallbacks).
 *   then `fallback_models` in order. `disable_fallback` keeps only the first.
 *   A model appears once; exclusions never apply to fallbacks.
 *
 * Credentials, field by field, most specific first: credential_override[model],
 * customer_credentials[provider], customer_api_keys[model] (deprecated), the
 * load-balance entry's credentials, then the configured provider. The
 * configured api_key never goes to an api_base the caller chose: that base
 * gets the caller's own key or none (the policy in api-base-policy.ts decides
 * beforehand which bases a caller may choose at all).
 */
import type { Config, ProviderConfig } from '../config.ts';
import { type GatewayError, MissingCredentialsError, ModelNotFoundError, ValidationError } from '../errors.ts';
import type { ModelInfo } from '../pricing/model.ts';
import type { ModelOverlay } from '../pricing/registry.ts';
import type { ProviderCredentials } from '../providers/types.ts';
import type { Credentials, GatewayParams, WeightedModel } from '../schemas/gateway.ts';
import type { Random } from '../lib/random.ts';
import { weightedOrder } from './weighted.ts';

export type AttemptSource = 'model' | 'router' | 'load_balance_group' | 'loadbalance_models' | 'fallback';

export interface PlannedAttempt {
  /** The model name as the request wrote it. */
  model: string;
  source: AttemptSource;
  /** Null when the name resolves to nothing (then `error` says so). */
  info: ModelInfo | null;
  provider: string;
  /** The name sent to the provider. */
  upstreamModel: string;
  credentials: ProviderCredentials;
  /** The API key came from the request, not from gateway config. */
  callerCredentials: boolean;
  /** The api_base came from the request: its answers are not passed on (docs/security.md). */
  callerBase: boolean;
  /** A failure known before calling: unknown model, missing key. The engine records it and moves on. */
  error: GatewayError | null;
}

export interface ModelResolver {
  resolve(name: string, overlay?: ModelOverlay): ModelInfo | null;
}

export interface PlanContext {
  registry: ModelResolver;
  overlay?: ModelOverlay;
  providers: Readonly<Record<string, ProviderConfig>>;
  groups: Config['load_balance_groups'];
  random: Random;
  /** Providers whose calls need no API key (mock, local servers, custom ids). */
  keyless: (provider: string) => boolean;
}

export type RoutingParams = Pick<
  GatewayParams,
  | 'models'
  | 'exclude_models'
  | 'exclude_providers'
  | 'load_balance_group'
  | 'loadbalance_models'
  | 'fallback_models'
  | 'disable_fallback'
  | 'model_name_map'
  | 'customer_credentials'
  | 'credential_override'
  | 'customer_api_keys'
> & { model?: string };

interface Candidate {
  model: string;
  source: AttemptSource;
  entryCredentials?: Credentials;
  /** Entry credentials came from the request (inline group, loadbalance_models). */
  entryFromCaller?: boolean;
}

function fromWeighted(entries: readonly WeightedModel[], source: AttemptSource, caller: boolean, random: Random) {
  return weightedOrder(entries, random).map(
    (e): Candidate => ({
      model: e.model,
      source,
      ...(e.credentials ? { entryCredentials: e.credentials, entryFromCaller: caller } : {}),
    }),
  );
}

function primaryCandidates(p: RoutingParams, ctx: PlanContext): Candidate[] {
  if (p.loadbalance_models?.length) return fromWeighted(p.loadbalance_models, 'loadbalance_models', true, ctx.random);
  if (p.model) {
    const out: Candidate[] = [{ model: p.model, source: 'model' }];
    for (const m of p.models ?? []) out.push({ model: m, source: 'fallback' });
    return out;
  }
  const group = p.load_balance_group;
  if (group) {
    if (group.models?.length) return fromWeighted(group.models, 'load_balance_group', true, ctx.random);
    if (!group.group_id) {
      throw ValidationError.field('load_balance_group', 'give group_id (a group from the config) or models');
    }
    const configured = ctx.groups[group.group_id];
    if (!configured) {
      throw ValidationError.field('load_balance_group.group_id', `Unknown load balance group '${group.group_id}'`);
    }
    return fromWeighted(configured.models, 'load_balance_group', false, ctx.random);
  }
  if (p.models?.length) {
    const excludedModels = new Set(p.exclude_models ?? []);
    const excludedProviders = new Set(p.exclude_providers ?? []);
    const kept = p.models.filter((m) => {
      if (excludedModels.has(m)) return false;
      const provider = ctx.registry.resolve(m, ctx.overlay)?.provider_id;
      return !(provider && excludedProviders.has(provider));
    });
    if (kept.length === 0) {
      throw ValidationError.field('models', 'every model is excluded by exclude_models or exclude_providers');
    }
    return kept.map((m) => ({ model: m, source: 'router' }));
  }
  throw ValidationError.field('model', 'model is required (or models, load_balance_group or loadbalance_models)');
}

/** What `fill` took: bit flags (no object per source on every call). */
const TOOK_KEY = 1;
const TOOK_BASE = 2;

/** Copies the defined fields of `src` that `out` does not have yet; tells (TOOK_KEY, TOOK_BASE) whether api_key and api_base were taken. */
function fill(out: ProviderCredentials, src: Credentials | ProviderCredentials | undefined, skipKey = false): number {
  let taken = 0;
  if (!src) return taken;
  if (!skipKey && out.api_key === undefined && src.api_key) {
    out.api_key = src.api_key;
    taken |= TOOK_KEY;
  }
  if (out.api_base === undefined && src.api_base) {
    out.api_base = src.api_base;
    taken |= TOOK_BASE;
  }
  if (out.api_version === undefined && src.api_version) out.api_version = src.api_version;
  if (out.deployment === undefined && src.deployment) out.deployment = src.deployment;
  return taken;
}

/** `model_name_map` values are written `azure/<deployment>`; the provider prefix is optional. */
function mappedDeployment(p: RoutingParams, c: Candidate, info: ModelInfo): string | undefined {
  const map = p.model_name_map;
  if (!map) return undefined;
  const v = map[c.model] ?? map[info.model_name] ?? map[info.upstream_model];
  if (!v) return undefined;
  const prefix = `${info.provider_id}/`;
  return v.startsWith(prefix) ? v.slice(prefix.length) : v;
}

function credentialsFor(p: RoutingParams, c: Candidate, info: ModelInfo, ctx: PlanContext) {
  const creds: ProviderCredentials = {};
  const provider = info.provider_id;
  const legacyKey = p.customer_api_keys?.[c.model];
  let fromCaller =
    fill(creds, p.credential_override?.[c.model] ?? p.credential_override?.[info.model_name]) |
    fill(creds, p.customer_credentials?.[provider]);
  if (legacyKey && creds.api_key === undefined) {
    creds.api_key = legacyKey;
    fromCaller |= TOOK_KEY;
  }
  const entry = fill(creds, c.entryCredentials);
  if (c.entryFromCaller === true) fromCaller |= entry;
  const callerCredentials = (fromCaller & TOOK_KEY) !== 0;
  const callerBase = (fromCaller & TOOK_BASE) !== 0;
  const deployment = mappedDeployment(p, c, info);
  if (creds.deployment === undefined && deployment) creds.deployment = deployment;
  const configured: ProviderConfig | undefined = ctx.providers[provider];
  if (configured) {
    // The configured key never goes to a base the caller chose.
    fill(creds, configured, callerBase);
    const configDeployment = configured.deployments?.[info.upstream_model];
    if (creds.deployment === undefined && configDeployment) creds.deployment = configDeployment;
  }
  return { credentials: creds, callerCredentials, callerBase };
}

function toAttempt(p: RoutingParams, c: Candidate, ctx: PlanContext): PlannedAttempt {
  const info = ctx.registry.resolve(c.model, ctx.overlay);
  if (!info) {
    return {
      model: c.model,
      source: c.source,
      info: null,
      provider: '',
      upstreamModel: c.model,
      credentials: {},
      callerCredentials: false,
      callerBase: false,
      error: new ModelNotFoundError(c.model),
    };
  }
  const { credentials, callerCredentials, callerBase } = credentialsFor(p, c, info, ctx);
  const missing = !credentials.api_key && !ctx.keyless(info.provider_id);
  return {
    model: c.model,
    source: c.source,
    info,
    provider: info.provider_id,
    upstreamModel: info.upstream_model,
    credentials,
    callerCredentials,
    callerBase,
    error: missing ? new MissingCredentialsError(info.provider_id, c.model, callerBase) : null,
  };
}

/** The ordered attempts for a request. Throws ValidationError for contradictory or missing routing input. */
export function planAttempts(p: RoutingParams, ctx: PlanContext): PlannedAttempt[] {
  const candidates = primaryCandidates(p, ctx);
  if (!p.disable_fallback) {
    for (const m of p.fallback_models ?? []) candidates.push({ model: m, source: 'fallback' });
  }
  const seen = new Set<string>();
  const out: PlannedAttempt[] = [];
  for (const c of candidates) {
    if (seen.has(c.model)) continue;
    seen.add(c.model);
    out.push(toAttempt(p, c, ctx));
    if (p.disable_fallback) break;
  }
  return out;
}
