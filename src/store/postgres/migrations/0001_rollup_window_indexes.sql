-- A trace or thread list counts the rollups whose time span overlaps the window
-- (end_time >= from AND first_seen <= to): with first_seen in the index the count
-- reads the index alone (SQLite twin: 0009_rollup_window_indexes).
DROP INDEX trace_rollups_end;
CREATE INDEX trace_rollups_end ON trace_rollups (org_id, environment, end_time, first_seen);
DROP INDEX thread_rollups_end;
CREATE INDEX thread_rollups_end ON thread_rollups (org_id, environment, end_time, first_seen);
