CREATE TABLE `prompt_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`prompt_id` text NOT NULL,
	`version` integer NOT NULL,
	`messages` text NOT NULL,
	`variables` text DEFAULT '[]' NOT NULL,
	`model` text NOT NULL,
	`temperature` real,
	`max_tokens` integer,
	`top_p` real,
	`frequency_penalty` real,
	`presence_penalty` real,
	`stop` text,
	`tools` text,
	`tool_choice` text,
	`response_format` text,
	`fallback_models` text,
	`load_balance_models` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deployed_at` integer,
	FOREIGN KEY (`prompt_id`) REFERENCES `prompts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `prompt_versions_prompt_version` ON `prompt_versions` (`prompt_id`,`version`);--> statement-breakpoint
CREATE TABLE `prompts` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_version` integer DEFAULT 0 NOT NULL,
	`live_version` integer,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `prompts_org` ON `prompts` (`org_id`,`created_at`);