CREATE TABLE `rollup_metadata_buckets` (
	`org_id` text NOT NULL,
	`environment` text NOT NULL,
	`bucket` integer NOT NULL,
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
	PRIMARY KEY(`org_id`, `environment`, `meta_key`, `bucket`, `meta_value`)
) WITHOUT ROWID;
--> statement-breakpoint
DROP TABLE `rollup_metadata_days`;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `requests` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `prompt_tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `completion_tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `total_tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `cost` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `billed` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `cache_hits` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `errors` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `latency_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `latency_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `ttft_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `ttft_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `tps_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_days` ADD `tps_count` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- Days seen before this migration get their sums from the 15-minute usage (96 buckets a day).
UPDATE `customer_days` SET
  (`requests`, `prompt_tokens`, `completion_tokens`, `total_tokens`, `cost`, `billed`, `cache_hits`, `errors`,
   `latency_sum`, `latency_count`, `ttft_sum`, `ttft_count`, `tps_sum`, `tps_count`) = (
  SELECT total(requests), total(prompt_tokens), total(completion_tokens), total(total_tokens), total(cost), total(billed),
    total(cache_hits), total(errors), total(latency_sum), total(latency_count), total(ttft_sum), total(ttft_count),
    total(tps_sum), total(tps_count)
  FROM customer_usage u WHERE u.customer_id = customer_days.customer_id AND u.bucket >= customer_days.day * 96
    AND u.bucket < (customer_days.day + 1) * 96);
