import { describe, expect, test } from 'bun:test';
import { parseAllowEntry } from '../../src/lib/host-allowlist.ts';
import { specialRange } from '../../src/lib/ip-ranges.ts';
import { ApiBasePolicy, type CallerBase, requestApiBases } from '../../src/routing/api-base-policy.ts';
import { testConfig } from '../helpers/app.ts';

const DNS: Record<string, string[]> = {
  'public.test': ['93.184.216.34', '2606:2800:220:1::1'],
  'evil.test': ['127.0.0.1'],
  'mixed.test': ['93.184.216.34', '10.1.2.3'],
  'metadata.test': ['169.254.169.254'],
  'mapped.test': ['::ffff:10.0.0.1'],
  'inside.test': ['10.9.9.9'],
  'localhost': ['127.0.0.1', '::1'],
};
const resolve = async (host: string) => {
  const a = DNS[host];
  if (!a) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return a;
};

function policy(global: string[], providers: Record<string, string[]> = {}) {
  const config = testConfig({
    security: { allowed_api_bases: global },
    providers: Object.fromEntries(Object.entries(providers).map(([id, list]) => [id, { allowed_api_bases: list }])),
  });
  return new ApiBasePolicy(config, resolve);
}

const base = (b: string, provider: string | null = 'openai'): CallerBase => ({ field: 'f', provider, base: b });

describe('addresses that are not public', () => {
  test('every range the issue names, in every spelling the URL parser accepts', () => {
    const host = (u: string) => new URL(u).hostname.replace(/^\[|\]$/g, '');
    for (const [url, label] of [
      ['http://127.0.0.1/', 'loopback'],
      ['http://2130706433/', 'loopback'],
      ['http://0x7f.1/', 'loopback'],
      ['http://0177.0.0.1/', 'loopback'],
      ['http://127.1/', 'loopback'],
      ['http://[::1]/', 'loopback'],
      ['http://[::ffff:127.0.0.1]/', 'loopback'],
      ['http://[0:0:0:0:0:ffff:7f00:1]/', 'loopback'],
      ['http://0/', 'unspecified'],
      ['http://0.0.0.0/', 'unspecified'],
      ['http://[::]/', 'unspecified'],
      ['http://169.254.169.254/', 'link-local (cloud metadata)'],
      ['http://[::ffff:169.254.169.254]/', 'link-local (cloud metadata)'],
      ['http://[fe80::1]/', 'link-local'],
      ['http://10.0.0.1/', 'private'],
      ['http://172.16.5.4/', 'private'],
      ['http://192.168.1.1/', 'private'],
      ['http://100.64.0.1/', 'carrier-grade NAT'],
      ['http://[fd00:ec2::254]/', 'unique local'],
      ['http://[::ffff:0:7f00:1]/', 'IPv4-translated'],
      ['http://[64:ff9b::a9fe:a9fe]/', 'NAT64'],
    ] as const) {
      expect([url, specialRange(host(url))]).toEqual([url, label]);
    }
    for (const pub of ['8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) expect(specialRange(pub)).toBeNull();
  });
});

describe('allowlist entries', () => {
  test('hosts, wildcards, IPs, ranges, schemes and ports parse; anything else says why not', () => {
    expect(parseAllowEntry('*.openai.azure.com')).toMatchObject({ kind: 'suffix', value: 'openai.azure.com' });
    expect(parseAllowEntry('https://api.example.com:8443/')).toMatchObject({ kind: 'name', scheme: 'https', port: '8443' });
    expect(parseAllowEntry('[fd00::5]:80')).toMatchObject({ kind: 'ip', value: 'fd00::5', port: '80' });
    expect(parseAllowEntry('10.0.0.5:*')).toMatchObject({ kind: 'ip', port: '*' });
    expect(parseAllowEntry('10.0.0.0/8')).toMatchObject({ kind: 'cidr' });
    expect(parseAllowEntry('ftp://files.example.com')).toContain('only http and https');
    expect(parseAllowEntry('10.0.0.0/33')).toContain('not a valid CIDR');
    expect(parseAllowEntry('not a host')).toContain('not a valid host');
  });
});

describe('ApiBasePolicy', () => {
  test('with no allowlist every caller base is refused, naming the lists to use', async () => {
    const why = await policy([]).refusal(base('https://api.openai.com/v1'));
    expect(why).toContain("host 'api.openai.com' is not allowed");
    expect(why).toContain('security.allowed_api_bases or providers.openai.allowed_api_bases');
  });

  test('non-HTTP schemes, credentials in the URL and non-URLs are refused even with *', async () => {
    const p = policy(['*']);
    expect(await p.refusal(base('file:///etc/passwd'))).toContain("scheme 'file' is not allowed");
    expect(await p.refusal(base('gopher://public.test/'))).toContain("scheme 'gopher'");
    expect(await p.refusal(base('http://user:pw@public.test/'))).toContain('user name or password');
    expect(await p.refusal(base('/v1'))).toContain('absolute http or https URL');
  });

  test('a wildcard lets through public hosts only: literal and resolved non-public addresses are refused', async () => {
    const p = policy(['*:*']);
    expect(await p.refusal(base('https://public.test/v1'))).toBeNull();
    expect(await p.refusal(base('http://127.0.0.1:8080/v1'))).toContain('is a loopback address');
    expect(await p.refusal(base('http://2130706433/'))).toContain("host '127.0.0.1' is a loopback address");
    expect(await p.refusal(base('http://[::ffff:169.254.169.254]/'))).toContain('link-local (cloud metadata)');
    expect(await p.refusal(base('http://evil.test/'))).toContain('resolves to 127.0.0.1, a loopback address');
    expect(await p.refusal(base('http://localhost:9/'))).toContain('loopback');
    expect(await p.refusal(base('http://mixed.test/'))).toContain('resolves to 10.1.2.3, a private address');
    expect(await p.refusal(base('http://metadata.test/'))).toContain('cloud metadata');
    expect(await p.refusal(base('http://mapped.test/'))).toContain('private');
    expect(await p.refusal(base('http://nowhere.test/'))).toContain("host 'nowhere.test' cannot be resolved");
  });

  test('explicit entries allow non-public addresses: the host, the address, or its range', async () => {
    expect(await policy(['127.0.0.1:8000']).refusal(base('http://127.0.0.1:8000/v1'))).toBeNull();
    expect(await policy(['localhost:*']).refusal(base('http://localhost:8000/v1'))).toBeNull();
    expect(await policy(['10.0.0.0/8']).refusal(base('http://10.2.3.4/v1'))).toBeNull();
    // A wildcard host whose address falls in a listed range passes; other private ranges do not.
    expect(await policy(['*', '10.0.0.0/8']).refusal(base('http://inside.test/'))).toBeNull();
    expect(await policy(['*', '192.168.0.0/16']).refusal(base('http://inside.test/'))).toContain('private');
  });

  test('scheme and port must match: no port means the default one only, :* any', async () => {
    const p = policy(['https://public.test', 'http://127.0.0.1:8000', 'https://api.example.com:443', 'inside.test:*']);
    expect(await p.refusal(base('https://public.test/v1'))).toBeNull();
    expect(await p.refusal(base('http://public.test/v1'))).toContain('is not allowed');
    expect(await p.refusal(base('https://public.test:8443/v1'))).toContain('is not allowed');
    expect(await p.refusal(base('http://127.0.0.1:8000/'))).toBeNull();
    expect(await p.refusal(base('http://127.0.0.1:8001/'))).toContain('is not allowed');
    expect(await p.refusal(base('https://api.example.com/'))).toBeNull();
    expect(await p.refusal(base('http://inside.test:22/'))).toBeNull();
  });

  test('a subdomain wildcard matches subdomains only', async () => {
    const p = policy(['*.azure.test']);
    DNS['res.azure.test'] = ['20.1.2.3'];
    expect(await p.refusal(base('https://res.azure.test/'))).toBeNull();
    expect(await p.refusal(base('https://azure.test/'))).toContain('is not allowed');
    expect(await p.refusal(base('https://evilazure.test/'))).toContain('is not allowed');
  });

  test("a provider's list applies to that provider's bases only", async () => {
    const p = policy([], { openai: ['127.0.0.1:*'] });
    expect(await p.refusal(base('http://127.0.0.1/', 'openai'))).toBeNull();
    expect(await p.refusal(base('http://127.0.0.1/', 'anthropic'))).toContain('providers.anthropic.allowed_api_bases');
    expect(await p.refusal(base('http://127.0.0.1/', null))).toContain('security.allowed_api_bases');
  });

  test('check throws a 422 naming the field, and never quotes the whole URL', async () => {
    const p = policy([]);
    const err = await p
      .check([{ field: 'customer_credentials.openai.api_base', provider: 'openai', base: 'http://10.0.0.1/v1?key=SECRET' }])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, param: 'customer_credentials.openai.api_base' });
    expect(String((err as Error).message)).not.toContain('SECRET');
  });
});

describe('requestApiBases', () => {
  test('finds every api_base a request can carry, with its field and provider', () => {
    const providerOf = (m: string) => (m.startsWith('claude') ? 'anthropic' : 'openai');
    const found = requestApiBases(
      {
        customer_credentials: { openai: { api_base: 'a' }, anthropic: { api_key: 'k' } },
        credential_override: { 'claude-x': { api_base: 'b' } },
        loadbalance_models: [{ model: 'gpt-4o', weight: 1, credentials: { api_base: 'c' } }],
        load_balance_group: { models: [{ model: 'gpt-4o', weight: 1 }, { model: 'claude-y', weight: 1, credentials: { api_base: 'd' } }] },
      },
      providerOf,
    );
    expect(found).toEqual([
      { field: 'customer_credentials.openai.api_base', provider: 'openai', base: 'a' },
      { field: 'credential_override.claude-x.api_base', provider: 'anthropic', base: 'b' },
      { field: 'loadbalance_models.0.credentials.api_base', provider: 'openai', base: 'c' },
      { field: 'load_balance_group.models.1.credentials.api_base', provider: 'anthropic', base: 'd' },
    ]);
  });
});
