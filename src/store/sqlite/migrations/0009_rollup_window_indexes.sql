-- A trace or thread list counts the rollups whose time span overlaps the window
-- (end_time >= from AND first_seen <= to): with first_seen in the index the count
-- reads the index alone, not a table row per trace (PostgreSQL twin: 0001_rollup_window_indexes).
DROP INDEX `thread_rollups_end`;--> statement-breakpoint
CREATE INDEX `thread_rollups_end` ON `thread_rollups` (`org_id`,`environment`,`end_time`,`first_seen`);--> statement-breakpoint
DROP INDEX `trace_rollups_end`;--> statement-breakpoint
CREATE INDEX `trace_rollups_end` ON `trace_rollups` (`org_id`,`environment`,`end_time`,`first_seen`);