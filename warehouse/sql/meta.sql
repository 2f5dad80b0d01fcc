-- Bookkeeping of the warehouse itself: which migrations ran, and whether a file is ours.

-- name: migrations_table
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR,
    applied_at TIMESTAMPTZ DEFAULT current_timestamp
);

-- name: current_version
SELECT coalesce(max(version), 0) FROM schema_migrations;

-- name: record_migration
INSERT INTO schema_migrations (version, name) VALUES ($version, $name);

-- name: tables
SELECT table_name FROM duckdb_tables() WHERE database_name = current_database();

-- name: all_tables
-- Every base table with its schema: what the open check reads through once.
SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary;
