-- The customer index gains the environment and the model: a list or summary filtered by customer
-- and model reads only its matches. Traces sorted by total cost walk trace_rollups_cost and stop
-- after a page. SQLite twin: 0010_query_indexes.
DROP INDEX spans_org_customer;
CREATE INDEX spans_org_env_customer_model_time ON spans (org_id, environment, customer_identifier, model, "timestamp")
  WHERE customer_identifier IS NOT NULL;
CREATE INDEX trace_rollups_cost ON trace_rollups (org_id, environment, total_cost, trace_unique_id);
