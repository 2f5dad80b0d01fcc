-- Queries over the marts for export, the dashboard and the run summary artifact.
-- The views themselves are created by migrations/003_marts.sql.

-- name: relations
-- Tables and views a user may export (newsmill's own, not DuckDB's catalog).
SELECT table_name AS name, 'table' AS kind FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
UNION ALL
SELECT view_name, 'view' FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
ORDER BY 1;

-- name: export_parquet
-- {relation} is a checked, quoted identifier and {path} a quoted literal (COPY takes no parameters).
-- Rows are ordered by every column, left to right, so two exports of the same data are identical
-- files and diffable (the first columns are the keys: day, source, ids).
COPY (SELECT * FROM {relation} ORDER BY ALL) TO {path} (FORMAT parquet, COMPRESSION zstd);

-- name: export_csv
COPY (SELECT * FROM {relation} ORDER BY ALL) TO {path} (FORMAT csv, HEADER true);

-- name: count
SELECT count(*) FROM {relation};

-- name: dashboard_daily
-- Articles per day and source over the last $days days that have any articles (articles from URLs
-- given directly belong to no source: "(URL list)", which no source name can be).
SELECT CAST(day AS VARCHAR) AS day, coalesce(source, '(URL list)') AS source, sum(articles) AS articles
FROM daily_articles
WHERE day > (SELECT max(day) FROM daily_articles) - CAST($days AS INTEGER)
GROUP BY ALL
ORDER BY day, source;

-- name: dashboard_top_entities
-- Most mentioned entities of each kind over the last $days days.
WITH totals AS (
    SELECT entity_type, entity_id, any_value(entity) AS entity, sum(mentions) AS mentions,
           sum(articles) AS articles
    FROM top_entities
    WHERE period = 'day' AND period_start > (SELECT max(day) FROM daily_articles) - CAST($days AS INTEGER)
      AND entity_type IN ('PERSON', 'ORG', 'PLACE', 'NORP')
    GROUP BY entity_type, entity_id
)
SELECT entity_type, entity, mentions, articles
FROM totals
QUALIFY row_number() OVER (PARTITION BY entity_type ORDER BY mentions DESC, entity) <= $limit
ORDER BY entity_type, mentions DESC, entity;

-- name: dashboard_quotes
SELECT CAST(day AS VARCHAR) AS day, source, speaker, quote, title, article_url
FROM quotes_with_speakers
ORDER BY day DESC, published_at DESC NULLS LAST, article_id, start_char
LIMIT $limit;

-- name: dashboard_totals
SELECT (SELECT count(*) FROM articles) AS articles,
       (SELECT count(*) FROM sources) AS sources,
       (SELECT count(*) FROM entities) AS entities,
       (SELECT count(*) FROM quotes) AS quotes,
       (SELECT strftime(timezone('UTC', max(finished_at)), '%Y-%m-%d %H:%M:%S UTC') FROM runs
        WHERE status = 'completed') AS last_load;

-- name: run_articles
-- Articles a run inserted, for its summary artifact.
SELECT a.title, a.canonical_url, d.source, CAST(d.day AS VARCHAR) AS day
FROM articles a JOIN article_days d USING (article_id)
WHERE a.article_id IN (SELECT unnest($ids::VARCHAR[]))
ORDER BY d.day DESC, a.title
LIMIT $limit;

-- name: run_top_entities
-- Entities most mentioned in the articles a run inserted or updated.
SELECT e.name, e.type, count(*) AS mentions, count(DISTINCT m.article_id) AS articles
FROM mentions m JOIN entities e USING (entity_id)
WHERE m.article_id IN (SELECT unnest($ids::VARCHAR[]))
GROUP BY ALL
ORDER BY mentions DESC, e.name
LIMIT $limit;

-- name: run_quotes
SELECT speaker, quote, title, article_url
FROM quotes_with_speakers
WHERE article_id IN (SELECT unnest($ids::VARCHAR[]))
ORDER BY day DESC, article_id, start_char
LIMIT $limit;

-- name: run_changed_articles
-- Articles a run inserted or updated (their last change came from this run).
SELECT article_id FROM articles WHERE last_run_id = $run_id AND updated_at >= $started_at;

-- name: notification_insert
INSERT INTO notifications BY NAME
SELECT $notification_id AS notification_id, $run_id AS run_id, $channel AS channel, $target AS target,
       $status AS status, $attempts AS attempts, $http_status AS http_status, $error AS error,
       CAST($payload AS JSON) AS payload, $created_at AS created_at, $elapsed_ms AS elapsed_ms;
