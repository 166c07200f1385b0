CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`name` text NOT NULL,
	`environment` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`revoked_at` integer,
	`max_usage` integer DEFAULT -1 NOT NULL,
	`usage_count` integer DEFAULT 0 NOT NULL,
	`rate_limit` integer,
	`spending_limit` real,
	`spent` real DEFAULT 0 NOT NULL,
	`last_used_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_prefix` ON `api_keys` (`prefix`);--> statement-breakpoint
CREATE INDEX `api_keys_org` ON `api_keys` (`org_id`);--> statement-breakpoint
CREATE TABLE `organizations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_name_unique` ON `organizations` (`name`);--> statement-breakpoint
CREATE TABLE `spans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`unique_id` text NOT NULL,
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`api_key_id` text,
	`log_type` text NOT NULL,
	`model` text,
	`provider_id` text,
	`status` text NOT NULL,
	`status_code` integer NOT NULL,
	`error_message` text DEFAULT '' NOT NULL,
	`start_time` integer NOT NULL,
	`timestamp` integer NOT NULL,
	`latency` real,
	`time_to_first_token` real,
	`tokens_per_second` real,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`total_request_tokens` integer DEFAULT 0 NOT NULL,
	`cached_tokens` integer DEFAULT 0 NOT NULL,
	`cache_creation_tokens` integer DEFAULT 0 NOT NULL,
	`reasoning_tokens` integer DEFAULT 0 NOT NULL,
	`cost` real DEFAULT 0 NOT NULL,
	`customer_identifier` text,
	`custom_identifier` text,
	`thread_identifier` text,
	`trace_unique_id` text,
	`span_unique_id` text,
	`span_parent_id` text,
	`span_name` text,
	`span_workflow_name` text,
	`prompt_id` text,
	`prompt_version` integer,
	`stream` integer DEFAULT false NOT NULL,
	`cached` integer DEFAULT false NOT NULL,
	`positive_feedback` integer,
	`metadata` text,
	`input` text,
	`output` text,
	`extra` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `spans_unique_id` ON `spans` (`unique_id`);--> statement-breakpoint
CREATE INDEX `spans_org_env_time` ON `spans` (`org_id`,`environment`,`timestamp`);--> statement-breakpoint
CREATE INDEX `spans_org_customer` ON `spans` (`org_id`,`customer_identifier`,`timestamp`);--> statement-breakpoint
CREATE INDEX `spans_org_custom` ON `spans` (`org_id`,`custom_identifier`);--> statement-breakpoint
CREATE INDEX `spans_org_thread` ON `spans` (`org_id`,`thread_identifier`,`timestamp`);--> statement-breakpoint
CREATE INDEX `spans_org_trace` ON `spans` (`org_id`,`trace_unique_id`);--> statement-breakpoint
CREATE INDEX `spans_org_prompt` ON `spans` (`org_id`,`prompt_id`);