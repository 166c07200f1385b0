CREATE INDEX `spans_org_env_model_time` ON `spans` (`org_id`,`environment`,`model`,`timestamp`);--> statement-breakpoint
CREATE INDEX `spans_org_env_cost` ON `spans` (`org_id`,`environment`,`cost`);