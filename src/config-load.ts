/**
 * Loading the configuration: defaults < config file < environment <
 * command-line flags, merged and checked against the schema (src/config.ts)
 * once at start-up. A bad value stops start-up with a message naming the key,
 * the source and the reason.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { type Config, ConfigSchema, type ProviderConfig } from './config.ts';
import { parseAllowEntry } from './lib/host-allowlist.ts';
import { settingsProblem } from './schemas/mock.ts';

export class ConfigError extends Error {}

type Source = 'default' | 'config file' | 'environment' | 'flag';
type Layer = { values: Record<string, unknown>; source: Source; names: Record<string, string> };

/** A string, number, boolean, null, literal, or a union of those: what one variable can hold. */
function isScalar(schema: TSchema): boolean {
  if (['string', 'integer', 'number', 'boolean', 'null'].includes(schema.type as string)) return true;
  return Array.isArray(schema.anyOf) && schema.anyOf.every((s: TSchema) => s.const !== undefined || isScalar(s));
}

/**
 * Every scalar setting has an environment variable, so a container can take its
 * whole configuration from the environment: `SWITCHYARD_` and the key's path in
 * capitals, e.g. SWITCHYARD_PORT, SWITCHYARD_ROUTING_TIMEOUT_MS. Maps each to
 * the key's path.
 */
export const ENV_KEYS: Record<string, string[]> = (() => {
  const out: Record<string, string[]> = {};
  const props = ConfigSchema.properties as Record<string, TSchema>;
  for (const [key, schema] of Object.entries(props)) {
    if (isScalar(schema)) out[`SWITCHYARD_${key.toUpperCase()}`] = [key];
    else if (schema.type === 'object' && schema.properties) {
      for (const [sub, s] of Object.entries(schema.properties as Record<string, TSchema>)) {
        if (isScalar(s)) out[`SWITCHYARD_${key.toUpperCase()}_${sub.toUpperCase()}`] = [key, sub];
      }
    }
  }
  return out;
})();

/** Well-known provider variables; any provider also takes SWITCHYARD_PROVIDER_<ID>_<FIELD>. */
const PROVIDER_ENV: Record<string, [string, keyof ProviderConfig]> = {
  OPENAI_API_KEY: ['openai', 'api_key'],
  OPENAI_BASE_URL: ['openai', 'api_base'],
  ANTHROPIC_API_KEY: ['anthropic', 'api_key'],
  GEMINI_API_KEY: ['gemini', 'api_key'],
  AZURE_OPENAI_API_KEY: ['azure', 'api_key'],
  AZURE_OPENAI_ENDPOINT: ['azure', 'api_base'],
  AZURE_OPENAI_API_VERSION: ['azure', 'api_version'],
  GROQ_API_KEY: ['groq', 'api_key'],
  MISTRAL_API_KEY: ['mistral', 'api_key'],
  DEEPSEEK_API_KEY: ['deepseek', 'api_key'],
  TOGETHER_API_KEY: ['together', 'api_key'],
  OPENROUTER_API_KEY: ['openrouter', 'api_key'],
};

const FLAG_KEYS: Record<string, string> = {
  '--host': 'host',
  '--port': 'port',
  '--data-dir': 'data_dir',
  '--log-level': 'log_level',
  '--body-limit-mb': 'body_limit_mb',
  '--shutdown-timeout-ms': 'shutdown_timeout_ms',
  '--log-format': 'log_format',
  '--database-url': 'database.url',
  '--redis-url': 'redis.url',
};

export interface ConfigInput {
  argv: string[];
  env: Record<string, string | undefined>;
}

/** Flags that take a value, for the CLI's own parsing. */
export const CONFIG_FLAGS = [...Object.keys(FLAG_KEYS), '--config'];

function readFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ConfigError(`config file ${path} does not exist`);
  const text = readFileSync(path, 'utf8');
  let parsed: unknown;
  try {
    const ext = extname(path).toLowerCase();
    parsed = ext === '.yaml' || ext === '.yml' ? Bun.YAML.parse(text) : ext === '.toml' ? Bun.TOML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} cannot be parsed: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold an object at the top level`);
  }
  return parsed as Record<string, unknown>;
}

/** Sets a (dotted) key of a layer, remembering which flag or variable set it. */
function setKey(values: Record<string, unknown>, names: Record<string, string>, key: string, value: unknown, name: string): void {
  const [top, sub] = key.split('.') as [string, string | undefined];
  if (sub === undefined) values[top] = value;
  else values[top] = { ...(isPlainObject(values[top]) ? values[top] : {}), [sub]: value };
  names[key] = name;
}

function flagLayer(argv: string[]): { layer: Layer; configPath: string | undefined; noMock: boolean } {
  const values: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  let configPath: string | undefined;
  let noMock = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? (arg.split(/=(.*)/s, 2) as [string, string]) : [arg, undefined];
    if (flag === '--no-mock-provider') {
      noMock = true;
      continue;
    }
    if (flag !== '--config' && !(flag in FLAG_KEYS)) continue;
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`flag ${flag} needs a value`);
    if (flag === '--config') configPath = value;
    else setKey(values, names, FLAG_KEYS[flag] as string, value, flag);
  }
  if (noMock) {
    values.mock_provider = false;
    names.mock_provider = '--no-mock-provider';
  }
  return { layer: { values, source: 'flag', names }, configPath, noMock };
}

function envLayer(env: ConfigInput['env']): Layer {
  const values: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    const [top, sub] = path as [string, string | undefined];
    if (sub === undefined) values[top] = v;
    else ((values[top] ??= {}) as Record<string, unknown>)[sub] = v;
    names[path.join('.')] = name;
  }
  const providers: Record<string, Record<string, string>> = {};
  const setProvider = (id: string, field: string, v: string) => {
    providers[id] ??= {};
    (providers[id] as Record<string, string>)[field] = v;
  };
  for (const [name, [id, field]] of Object.entries(PROVIDER_ENV)) {
    const v = env[name];
    if (v) setProvider(id, field, v);
  }
  for (const [name, v] of Object.entries(env)) {
    const m = /^SWITCHYARD_PROVIDER_([A-Z0-9_]+?)_(API_KEY|API_BASE|API_VERSION|KIND)$/.exec(name);
    if (m && v) setProvider((m[1] as string).toLowerCase(), (m[2] as string).toLowerCase(), v);
  }
  if (Object.keys(providers).length > 0) {
    values.providers = providers;
    names.providers = 'provider environment variables';
  }
  return { values, source: 'environment', names };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge of plain objects; arrays and scalars from `over` replace. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? merge(b, v) : v;
  }
  return out;
}

function describeSource(path: string, layers: Layer[]): string {
  const [top = '', sub] = path.split('/').slice(1);
  for (const layer of [...layers].reverse()) {
    const v = layer.values[top];
    const set = sub !== undefined && isPlainObject(v) ? sub in v : top in layer.values;
    if (set) {
      const name = (sub !== undefined ? layer.names[`${top}.${sub}`] : undefined) ?? layer.names[top];
      return name ? `${layer.source} ${name}` : layer.source;
    }
  }
  return 'default';
}

function check(schema: TSchema, value: unknown, layers: Layer[]): void {
  const first = Value.Errors(schema, value).First();
  if (!first) return;
  const key = first.path.replace(/^\//, '').replaceAll('/', '.') || '(top level)';
  const unknownKey = first.message.includes('additional') || first.message.includes('Unexpected property');
  // A URL may carry a password: its value is never echoed.
  const secret = /(^|\.)(url|api_key|bootstrap_key)$/.test(key);
  const reason = unknownKey ? 'unknown key' : secret ? first.message : `${first.message}, got ${JSON.stringify(first.value)}`;
  throw new ConfigError(`invalid config key '${key}' (from ${describeSource(first.path, layers)}): ${reason}`);
}

export function loadConfig(input: ConfigInput): Config {
  const { layer: flags, configPath } = flagLayer(input.argv);
  const filePath = configPath ?? input.env.SWITCHYARD_CONFIG;
  const layers: Layer[] = [];
  if (filePath) {
    layers.push({ values: readFile(resolve(filePath)), source: 'config file', names: {} });
  }
  layers.push(envLayer(input.env), flags);
  let merged: Record<string, unknown> = {};
  for (const l of layers) merged = merge(merged, l.values);
  // Strings from flags and the environment become numbers and booleans here;
  // defaults fill what no layer set.
  const converted = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, merged));
  check(ConfigSchema, converted, layers);
  const config = converted as Config;
  checkAllowlists(config, layers);
  checkMockSettings(config);
  return config;
}

function checkMockSettings(config: Config): void {
  for (const [id, p] of Object.entries(config.providers)) {
    if (!p.mock) continue;
    const where = `invalid config key 'providers.${id}.mock' (from config file)`;
    if ((p.kind ?? (id === 'mock' ? 'mock' : undefined)) !== 'mock') throw new ConfigError(`${where}: only a provider of kind mock takes mock settings`);
    const problem = settingsProblem(p.mock);
    if (problem) throw new ConfigError(`${where}: ${problem}`);
  }
}

/** Allowlist entries are strings to TypeBox; their grammar is checked here, naming the bad one. */
function checkAllowlists(config: Config, layers: Layer[]): void {
  const lists: [string, string[] | undefined][] = [
    ['security.allowed_api_bases', config.security.allowed_api_bases],
    ...Object.entries(config.providers).map(([id, p]): [string, string[] | undefined] => [
      `providers.${id}.allowed_api_bases`,
      p.allowed_api_bases,
    ]),
  ];
  for (const [key, entries] of lists) {
    (entries ?? []).forEach((entry, i) => {
      const parsed = parseAllowEntry(entry);
      if (typeof parsed === 'string') {
        const source = describeSource(`/${key.split('.')[0]}`, layers);
        throw new ConfigError(`invalid config key '${key}.${i}' (from ${source}): ${parsed}`);
      }
    });
  }
}

