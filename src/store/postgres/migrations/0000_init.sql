-- Switchyard on PostgreSQL: the whole schema as of SQLite's 0008_key_roles.
-- Hand-written (drizzle-kit cannot express partitioning). Times are epoch ms
-- (bigint); text that filters compare or sort is COLLATE "C", so it orders
-- and lower()s byte-wise as SQLite does and prefix ranges use the b-trees.
-- src/store/postgres/schema.ts describes the tables that drizzle queries.

CREATE TABLE organizations (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at bigint NOT NULL
);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  prefix text NOT NULL,
  hash text NOT NULL,
  name text NOT NULL,
  environment text NOT NULL,
  role text NOT NULL DEFAULT 'admin',
  created_at bigint NOT NULL,
  expires_at bigint,
  revoked_at bigint,
  max_usage bigint NOT NULL DEFAULT -1,
  usage_count bigint NOT NULL DEFAULT 0,
  rate_limit bigint,
  spending_limit double precision,
  spent double precision NOT NULL DEFAULT 0,
  last_used_at bigint
);
CREATE UNIQUE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_org ON api_keys (org_id);

-- Spans, partitioned by time (partitions.ts creates them ahead and drops old
-- ones; a span outside every partition waits in spans_default). A unique index
-- on a partitioned table must hold the partition key: a span sent twice has
-- the same unique_id and timestamp, so (unique_id, timestamp) still dedupes.
CREATE SEQUENCE spans_id_seq AS bigint;
CREATE TABLE spans (
  id bigint NOT NULL DEFAULT nextval('spans_id_seq'),
  unique_id text COLLATE "C" NOT NULL,
  org_id text COLLATE "C" NOT NULL,
  environment text COLLATE "C" NOT NULL,
  api_key_id text COLLATE "C",
  log_type text COLLATE "C" NOT NULL,
  model text COLLATE "C",
  provider_id text COLLATE "C",
  status text COLLATE "C" NOT NULL,
  status_code bigint NOT NULL,
  error_message text COLLATE "C" NOT NULL DEFAULT '',
  start_time bigint NOT NULL,
  "timestamp" bigint NOT NULL,
  latency double precision,
  time_to_first_token double precision,
  tokens_per_second double precision,
  prompt_tokens bigint NOT NULL DEFAULT 0,
  completion_tokens bigint NOT NULL DEFAULT 0,
  total_request_tokens bigint NOT NULL DEFAULT 0,
  cached_tokens bigint NOT NULL DEFAULT 0,
  cache_creation_tokens bigint NOT NULL DEFAULT 0,
  reasoning_tokens bigint NOT NULL DEFAULT 0,
  cost double precision NOT NULL DEFAULT 0,
  customer_identifier text COLLATE "C",
  custom_identifier text COLLATE "C",
  thread_identifier text COLLATE "C",
  trace_unique_id text COLLATE "C",
  span_unique_id text COLLATE "C",
  span_parent_id text COLLATE "C",
  span_name text COLLATE "C",
  span_workflow_name text COLLATE "C",
  span_path text COLLATE "C",
  span_entity_name text COLLATE "C",
  prompt_id text COLLATE "C",
  prompt_version bigint,
  stream boolean NOT NULL DEFAULT false,
  cached boolean NOT NULL DEFAULT false,
  positive_feedback boolean,
  metadata jsonb,
  input text COLLATE "C",
  output text COLLATE "C",
  extra jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (id, "timestamp")
) PARTITION BY RANGE ("timestamp");
ALTER SEQUENCE spans_id_seq OWNED BY spans.id;
CREATE TABLE spans_default PARTITION OF spans DEFAULT;
-- The indexes of SQLite's spans (0004_span_indexes), on every partition.
CREATE UNIQUE INDEX spans_unique_id ON spans (unique_id, "timestamp");
CREATE INDEX spans_org_env_time ON spans (org_id, environment, "timestamp");
CREATE INDEX spans_org_env_model_time ON spans (org_id, environment, model, "timestamp");
CREATE INDEX spans_org_env_cost ON spans (org_id, environment, cost);
CREATE INDEX spans_org_customer ON spans (org_id, customer_identifier, "timestamp") WHERE customer_identifier IS NOT NULL;
CREATE INDEX spans_org_custom ON spans (org_id, custom_identifier) WHERE custom_identifier IS NOT NULL;
CREATE INDEX spans_org_thread ON spans (org_id, thread_identifier, "timestamp") WHERE thread_identifier IS NOT NULL;
CREATE INDEX spans_org_trace ON spans (org_id, trace_unique_id) WHERE trace_unique_id IS NOT NULL;
CREATE INDEX spans_org_prompt ON spans (org_id, prompt_id) WHERE prompt_id IS NOT NULL;

-- Retention's progress per scope: bodies are emptied up to (bodies_before, last_id).
CREATE TABLE retention_marks (
  org_id text NOT NULL,
  environment text NOT NULL,
  bodies_before bigint NOT NULL,
  last_id bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, environment)
);

CREATE TABLE prompts (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  last_version bigint NOT NULL DEFAULT 0,
  live_version bigint
);
CREATE INDEX prompts_org ON prompts (org_id, created_at);

-- JSON columns as text, as in SQLite: prompt-rows.ts checks their shape on the way out.
CREATE TABLE prompt_versions (
  id bigserial PRIMARY KEY,
  prompt_id text NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
  version bigint NOT NULL,
  messages text NOT NULL,
  variables text NOT NULL DEFAULT '[]',
  model text NOT NULL,
  temperature double precision,
  max_tokens bigint,
  top_p double precision,
  frequency_penalty double precision,
  presence_penalty double precision,
  stop text,
  tools text,
  tool_choice text,
  response_format text,
  fallback_models text,
  load_balance_models text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  deployed_at bigint
);
CREATE UNIQUE INDEX prompt_versions_prompt_version ON prompt_versions (prompt_id, version);

CREATE TABLE custom_models (
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  model_name text NOT NULL,
  base_model_name text,
  provider_id text NOT NULL,
  input_cost double precision,
  output_cost double precision,
  cache_hit_input_cost double precision,
  cache_creation_input_cost double precision,
  max_context_window bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (org_id, model_name)
);

CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  org_id text COLLATE "C" NOT NULL,
  environment text COLLATE "C" NOT NULL,
  customer_identifier text COLLATE "C" NOT NULL,
  name text COLLATE "C" NOT NULL DEFAULT '',
  email text COLLATE "C" NOT NULL DEFAULT '',
  group_identifier text COLLATE "C",
  period_start text,
  period_end text,
  budget_duration text,
  period_budget double precision,
  markup_percentage double precision,
  total_budget double precision,
  rate_limit bigint,
  metadata jsonb,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  first_seen bigint,
  last_active bigint,
  requests bigint NOT NULL DEFAULT 0,
  prompt_tokens bigint NOT NULL DEFAULT 0,
  completion_tokens bigint NOT NULL DEFAULT 0,
  total_tokens bigint NOT NULL DEFAULT 0,
  cost double precision NOT NULL DEFAULT 0,
  billed double precision NOT NULL DEFAULT 0,
  cache_hits bigint NOT NULL DEFAULT 0,
  errors bigint NOT NULL DEFAULT 0,
  active_days bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX customers_org_env_ident ON customers (org_id, environment, customer_identifier);
CREATE INDEX customers_org_env_first_seen ON customers (org_id, environment, first_seen);

CREATE TABLE customer_usage (
  customer_id bigint NOT NULL,
  bucket bigint NOT NULL,
  requests bigint NOT NULL DEFAULT 0,
  prompt_tokens bigint NOT NULL DEFAULT 0,
  completion_tokens bigint NOT NULL DEFAULT 0,
  total_tokens bigint NOT NULL DEFAULT 0,
  cost double precision NOT NULL DEFAULT 0,
  billed double precision NOT NULL DEFAULT 0,
  cache_hits bigint NOT NULL DEFAULT 0,
  errors bigint NOT NULL DEFAULT 0,
  latency_sum double precision NOT NULL DEFAULT 0,
  latency_count bigint NOT NULL DEFAULT 0,
  ttft_sum double precision NOT NULL DEFAULT 0,
  ttft_count bigint NOT NULL DEFAULT 0,
  tps_sum double precision NOT NULL DEFAULT 0,
  tps_count bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id, bucket)
);

CREATE TABLE customer_model_usage (
  customer_id bigint NOT NULL,
  bucket bigint NOT NULL,
  model text COLLATE "C" NOT NULL,
  requests bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id, bucket, model)
);

CREATE TABLE customer_days (
  customer_id bigint NOT NULL,
  day bigint NOT NULL,
  requests bigint NOT NULL DEFAULT 0,
  prompt_tokens bigint NOT NULL DEFAULT 0,
  completion_tokens bigint NOT NULL DEFAULT 0,
  total_tokens bigint NOT NULL DEFAULT 0,
  cost double precision NOT NULL DEFAULT 0,
  billed double precision NOT NULL DEFAULT 0,
  cache_hits bigint NOT NULL DEFAULT 0,
  errors bigint NOT NULL DEFAULT 0,
  latency_sum double precision NOT NULL DEFAULT 0,
  latency_count bigint NOT NULL DEFAULT 0,
  ttft_sum double precision NOT NULL DEFAULT 0,
  ttft_count bigint NOT NULL DEFAULT 0,
  tps_sum double precision NOT NULL DEFAULT 0,
  tps_count bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id, day)
);

CREATE TABLE org_usage (
  org_id text NOT NULL,
  environment text NOT NULL,
  bucket bigint NOT NULL,
  requests bigint NOT NULL DEFAULT 0,
  billed double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, environment, bucket)
);

CREATE TABLE rollup_buckets (
  org_id text COLLATE "C" NOT NULL,
  environment text COLLATE "C" NOT NULL,
  bucket bigint NOT NULL,
  model text COLLATE "C" NOT NULL,
  provider_id text COLLATE "C" NOT NULL,
  api_key_id text COLLATE "C" NOT NULL,
  requests bigint NOT NULL,
  errors bigint NOT NULL,
  cache_hits bigint NOT NULL,
  prompt_tokens bigint NOT NULL,
  completion_tokens bigint NOT NULL,
  total_tokens bigint NOT NULL,
  cached_tokens bigint NOT NULL,
  reasoning_tokens bigint NOT NULL,
  cost double precision NOT NULL,
  latency_sum double precision NOT NULL,
  latency_count bigint NOT NULL,
  ttft_sum double precision NOT NULL,
  ttft_count bigint NOT NULL,
  tps_sum double precision NOT NULL,
  tps_count bigint NOT NULL,
  h0 bigint NOT NULL DEFAULT 0,
  h1 bigint NOT NULL DEFAULT 0,
  h2 bigint NOT NULL DEFAULT 0,
  h3 bigint NOT NULL DEFAULT 0,
  h4 bigint NOT NULL DEFAULT 0,
  h5 bigint NOT NULL DEFAULT 0,
  h6 bigint NOT NULL DEFAULT 0,
  h7 bigint NOT NULL DEFAULT 0,
  h8 bigint NOT NULL DEFAULT 0,
  h9 bigint NOT NULL DEFAULT 0,
  h10 bigint NOT NULL DEFAULT 0,
  h11 bigint NOT NULL DEFAULT 0,
  h12 bigint NOT NULL DEFAULT 0,
  h13 bigint NOT NULL DEFAULT 0,
  h14 bigint NOT NULL DEFAULT 0,
  h15 bigint NOT NULL DEFAULT 0,
  h16 bigint NOT NULL DEFAULT 0,
  h17 bigint NOT NULL DEFAULT 0,
  h18 bigint NOT NULL DEFAULT 0,
  h19 bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, environment, bucket, model, provider_id, api_key_id)
);

CREATE TABLE rollup_metadata_buckets (
  org_id text COLLATE "C" NOT NULL,
  environment text COLLATE "C" NOT NULL,
  bucket bigint NOT NULL,
  meta_key text COLLATE "C" NOT NULL,
  meta_value text COLLATE "C" NOT NULL,
  requests bigint NOT NULL,
  errors bigint NOT NULL,
  cache_hits bigint NOT NULL,
  prompt_tokens bigint NOT NULL,
  completion_tokens bigint NOT NULL,
  total_tokens bigint NOT NULL,
  cached_tokens bigint NOT NULL,
  reasoning_tokens bigint NOT NULL,
  cost double precision NOT NULL,
  latency_sum double precision NOT NULL,
  latency_count bigint NOT NULL,
  ttft_sum double precision NOT NULL,
  ttft_count bigint NOT NULL,
  tps_sum double precision NOT NULL,
  tps_count bigint NOT NULL,
  h0 bigint NOT NULL DEFAULT 0,
  h1 bigint NOT NULL DEFAULT 0,
  h2 bigint NOT NULL DEFAULT 0,
  h3 bigint NOT NULL DEFAULT 0,
  h4 bigint NOT NULL DEFAULT 0,
  h5 bigint NOT NULL DEFAULT 0,
  h6 bigint NOT NULL DEFAULT 0,
  h7 bigint NOT NULL DEFAULT 0,
  h8 bigint NOT NULL DEFAULT 0,
  h9 bigint NOT NULL DEFAULT 0,
  h10 bigint NOT NULL DEFAULT 0,
  h11 bigint NOT NULL DEFAULT 0,
  h12 bigint NOT NULL DEFAULT 0,
  h13 bigint NOT NULL DEFAULT 0,
  h14 bigint NOT NULL DEFAULT 0,
  h15 bigint NOT NULL DEFAULT 0,
  h16 bigint NOT NULL DEFAULT 0,
  h17 bigint NOT NULL DEFAULT 0,
  h18 bigint NOT NULL DEFAULT 0,
  h19 bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, environment, meta_key, bucket, meta_value)
);

CREATE TABLE trace_rollups (
  org_id text COLLATE "C" NOT NULL,
  environment text COLLATE "C" NOT NULL,
  trace_unique_id text COLLATE "C" NOT NULL,
  span_count bigint NOT NULL,
  llm_call_count bigint NOT NULL,
  error_count bigint NOT NULL,
  total_prompt_tokens bigint NOT NULL,
  total_completion_tokens bigint NOT NULL,
  total_tokens bigint NOT NULL,
  total_cost double precision NOT NULL,
  start_time bigint NOT NULL,
  first_seen bigint NOT NULL,
  end_time bigint NOT NULL,
  customer_identifier text COLLATE "C",
  root_workflow_name text COLLATE "C",
  workflow_name text COLLATE "C",
  root_span_name text COLLATE "C",
  PRIMARY KEY (org_id, environment, trace_unique_id)
);
CREATE INDEX trace_rollups_end ON trace_rollups (org_id, environment, end_time);
CREATE INDEX trace_rollups_start ON trace_rollups (org_id, environment, start_time);

CREATE TABLE thread_rollups (
  org_id text COLLATE "C" NOT NULL,
  environment text COLLATE "C" NOT NULL,
  thread_identifier text COLLATE "C" NOT NULL,
  customer_identifier text COLLATE "C",
  log_count bigint NOT NULL,
  start_time bigint NOT NULL,
  first_seen bigint NOT NULL,
  end_time bigint NOT NULL,
  total_cost double precision NOT NULL,
  total_tokens bigint NOT NULL,
  PRIMARY KEY (org_id, environment, thread_identifier)
);
CREATE INDEX thread_rollups_end ON thread_rollups (org_id, environment, end_time);

-- Shared state (state.ts): rate windows, budget holds and the change log.
CREATE TABLE rate_windows (
  key text NOT NULL,
  start bigint NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (key, start)
);

CREATE TABLE holds (
  id text PRIMARY KEY,
  subject text NOT NULL,
  amount double precision NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX holds_subject ON holds (subject);

CREATE TABLE spend_generations (
  subject text PRIMARY KEY,
  gen bigint NOT NULL
);

CREATE TABLE changes (
  seq bigserial PRIMARY KEY,
  at bigint NOT NULL,
  origin text NOT NULL,
  topic text NOT NULL,
  org_id text NOT NULL,
  id text NOT NULL
);
