/**
 * Entries of an api_base allowlist (`security.allowed_api_bases`,
 * `providers.<id>.allowed_api_bases`) and how a URL matches them. An entry is
 * `[http(s)://]HOST[:PORT]` or a CIDR:
 *
 *   `api.example.com`, `10.0.0.5`, `[fd00::5]`   exactly that host: explicit
 *   `10.0.0.0/8`, `fd00::/8`                     addresses in the range: explicit
 *   `*.example.com`                              any subdomain: a wildcard
 *   `*`                                          any host: a wildcard
 *
 * A scheme in the entry must match. A port must match too: an entry without
 * one allows only the scheme's default port (80, 443), `:*` any port, so that
 * an allowed host cannot be scanned port by port. Explicit entries may name
 * non-public addresses; wildcards only let through hosts whose every address
 * is public (api-base-policy.ts).
 */
import type { BlockList } from 'node:net';
import { inCidr, ipLiteral, parseCidr } from './ip-ranges.ts';

export type AllowEntry =
  | { kind: 'any' | 'suffix' | 'name'; value: string; scheme: string | null; port: string | null }
  /** One address (`ip`) or a range (`cidr`). */
  | { kind: 'ip' | 'cidr'; value: string; range: BlockList; scheme: string | null; port: string | null };

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?)*$/;

/** Parses one entry, or returns why it is not one. */
export function parseAllowEntry(raw: string): AllowEntry | string {
  let s = raw.trim().toLowerCase();
  let scheme: string | null = null;
  const m = /^([a-z][a-z0-9+.-]*):\/\//.exec(s);
  if (m) {
    if (m[1] !== 'http' && m[1] !== 'https') return `scheme '${m[1]}' is not allowed: only http and https`;
    scheme = m[1];
    s = s.slice(m[0].length);
  }
  s = s.replace(/\/$/, '');
  if (s.includes('/')) {
    const range = parseCidr(s.replace(/^\[(.*)\](\/\d+)$/, '$1$2'));
    return range ? { kind: 'cidr', value: s, range, scheme, port: null } : `'${raw}' is not a valid CIDR range`;
  }
  let host = s;
  let port: string | null = null;
  const bracketed = /^(\[[^\]]+\])(?::(\d{1,5}|\*))?$/.exec(s);
  if (bracketed) {
    host = bracketed[1] as string;
    port = bracketed[2] ?? null;
  } else if (s.split(':').length === 2) {
    [host, port] = s.split(':') as [string, string];
    if (!/^(\d{1,5}|\*)$/.test(port)) return `'${raw}' has an invalid port`;
  }
  if (host === '*') return { kind: 'any', value: '*', scheme, port };
  if (host.startsWith('*.')) {
    const suffix = host.slice(2);
    return HOST_NAME.test(suffix) ? { kind: 'suffix', value: suffix, scheme, port } : `'${raw}' is not a valid host pattern`;
  }
  const literal = ipLiteral(host);
  if (literal) return { kind: 'ip', value: literal, range: parseCidr(literal) as BlockList, scheme, port };
  if (!HOST_NAME.test(host.replace(/\.$/, ''))) return `'${raw}' is not a valid host, host pattern or CIDR range`;
  return { kind: 'name', value: host.replace(/\.$/, ''), scheme, port };
}

/** Parses every entry; throws with the index and the reason of the first bad one. */
export function parseAllowlist(entries: readonly string[]): AllowEntry[] {
  return entries.map((e, i) => {
    const parsed = parseAllowEntry(e);
    if (typeof parsed === 'string') throw new Error(`entry ${i}: ${parsed}`);
    return parsed;
  });
}

export function isExplicit(e: AllowEntry): boolean {
  return e.kind === 'name' || e.kind === 'ip' || e.kind === 'cidr';
}

/** Whether the entry lets `url` through by its scheme, port and host (addresses are checked apart). */
export function entryMatches(e: AllowEntry, url: URL): boolean {
  const scheme = url.protocol.slice(0, -1);
  if (e.scheme !== null && e.scheme !== scheme) return false;
  // The URL parser leaves `port` empty when it is the scheme's default.
  const port = url.port || (scheme === 'https' ? '443' : '80');
  if (e.port === null ? url.port !== '' : e.port !== '*' && e.port !== port) return false;
  const host = url.hostname.replace(/\.$/, '');
  switch (e.kind) {
    case 'any':
      return true;
    case 'suffix':
      return host.endsWith(`.${e.value}`);
    case 'name':
      return host === e.value;
    case 'ip':
    case 'cidr': {
      const ip = ipLiteral(host);
      return ip !== null && inCidr(e.range, ip);
    }
  }
}

/** Whether an explicit entry (an IP or a range) names this resolved address. */
export function addressListed(entries: readonly AllowEntry[], address: string): boolean {
  return entries.some((e) => (e.kind === 'ip' || e.kind === 'cidr') && inCidr(e.range, address));
}
