/**
 * Where a caller may point the gateway (docs/security.md). Every api_base a
 * request carries is refused, 422 naming its field, unless its host matches
 * `security.allowed_api_bases` or the provider's `allowed_api_bases`. Hosts a
 * wildcard lets through must also resolve only to public addresses; loopback,
 * private, link-local (cloud metadata) and the other non-public ranges pass
 * only when an entry names the host, the address or its range. Bases from
 * the config file are the operator's and are never checked here.
 */
import { lookup } from 'node:dns/promises';
import type { Config } from '../config.ts';
import { ValidationError } from '../errors.ts';
import { type AllowEntry, addressListed, entryMatches, isExplicit, parseAllowlist } from '../lib/host-allowlist.ts';
import { ipLiteral, specialRange } from '../lib/ip-ranges.ts';
import type { WeightedModel } from '../schemas/gateway.ts';
import type { RoutingParams } from './plan.ts';

/** A host's addresses. */
export type ResolveHost = (host: string) => Promise<string[]>;

/** One api_base from a request: the field it came in, and the provider it is for when known. */
export interface CallerBase {
  field: string;
  provider: string | null;
  base: string;
}

export const resolveWithDns: ResolveHost = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

const RESOLVE_TIMEOUT_MS = 5_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const timer = new Promise<never>((_, reject) => {
    handle = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timer]).finally(() => clearTimeout(handle));
}

export class ApiBasePolicy {
  private readonly global: AllowEntry[];
  private readonly byProvider = new Map<string, AllowEntry[]>();

  constructor(
    config: Pick<Config, 'security' | 'providers'>,
    private readonly resolve: ResolveHost = resolveWithDns,
  ) {
    // Entries were checked when the config was loaded (config-load.ts).
    this.global = parseAllowlist(config.security.allowed_api_bases);
    for (const [id, p] of Object.entries(config.providers)) {
      if (p.allowed_api_bases?.length) this.byProvider.set(id, parseAllowlist(p.allowed_api_bases));
    }
  }

  /** Throws a 422 naming the field of the first base that is not allowed. */
  async check(bases: readonly CallerBase[]): Promise<void> {
    for (const b of bases) {
      const why = await this.refusal(b);
      if (why) throw ValidationError.field(b.field, why);
    }
  }

  /** Why a base is refused, or null. Names the host, never the whole URL (it may carry a key). */
  async refusal(b: CallerBase): Promise<string | null> {
    let url: URL;
    try {
      url = new URL(b.base);
    } catch {
      return 'must be an absolute http or https URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return `scheme '${url.protocol.slice(0, -1)}' is not allowed: only http and https`;
    }
    if (url.username || url.password) return 'must not carry a user name or password';
    const host = url.hostname;
    const lists = b.provider
      ? `security.allowed_api_bases or providers.${b.provider}.allowed_api_bases`
      : 'security.allowed_api_bases';
    const entries = [...this.global, ...(b.provider ? (this.byProvider.get(b.provider) ?? []) : [])];
    const matching = entries.filter((e) => entryMatches(e, url));
    if (matching.length === 0) {
      return `host '${host}' is not allowed: an api_base sent with a request must match ${lists} in the gateway's config`;
    }
    if (matching.some(isExplicit)) return null;
    const literal = ipLiteral(host);
    let addresses: string[];
    if (literal) addresses = [literal];
    else {
      try {
        addresses = await withTimeout(this.resolve(host), RESOLVE_TIMEOUT_MS);
      } catch (err) {
        return `host '${host}' cannot be resolved (${err instanceof Error ? err.message : String(err)})`;
      }
      if (addresses.length === 0) return `host '${host}' cannot be resolved`;
    }
    for (const a of addresses) {
      const range = specialRange(a);
      if (range && !addressListed(entries, a)) {
        const what = literal ? `is a ${range} address` : `resolves to ${a}, a ${range} address`;
        return `host '${host}' ${what}; only an entry in ${lists} naming the host, the address or its range allows it`;
      }
    }
    return null;
  }
}

/** Every api_base in a request's own parameters, with its field (header parameters count as the body's). */
export function requestApiBases(p: RoutingParams, providerOf: (model: string) => string | null): CallerBase[] {
  const out: CallerBase[] = [];
  // Every request passes here and nearly none names a base: absent fields cost nothing (no entries, no copies).
  if (p.customer_credentials) {
    for (const [provider, c] of Object.entries(p.customer_credentials)) {
      if (c.api_base) out.push({ field: `customer_credentials.${provider}.api_base`, provider, base: c.api_base });
    }
  }
  if (p.credential_override) {
    for (const [model, c] of Object.entries(p.credential_override)) {
      if (c.api_base) out.push({ field: `credential_override.${model}.api_base`, provider: providerOf(model), base: c.api_base });
    }
  }
  if (p.loadbalance_models) out.push(...weightedApiBases(p.loadbalance_models, 'loadbalance_models', providerOf));
  if (p.load_balance_group?.models) out.push(...weightedApiBases(p.load_balance_group.models, 'load_balance_group.models', providerOf));
  return out;
}

/** The api_bases of load-balance entries (a request's, or a prompt version's). */
export function weightedApiBases(
  entries: readonly WeightedModel[] | undefined,
  field: string,
  providerOf: (model: string) => string | null,
): CallerBase[] {
  const out: CallerBase[] = [];
  (entries ?? []).forEach((e, i) => {
    const base = e.credentials?.api_base;
    if (base) out.push({ field: `${field}.${i}.credentials.api_base`, provider: providerOf(e.model), base });
  });
  return out;
}
