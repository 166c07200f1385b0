import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ENV_KEYS, loadConfig } from '../src/config-load.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('config precedence', () => {
  test('defaults when nothing is given', () => {
    const c = loadConfig({ argv: [], env: {} });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, data_dir: './data', log_level: 'info', mock_provider: true });
    expect(c.cache.default_ttl_s).toBe(30 * 24 * 3600);
  });

  test('flags > environment > file > defaults, key by key', () => {
    const cfg = file('p.json', JSON.stringify({ port: 1111, host: '0.0.0.0', log_level: 'debug', data_dir: '/file' }));
    const c = loadConfig({
      argv: ['--config', cfg, '--port', '3333'],
      env: { SWITCHYARD_PORT: '2222', SWITCHYARD_HOST: '127.0.0.2' },
    });
    expect(c.port).toBe(3333);
    expect(c.host).toBe('127.0.0.2');
    expect(c.log_level).toBe('debug');
    expect(c.data_dir).toBe('/file');
    expect(c.body_limit_mb).toBe(32);
  });

  test('SWITCHYARD_CONFIG names the file; --flag=value form works', () => {
    const cfg = file('e.json', JSON.stringify({ port: 4444 }));
    expect(loadConfig({ argv: [], env: { SWITCHYARD_CONFIG: cfg } }).port).toBe(4444);
    expect(loadConfig({ argv: ['--port=5555'], env: { SWITCHYARD_CONFIG: cfg } }).port).toBe(5555);
  });

  test('YAML and TOML files', () => {
    const y = file('c.yaml', 'port: 7001\nproviders:\n  openai:\n    api_key: sk-yaml\n');
    const tm = file('c.toml', 'port = 7002\n[load_balance_groups.g1]\nmodels = [{ model = "gpt-4o", weight = 2 }]\n');
    expect(loadConfig({ argv: ['--config', y], env: {} }).providers.openai?.api_key).toBe('sk-yaml');
    const c = loadConfig({ argv: ['--config', tm], env: {} });
    expect(c.port).toBe(7002);
    expect(c.load_balance_groups.g1?.models[0]).toEqual({ model: 'gpt-4o', weight: 2 });
  });

  test('provider credentials from the environment merge with the file', () => {
    const cfg = file('prov.json', JSON.stringify({ providers: { openai: { api_base: 'http://127.0.0.1:9/v1' } } }));
    const c = loadConfig({
      argv: ['--config', cfg],
      env: { OPENAI_API_KEY: 'sk-env', SWITCHYARD_PROVIDER_LOCALAI_API_BASE: 'http://127.0.0.1:8/v1' },
    });
    expect(c.providers.openai).toEqual({ api_base: 'http://127.0.0.1:9/v1', api_key: 'sk-env' });
    expect(c.providers.localai).toEqual({ api_base: 'http://127.0.0.1:8/v1' });
  });

  test('--no-mock-provider and SWITCHYARD_MOCK_PROVIDER=false disable the mock', () => {
    expect(loadConfig({ argv: ['--no-mock-provider'], env: {} }).mock_provider).toBe(false);
    expect(loadConfig({ argv: [], env: { SWITCHYARD_MOCK_PROVIDER: 'false' } }).mock_provider).toBe(false);
  });

  test('every scalar setting, nested ones included, has an environment variable (SWITCHYARD_ + its path)', () => {
    const c = loadConfig({
      argv: [],
      env: {
        SWITCHYARD_LOG_FORMAT: 'json',
        SWITCHYARD_METRICS_PORT: '9464',
        SWITCHYARD_METRICS_REQUIRE_KEY: 'true',
        SWITCHYARD_ROUTING_TIMEOUT_MS: '1234',
        SWITCHYARD_STORE_READERS: '4',
        SWITCHYARD_CACHE_MAX_BYTES: '1024',
        SWITCHYARD_RETENTION_SPANS_DAYS: '1.5',
      },
    });
    expect([c.retention.spans_days, c.retention.bodies_days]).toEqual([1.5, null]);
    expect(c.log_format).toBe('json');
    expect(c.metrics).toEqual({ enabled: true, port: 9464, require_key: true, customer_label: false });
    expect([c.routing.timeout_ms, c.routing.attempt_timeout_ms]).toEqual([1234, 300_000]);
    expect([c.store.readers, c.cache.max_bytes]).toEqual([4, 1024]);
    expect(ENV_KEYS.SWITCHYARD_HOST).toEqual(['host']);
    expect(ENV_KEYS.SWITCHYARD_METRICS_CUSTOMER_LABEL).toEqual(['metrics', 'customer_label']);
    // Records and lists (providers, groups, models) come from the file or their own variables.
    expect(Object.values(ENV_KEYS).some(([top]) => top === 'providers' || top === 'models')).toBe(false);
  });

  test('a nested key from the environment merges with the file, key by key', () => {
    const cfg = file('m.json', JSON.stringify({ metrics: { customer_label: true }, routing: { keepalive_ms: 500 } }));
    const c = loadConfig({ argv: ['--log-format=json'], env: { SWITCHYARD_CONFIG: cfg, SWITCHYARD_METRICS_PORT: '9100' } });
    expect(c.metrics).toEqual({ enabled: true, port: 9100, require_key: false, customer_label: true });
    expect(c.routing.keepalive_ms).toBe(500);
    expect(c.log_format).toBe('json');
  });
});

describe('config errors name the key, the source and the reason', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['bad port flag', () => loadConfig({ argv: ['--port', 'abc'], env: {} }), /'port' \(from flag --port\)/],
    ['port out of range in env', () => loadConfig({ argv: [], env: { SWITCHYARD_PORT: '70000' } }), /'port' \(from environment SWITCHYARD_PORT\)/],
    ['unknown log level', () => loadConfig({ argv: ['--log-level', 'loud'], env: {} }), /'log_level'/],
    ['unknown key in file', () => loadConfig({ argv: ['--config', file('u.json', '{"prot": 1}')], env: {} }), /'prot' \(from config file\): unknown key/],
    ['nested bad value', () => loadConfig({ argv: ['--config', file('n.json', '{"load_balance_groups": {"g": {"models": [{"model": "a", "weight": 0}]}}}')], env: {} }), /'load_balance_groups\.g\.models\.0\.weight'/],
    ['missing file', () => loadConfig({ argv: ['--config', join(dir, 'nope.json')], env: {} }), /does not exist/],
    ['unparsable file', () => loadConfig({ argv: ['--config', file('bad.json', '{')], env: {} }), /cannot be parsed/],
    ['bad bootstrap key', () => loadConfig({ argv: [], env: { SWITCHYARD_BOOTSTRAP_KEY: 'short' } }), /'bootstrap_key'/],
    ['nested key from env', () => loadConfig({ argv: [], env: { SWITCHYARD_METRICS_PORT: 'nine' } }), /'metrics\.port' \(from environment SWITCHYARD_METRICS_PORT\)/],
    ['nested key from file beside env', () => loadConfig({ argv: [], env: { SWITCHYARD_CONFIG: file('w.json', '{"writer": {"batch_size": 0}}'), SWITCHYARD_WRITER_MAX_QUEUE: '10' } }), /'writer\.batch_size' \(from config file\)/],
    ['unknown log format', () => loadConfig({ argv: ['--log-format', 'xml'], env: {} }), /'log_format' \(from flag --log-format\)/],
  ];
  for (const [name, fn, pattern] of cases) {
    test(name, () => {
      expect(fn).toThrow(ConfigError);
      expect(fn).toThrow(pattern);
    });
  }
});

describe('api_base allowlists', () => {
  test('valid entries load; a bad entry stops start-up naming its key and index', () => {
    const ok = file('allow.yaml', "security:\n  allowed_api_bases: ['*.openai.azure.com', '10.0.0.0/8']\nproviders:\n  openai:\n    allowed_api_bases: ['http://127.0.0.1:8000']\n");
    const c = loadConfig({ argv: ['--config', ok], env: {} });
    expect(c.security.allowed_api_bases).toEqual(['*.openai.azure.com', '10.0.0.0/8']);
    expect(c.providers.openai?.allowed_api_bases).toEqual(['http://127.0.0.1:8000']);
    expect(loadConfig({ argv: [], env: {} }).security.allowed_api_bases).toEqual([]);

    const bad = file('allow-bad.json', JSON.stringify({ providers: { openai: { allowed_api_bases: ['api.openai.com', 'ftp://x'] } } }));
    expect(() => loadConfig({ argv: ['--config', bad], env: {} })).toThrow(
      "invalid config key 'providers.openai.allowed_api_bases.1' (from config file): scheme 'ftp' is not allowed: only http and https",
    );
    const badGlobal = file('allow-bad2.json', JSON.stringify({ security: { allowed_api_bases: ['10.0.0.0/99'] } }));
    expect(() => loadConfig({ argv: ['--config', badGlobal], env: {} })).toThrow(ConfigError);
  });
});
