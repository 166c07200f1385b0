/**
 * Addresses that are not on the public internet: loopback, private, link-local
 * (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, reserved,
 * documentation, and the IPv6 forms that embed or translate IPv4 ones. Built on
 * node:net's BlockList, which also matches IPv4-mapped IPv6 addresses
 * (`::ffff:127.0.0.1`) against the IPv4 ranges. Addresses reach here already
 * canonical: the URL parser turns decimal, octal and hex IPv4 spellings
 * (`2130706433`, `0177.1`, `0x7f.1`) into dotted quads.
 */
import { BlockList, isIP } from 'node:net';

const RANGES: readonly [label: string, cidr: string][] = [
  ['loopback', '127.0.0.0/8'],
  ['loopback', '::1/128'],
  ['unspecified', '0.0.0.0/8'],
  ['unspecified', '::/128'],
  ['link-local (cloud metadata)', '169.254.0.0/16'],
  ['link-local', 'fe80::/10'],
  ['private', '10.0.0.0/8'],
  ['private', '172.16.0.0/12'],
  ['private', '192.168.0.0/16'],
  ['unique local', 'fc00::/7'],
  ['carrier-grade NAT', '100.64.0.0/10'],
  ['multicast', '224.0.0.0/4'],
  ['multicast', 'ff00::/8'],
  ['reserved', '240.0.0.0/4'],
  ['reserved', '192.0.0.0/24'],
  ['reserved', '198.18.0.0/15'],
  ['reserved', '192.88.99.0/24'],
  ['documentation', '192.0.2.0/24'],
  ['documentation', '198.51.100.0/24'],
  ['documentation', '203.0.113.0/24'],
  ['documentation', '2001:db8::/32'],
  ['IPv4-compatible', '::/96'],
  ['IPv4-translated', '::ffff:0:0:0/96'],
  ['NAT64', '64:ff9b::/96'],
  ['NAT64', '64:ff9b:1::/48'],
  ['discard', '100::/64'],
  ['IETF protocol (Teredo)', '2001::/23'],
  ['6to4', '2002::/16'],
  ['site-local', 'fec0::/10'],
];

function family(address: string): 'ipv4' | 'ipv6' | null {
  const v = isIP(address);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : null;
}

/** One CIDR (or a single address) as a matcher; null when it is not one. */
export function parseCidr(text: string): BlockList | null {
  const [address, bits] = text.split('/') as [string, string | undefined];
  const fam = family(address);
  if (!fam) return null;
  const max = fam === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return null;
  const list = new BlockList();
  list.addSubnet(address, prefix, fam);
  return list;
}

const LISTS = RANGES.map(([label, cidr]) => ({ label, list: parseCidr(cidr) as BlockList }));

/** An IP literal without URL brackets, or null for a host name. */
export function ipLiteral(host: string): string | null {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return family(bare) ? bare : null;
}

/** Which non-public range an address is in, or null when it is public. */
export function specialRange(address: string): string | null {
  const fam = family(address);
  if (!fam) return 'not an IP address';
  for (const { label, list } of LISTS) if (list.check(address, fam)) return label;
  return null;
}

export function inCidr(list: BlockList, address: string): boolean {
  const fam = family(address);
  return fam !== null && list.check(address, fam);
}
