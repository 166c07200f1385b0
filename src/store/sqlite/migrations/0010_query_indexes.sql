-- The customer index gains the environment and the model: a list or summary filtered by customer
-- and model reads only its matches (it read every span of the customer from the table), and a
-- customer's count reads the index alone. It replaces the old one, so ingest writes no more indexes.
-- Traces sorted by total cost walk trace_rollups_cost and stop after a page (they sorted every trace
-- of the window). PostgreSQL twin: 0002_query_indexes.
DROP INDEX `spans_org_customer`;--> statement-breakpoint
CREATE INDEX `spans_org_env_customer_model_time` ON `spans` (`org_id`,`environment`,`customer_identifier`,`model`,`timestamp`) WHERE customer_identifier IS NOT NULL;--> statement-breakpoint
CREATE INDEX `trace_rollups_cost` ON `trace_rollups` (`org_id`,`environment`,`total_cost`,`trace_unique_id`);
