-- Per-minute twin of rollup_buckets: a summary reads the whole minutes of the partial buckets at its
-- window's edges from here, and only the partial minutes from spans (PostgreSQL twin: 0003_rollup_minutes).
-- Hand edit: WITHOUT ROWID as rollup_buckets (one b-tree instead of a table plus its key index).
CREATE TABLE `rollup_minutes` (
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`minute` integer NOT NULL,
	`model` text NOT NULL,
	`provider_id` text NOT NULL,
	`api_key_id` text NOT NULL,
	`requests` integer NOT NULL,
	`errors` integer NOT NULL,
	`cache_hits` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`total_tokens` integer NOT NULL,
	`cached_tokens` integer NOT NULL,
	`reasoning_tokens` integer NOT NULL,
	`cost` real NOT NULL,
	`latency_sum` real NOT NULL,
	`latency_count` integer NOT NULL,
	`ttft_sum` real NOT NULL,
	`ttft_count` integer NOT NULL,
	`tps_sum` real NOT NULL,
	`tps_count` integer NOT NULL,
	`h0` integer DEFAULT 0 NOT NULL,
	`h1` integer DEFAULT 0 NOT NULL,
	`h2` integer DEFAULT 0 NOT NULL,
	`h3` integer DEFAULT 0 NOT NULL,
	`h4` integer DEFAULT 0 NOT NULL,
	`h5` integer DEFAULT 0 NOT NULL,
	`h6` integer DEFAULT 0 NOT NULL,
	`h7` integer DEFAULT 0 NOT NULL,
	`h8` integer DEFAULT 0 NOT NULL,
	`h9` integer DEFAULT 0 NOT NULL,
	`h10` integer DEFAULT 0 NOT NULL,
	`h11` integer DEFAULT 0 NOT NULL,
	`h12` integer DEFAULT 0 NOT NULL,
	`h13` integer DEFAULT 0 NOT NULL,
	`h14` integer DEFAULT 0 NOT NULL,
	`h15` integer DEFAULT 0 NOT NULL,
	`h16` integer DEFAULT 0 NOT NULL,
	`h17` integer DEFAULT 0 NOT NULL,
	`h18` integer DEFAULT 0 NOT NULL,
	`h19` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`org_id`, `environment`, `minute`, `model`, `provider_id`, `api_key_id`)
) WITHOUT ROWID;
--> statement-breakpoint
-- The spans stored before this migration, rolled up as the writer does (src/usage/rollups.ts).
INSERT INTO `rollup_minutes` (`org_id`, `environment`, `minute`, `model`, `provider_id`, `api_key_id`, `requests`, `errors`, `cache_hits`, `prompt_tokens`, `completion_tokens`, `total_tokens`, `cached_tokens`, `reasoning_tokens`, `cost`, `latency_sum`, `latency_count`, `ttft_sum`, `ttft_count`, `tps_sum`, `tps_count`, `h0`, `h1`, `h2`, `h3`, `h4`, `h5`, `h6`, `h7`, `h8`, `h9`, `h10`, `h11`, `h12`, `h13`, `h14`, `h15`, `h16`, `h17`, `h18`, `h19`)
SELECT org_id, environment, timestamp / 60000, coalesce(model, ''), coalesce(provider_id, ''), coalesce(api_key_id, ''), count(*), total(status = 'error'), total(cached), total(prompt_tokens), total(completion_tokens), total(total_request_tokens), total(cached_tokens), total(reasoning_tokens), total(cost), total(latency), count(latency), total(time_to_first_token), count(time_to_first_token), total(tokens_per_second), count(tokens_per_second), total(latency <= 0.05), total(latency > 0.05 AND latency <= 0.1), total(latency > 0.1 AND latency <= 0.2), total(latency > 0.2 AND latency <= 0.3), total(latency > 0.3 AND latency <= 0.5), total(latency > 0.5 AND latency <= 0.75), total(latency > 0.75 AND latency <= 1), total(latency > 1 AND latency <= 1.5), total(latency > 1.5 AND latency <= 2), total(latency > 2 AND latency <= 3), total(latency > 3 AND latency <= 5), total(latency > 5 AND latency <= 7.5), total(latency > 7.5 AND latency <= 10), total(latency > 10 AND latency <= 15), total(latency > 15 AND latency <= 20), total(latency > 20 AND latency <= 30), total(latency > 30 AND latency <= 45), total(latency > 45 AND latency <= 60), total(latency > 60 AND latency <= 120), total(latency > 120)
FROM spans GROUP BY 1, 2, 3, 4, 5, 6;
