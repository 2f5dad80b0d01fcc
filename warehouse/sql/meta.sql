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

-- name: table_columns
-- Every base table's columns, for the check of warehouse/schema.py against the migrations.
SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO' AS not_null
FROM information_schema.columns c
JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
WHERE t.table_type = 'BASE TABLE' AND c.table_schema = 'main' AND c.table_catalog = current_database()
ORDER BY c.table_name, c.ordinal_position;

-- name: view_columns
SELECT c.table_name, c.column_name, c.data_type
FROM information_schema.columns c
JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
WHERE t.table_type = 'VIEW' AND c.table_schema = 'main' AND c.table_catalog = current_database()
ORDER BY c.table_name, c.ordinal_position;
