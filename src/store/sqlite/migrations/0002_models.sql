CREATE TABLE `custom_models` (
	`org_id` text NOT NULL,
	`model_name` text NOT NULL,
	`base_model_name` text,
	`provider_id` text NOT NULL,
	`input_cost` real,
	`output_cost` real,
	`cache_hit_input_cost` real,
	`cache_creation_input_cost` real,
	`max_context_window` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `model_name`),
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
