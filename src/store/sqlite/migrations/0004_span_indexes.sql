DROP INDEX `spans_org_customer`;--> statement-breakpoint
DROP INDEX `spans_org_custom`;--> statement-breakpoint
DROP INDEX `spans_org_thread`;--> statement-breakpoint
DROP INDEX `spans_org_trace`;--> statement-breakpoint
DROP INDEX `spans_org_prompt`;--> statement-breakpoint
CREATE INDEX `spans_org_env_model_time` ON `spans` (`org_id`,`environment`,`model`,`timestamp`);--> statement-breakpoint
CREATE INDEX `spans_org_env_cost` ON `spans` (`org_id`,`environment`,`cost`);--> statement-breakpoint
CREATE INDEX `spans_org_customer` ON `spans` (`org_id`,`customer_identifier`,`timestamp`) WHERE customer_identifier IS NOT NULL;--> statement-breakpoint
CREATE INDEX `spans_org_custom` ON `spans` (`org_id`,`custom_identifier`) WHERE custom_identifier IS NOT NULL;--> statement-breakpoint
CREATE INDEX `spans_org_thread` ON `spans` (`org_id`,`thread_identifier`,`timestamp`) WHERE thread_identifier IS NOT NULL;--> statement-breakpoint
CREATE INDEX `spans_org_trace` ON `spans` (`org_id`,`trace_unique_id`) WHERE trace_unique_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `spans_org_prompt` ON `spans` (`org_id`,`prompt_id`) WHERE prompt_id IS NOT NULL;