/**
 * Configuration: every setting, its type, bounds and default, as one TypeBox
 * schema. src/config-load.ts fills it from the config file, the environment
 * and flags, and checks it once at start-up.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { MockSettings } from './schemas/mock.ts';

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
