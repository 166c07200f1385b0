ALTER TABLE `spans` ADD `span_path` text;--> statement-breakpoint
ALTER TABLE `spans` ADD `span_entity_name` text;