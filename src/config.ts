/**
 * Configuration: one TypeBox schema, filled from defaults < config file <
 * environment < command-line flags, checked once at start-up. A bad value stops
 * start-up with a message naming the key, the source and the reason.
 */
import { type Static, type TSchema, Type as T } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseAllowEntry } from './lib/host-allowlist.ts';
import { MockSettings, settingsProblem } from './schemas/mock.ts';

const Credentials = T.Object(
  {
    api_key: T.Optional(T.String()),
    api_base: T.Optional(T.String()),
    api_version: T.Optional(T.String()),
    deployment: T.Optional(T.String()),
  },
  { additionalProperties: false },
);

const ProviderConfig = T.Object(
  {
    /** Which adapter speaks to it; defaults to the provider id's own kind, else openai-compatible. */
    kind: T.Optional(
      T.Union([T.Literal('openai'), T.Literal('azure'), T.Literal('anthropic'), T.Literal('gemini'), T.Literal('mock')]),
    ),
    api_key: T.Optional(T.String()),
    api_base: T.Optional(T.String()),
    api_version: T.Optional(T.String()),
    /** Azure: model name -> deployment name. */
    deployments: T.Optional(T.Record(T.String(), T.String())),
    /** Kind openai: the server answers the Responses API itself (POST {api_base}/responses); default per provider (docs/proxy.md). */
    responses_api: T.Optional(T.Boolean()),
    /** Hosts a request's own api_base may name for this provider (docs/security.md). */
    allowed_api_bases: T.Optional(T.Array(T.String({ minLength: 1 }))),
    /** Kind mock: latency and failure profiles (docs/loadtest.md). */
    mock: T.Optional(MockSettings),
  },
  { additionalProperties: false },
);

const GroupEntry = T.Object(
  {
    model: T.String({ minLength: 1 }),
    weight: T.Number({ exclusiveMinimum: 0 }),
    credentials: T.Optional(Credentials),
  },
  { additionalProperties: false },
);

const CustomModel = T.Object(
  {
    model_name: T.String({ minLength: 1 }),
    base_model_name: T.Optional(T.String()),
    provider_id: T.String({ minLength: 1 }),
    input_cost: T.Number({ minimum: 0 }),
    output_cost: T.Number({ minimum: 0 }),
    cache_hit_input_cost: T.Optional(T.Number({ minimum: 0 })),
    cache_creation_input_cost: T.Optional(T.Number({ minimum: 0 })),
    max_context_window: T.Optional(T.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const ConfigSchema = T.Object(
  {
    host: T.String({ minLength: 1, default: '127.0.0.1' }),
    port: T.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    data_dir: T.String({ minLength: 1, default: './data' }),
    log_level: T.Union([T.Literal('debug'), T.Literal('info'), T.Literal('warn'), T.Literal('error')], {
      default: 'info',
    }),
    /** `text` for people, `json` (one object per line) for log shippers. */
    log_format: T.Union([T.Literal('text'), T.Literal('json')], { default: 'text' }),
    body_limit_mb: T.Number({ exclusiveMinimum: 0, maximum: 1024, default: 32 }),
    /** Time for a whole request body to arrive once the headers have: a client sending a byte a second is cut (408). */
    body_timeout_ms: T.Integer({ minimum: 1, default: 60_000 }),
    /** Deepest nesting of arrays and objects in a JSON body; deeper is a 400 before any validation. */
    body_max_depth: T.Integer({ minimum: 1, maximum: 100_000, default: 128 }),
    shutdown_timeout_ms: T.Integer({ minimum: 0, default: 10_000 }),
    /**
     * Load the token counter's encodings before listening: start-up takes ~0.2-0.4 s longer and
     * RSS ~100 MB more, and the first call that counts tokens here (a budget's estimate, a stream
     * without usage) no longer holds the event loop ~200 ms while they load.
     */
    preload_tokenizer: T.Boolean({ default: false }),
    mock_provider: T.Boolean({ default: true }),
    /** A key with a known value, created at start if absent (containers). Format `<8>.<32>`. */
    bootstrap_key: T.Optional(T.String({ pattern: '^[A-Za-z0-9]{8}\\.[A-Za-z0-9]{32}$' })),
    bootstrap_key_env: T.Union([T.Literal('prod'), T.Literal('test')], { default: 'prod' }),
    providers: T.Record(T.String(), ProviderConfig, { default: {} }),
    load_balance_groups: T.Record(T.String(), T.Object({ models: T.Array(GroupEntry, { minItems: 1 }) }), {
      default: {},
    }),
    models: T.Array(CustomModel, { default: [] }),
    cache: T.Object(
      {
        max_bytes: T.Integer({ minimum: 0, default: 128 * 1024 * 1024 }),
        default_ttl_s: T.Number({ exclusiveMinimum: 0, default: 30 * 24 * 3600 }),
        /** Largest single answer the cache stores (Redis: larger ones would stall it for every reader). */
        max_entry_bytes: T.Integer({ minimum: 1, default: 2 * 1024 * 1024 }),
      },
      { default: {}, additionalProperties: false },
    ),
    routing: T.Object(
      {
        /** Whole request, all attempts included. */
        timeout_ms: T.Integer({ minimum: 1, default: 600_000 }),
        attempt_timeout_ms: T.Integer({ minimum: 1, default: 300_000 }),
        /** SSE keep-alive comment interval while the upstream is silent. */
        keepalive_ms: T.Integer({ minimum: 100, default: 15_000 }),
        /** A stream that sends no complete event for this long is cut (504). */
        stream_idle_timeout_ms: T.Integer({ minimum: 1, default: 300_000 }),
        /** Largest upstream answer, streamed or not; larger is cut (502). */
        max_upstream_body_mb: T.Number({ exclusiveMinimum: 0, maximum: 4096, default: 32 }),
      },
      { default: {}, additionalProperties: false },
    ),
    security: T.Object(
      {
        /** Hosts a request's own api_base may name, for any provider (docs/security.md). */
        allowed_api_bases: T.Array(T.String({ minLength: 1 }), { default: [] }),
      },
      { default: {}, additionalProperties: false },
    ),
    writer: T.Object(
      {
        max_queue: T.Integer({ minimum: 1, default: 100_000 }),
        /** Span text (input, output, full request; millions of characters) waiting in memory at most. */
        max_queue_mb: T.Number({ exclusiveMinimum: 0, default: 256 }),
        batch_size: T.Integer({ minimum: 1, default: 2_000 }),
        /** Span text per transaction at most (millions of characters): bounds the hand-off to the write thread. */
        batch_mb: T.Number({ exclusiveMinimum: 0, default: 8 }),
        /** How long spans wait to share one transaction. */
        flush_interval_ms: T.Integer({ minimum: 0, maximum: 1000, default: 10 }),
      },
      { default: {}, additionalProperties: false },
    ),
    retention: T.Object(
      {
        /** Spans that ended more than this many days ago are deleted (usage figures stay); null keeps them. */
        spans_days: T.Union([T.Number({ exclusiveMinimum: 0 }), T.Null()], { default: null }),
        /** After this many days a span's input, output and full request are emptied (the rest stays); null keeps them. */
        bodies_days: T.Union([T.Number({ exclusiveMinimum: 0 }), T.Null()], { default: null }),
        /** How often the purge runs. */
        interval_s: T.Integer({ minimum: 1, default: 300 }),
        /** Spans per purge transaction: small, so span commits and requests interleave. */
        batch: T.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    rollups: T.Object(
      {
        /** Metadata keys whose values are rolled up per day, for breakdowns by them without a span scan. */
        metadata_keys: T.Array(T.String({ minLength: 1, maxLength: 100 }), { maxItems: 20, default: [] }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** A shared PostgreSQL database instead of SQLite in the data folder (gateways on many hosts). */
    database: T.Object(
      {
        /** postgres://user:password@host:port/database; unset: SQLite in data_dir. */
        url: T.Optional(T.String({ pattern: '^postgres(ql)?://' })),
        /** Connections per gateway for the records (shared state has 4 of its own, plus one that listens). */
        pool_size: T.Integer({ minimum: 2, maximum: 1000, default: 10 }),
        /** Server-side timeout of every statement; a read past it is a 503 asking to narrow the query. */
        statement_timeout_ms: T.Integer({ minimum: 100, default: 10_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Redis 7 / Valkey for rate limits, budget holds, the response cache and invalidations across gateways. */
    redis: T.Object(
      {
        /** redis://[user:password@]host:port[/db], rediss:// for TLS; unset: the database decides. */
        url: T.Optional(T.String({ pattern: '^rediss?://' })),
        /** Every key and channel starts with it, so deployments can share a server. */
        key_prefix: T.String({ default: 'switchyard:' }),
        /** While Redis is away: refuse calls that a limit or budget applies to (503) instead of deciding with the database. */
        fail_closed: T.Boolean({ default: false }),
        /** A command slower than this counts as Redis being away. */
        command_timeout_ms: T.Integer({ minimum: 10, default: 1000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    store: T.Object(
      {
        /** Reader threads, each with its own connection. */
        readers: T.Integer({ minimum: 1, maximum: 64, default: 2 }),
        /** Heavy reads (lists, summaries over a window) running at once; the rest queue. */
        max_heavy_queries: T.Integer({ minimum: 1, maximum: 64, default: 1 }),
        /** Time budget of one read; past it the caller gets a 503 asking to narrow the query. */
        query_timeout_ms: T.Integer({ minimum: 100, default: 10_000 }),
        /** Page cache per connection, MiB. */
        cache_mb: T.Number({ exclusiveMinimum: 0, maximum: 65536, default: 16 }),
        /**
         * Page cache of the write thread's connection, MiB: ingest lands on random pages of every
         * index, and each one not cached is read again from the file (SQLite only). 64 reads half as
         * much at ingest, for up to 48 MB more RSS: the default keeps a sidecar's memory.
         */
        writer_cache_mb: T.Number({ exclusiveMinimum: 0, maximum: 65536, default: 16 }),
        /**
         * WAL size, MiB, from which the checkpoint thread copies the WAL into the database (SQLite only).
         * Each copy writes every page changed since the last one once and syncs: rarer copies write less
         * per span. At twice this size it empties the WAL file (holding the writer for what is left).
         */
        checkpoint_mb: T.Integer({ minimum: 1, maximum: 65536, default: 256 }),
        /** Memory map per connection, MiB (0: none); mapped pages count in the process's RSS. */
        mmap_mb: T.Integer({ minimum: 0, maximum: 1048576, default: 0 }),
        /** normal: an acknowledged span survives a crash of the process; full: also a power loss (each commit waits for the disk). */
        synchronous: T.Union([T.Literal('normal'), T.Literal('full')], { default: 'normal' }),
        /** Ceiling on the database file, MiB: past it ingest answers 503 as on a full disk (null: none). */
        max_db_mb: T.Union([T.Number({ exclusiveMinimum: 0 }), T.Null()], { default: null }),
      },
      { default: {}, additionalProperties: false },
    ),
    metrics: T.Object(
      {
        /** GET /metrics in the Prometheus text format, and the recording behind it. */
        enabled: T.Boolean({ default: true }),
        /** Serve /metrics on this port (same host) instead of the listen port. */
        port: T.Optional(T.Integer({ minimum: 0, maximum: 65535 })),
        /** /metrics answers only with an API key, and shows that key's organization only. */
        require_key: T.Boolean({ default: false }),
        /** Adds a `customer` label to the per-call counters: one series per customer, so opt-in. */
        customer_label: T.Boolean({ default: false }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type ProviderConfig = Static<typeof ProviderConfig>;
export type GroupEntry = Static<typeof GroupEntry>;
export type CustomModelConfig = Static<typeof CustomModel>;

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

