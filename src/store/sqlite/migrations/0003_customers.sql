-- Hand edit: the composite-key tables are WITHOUT ROWID (one b-tree instead of a table plus its key index).
CREATE TABLE `customer_activity` (
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`bucket` integer NOT NULL,
	`customer_id` integer NOT NULL,
	PRIMARY KEY(`org_id`, `environment`, `bucket`, `customer_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `customer_days` (
	`customer_id` integer NOT NULL,
	`day` integer NOT NULL,
	PRIMARY KEY(`customer_id`, `day`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `customer_model_usage` (
	`customer_id` integer NOT NULL,
	`bucket` integer NOT NULL,
	`model` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`customer_id`, `bucket`, `model`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `customer_months` (
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`month` integer NOT NULL,
	`customer_id` integer NOT NULL,
	`first_bucket` integer NOT NULL,
	`last_bucket` integer NOT NULL,
	PRIMARY KEY(`org_id`, `environment`, `month`, `customer_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `customer_usage` (
	`customer_id` integer NOT NULL,
	`bucket` integer NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`cost` real DEFAULT 0 NOT NULL,
	`billed` real DEFAULT 0 NOT NULL,
	`cache_hits` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`latency_sum` real DEFAULT 0 NOT NULL,
	`latency_count` integer DEFAULT 0 NOT NULL,
	`ttft_sum` real DEFAULT 0 NOT NULL,
	`ttft_count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`customer_id`, `bucket`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `customers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`customer_identifier` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`email` text DEFAULT '' NOT NULL,
	`group_identifier` text,
	`period_start` text,
	`period_end` text,
	`budget_duration` text,
	`period_budget` real,
	`markup_percentage` real,
	`total_budget` real,
	`rate_limit` integer,
	`metadata` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`first_seen` integer,
	`last_active` integer,
	`requests` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`total_tokens` integer DEFAULT 0 NOT NULL,
	`cost` real DEFAULT 0 NOT NULL,
	`billed` real DEFAULT 0 NOT NULL,
	`cache_hits` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`active_days` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customers_org_env_ident` ON `customers` (`org_id`,`environment`,`customer_identifier`);--> statement-breakpoint
CREATE INDEX `customers_org_env_first_seen` ON `customers` (`org_id`,`environment`,`first_seen`);--> statement-breakpoint
CREATE TABLE `org_usage` (
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`bucket` integer NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`billed` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`org_id`, `environment`, `bucket`)
) WITHOUT ROWID;
