CREATE TABLE `rollup_buckets` (
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`bucket` integer NOT NULL,
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
	PRIMARY KEY(`org_id`, `environment`, `bucket`, `model`, `provider_id`, `api_key_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `rollup_metadata_days` (
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`day` integer NOT NULL,
	`meta_key` text NOT NULL,
	`meta_value` text NOT NULL,
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
	PRIMARY KEY(`org_id`, `environment`, `meta_key`, `day`, `meta_value`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `thread_rollups` (
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`thread_identifier` text NOT NULL,
	`customer_identifier` text,
	`log_count` integer NOT NULL,
	`start_time` integer NOT NULL,
	`first_seen` integer NOT NULL,
	`end_time` integer NOT NULL,
	`total_cost` real NOT NULL,
	`total_tokens` integer NOT NULL,
	PRIMARY KEY(`org_id`, `environment`, `thread_identifier`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `thread_rollups_end` ON `thread_rollups` (`org_id`,`environment`,`end_time`);--> statement-breakpoint
CREATE TABLE `trace_rollups` (
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`trace_unique_id` text NOT NULL,
	`span_count` integer NOT NULL,
	`llm_call_count` integer NOT NULL,
	`error_count` integer NOT NULL,
	`total_prompt_tokens` integer NOT NULL,
	`total_completion_tokens` integer NOT NULL,
	`total_tokens` integer NOT NULL,
	`total_cost` real NOT NULL,
	`start_time` integer NOT NULL,
	`first_seen` integer NOT NULL,
	`end_time` integer NOT NULL,
	`customer_identifier` text,
	`root_workflow_name` text,
	`workflow_name` text,
	`root_span_name` text,
	PRIMARY KEY(`org_id`, `environment`, `trace_unique_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `trace_rollups_end` ON `trace_rollups` (`org_id`,`environment`,`end_time`);--> statement-breakpoint
CREATE INDEX `trace_rollups_start` ON `trace_rollups` (`org_id`,`environment`,`start_time`);--> statement-breakpoint
CREATE TABLE `retention_marks` (
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`bodies_before` integer NOT NULL,
	`last_id` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`org_id`, `environment`)
) WITHOUT ROWID;
--> statement-breakpoint
DROP TABLE `customer_activity`;--> statement-breakpoint
DROP TABLE `customer_months`;--> statement-breakpoint
ALTER TABLE `customer_usage` ADD `total_tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_usage` ADD `tps_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_usage` ADD `tps_count` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- Backfill: spans stored before this migration enter the rollups once.
INSERT INTO `rollup_buckets` (`org_id`, `environment`, `bucket`, `model`, `provider_id`, `api_key_id`, `requests`, `errors`, `cache_hits`, `prompt_tokens`, `completion_tokens`, `total_tokens`, `cached_tokens`, `reasoning_tokens`, `cost`, `latency_sum`, `latency_count`, `ttft_sum`, `ttft_count`, `tps_sum`, `tps_count`, `h0`, `h1`, `h2`, `h3`, `h4`, `h5`, `h6`, `h7`, `h8`, `h9`, `h10`, `h11`, `h12`, `h13`, `h14`, `h15`, `h16`, `h17`, `h18`, `h19`)
SELECT org_id, environment, timestamp / 900000, coalesce(model, ''), coalesce(provider_id, ''), coalesce(api_key_id, ''), count(*), total(status = 'error'), total(cached), total(prompt_tokens), total(completion_tokens), total(total_request_tokens), total(cached_tokens), total(reasoning_tokens), total(cost), total(latency), count(latency), total(time_to_first_token), count(time_to_first_token), total(tokens_per_second), count(tokens_per_second), total(latency <= 0.05), total(latency > 0.05 AND latency <= 0.1), total(latency > 0.1 AND latency <= 0.2), total(latency > 0.2 AND latency <= 0.3), total(latency > 0.3 AND latency <= 0.5), total(latency > 0.5 AND latency <= 0.75), total(latency > 0.75 AND latency <= 1), total(latency > 1 AND latency <= 1.5), total(latency > 1.5 AND latency <= 2), total(latency > 2 AND latency <= 3), total(latency > 3 AND latency <= 5), total(latency > 5 AND latency <= 7.5), total(latency > 7.5 AND latency <= 10), total(latency > 10 AND latency <= 15), total(latency > 15 AND latency <= 20), total(latency > 20 AND latency <= 30), total(latency > 30 AND latency <= 45), total(latency > 45 AND latency <= 60), total(latency > 60 AND latency <= 120), total(latency > 120)
FROM spans GROUP BY 1, 2, 3, 4, 5, 6;
--> statement-breakpoint
INSERT INTO `trace_rollups` (`org_id`, `environment`, `trace_unique_id`, `span_count`, `llm_call_count`, `error_count`, `total_prompt_tokens`, `total_completion_tokens`, `total_tokens`, `total_cost`, `start_time`, `first_seen`, `end_time`, `customer_identifier`, `root_workflow_name`, `workflow_name`, `root_span_name`)
SELECT org_id, environment, trace_unique_id, count(*), total(log_type IN ('text', 'chat', 'completion', 'response', 'embedding', 'transcription', 'speech', 'generation')), total(status = 'error'), total(prompt_tokens), total(completion_tokens), total(total_request_tokens), total(cost), min(start_time), min(timestamp), max(timestamp), max(customer_identifier), max(CASE WHEN span_parent_id IS NULL THEN span_workflow_name END), max(span_workflow_name), max(CASE WHEN span_parent_id IS NULL THEN span_name END)
FROM spans WHERE trace_unique_id IS NOT NULL GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO `thread_rollups` (`org_id`, `environment`, `thread_identifier`, `customer_identifier`, `log_count`, `start_time`, `first_seen`, `end_time`, `total_cost`, `total_tokens`)
SELECT org_id, environment, thread_identifier, max(customer_identifier), count(*), min(start_time), min(timestamp), max(timestamp), total(cost), total(total_request_tokens)
FROM spans WHERE thread_identifier IS NOT NULL GROUP BY 1, 2, 3;
--> statement-breakpoint
-- Usage kept before this migration had no total or tokens per second: the total is the sum.
UPDATE `customer_usage` SET `total_tokens` = `prompt_tokens` + `completion_tokens`;
