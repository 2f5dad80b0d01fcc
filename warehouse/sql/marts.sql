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

-- name: dashboard_articles
-- The dashboard's articles: the last $days days that have any, newest first. source is the
-- sources-file entry ("(URL list)" for URLs given directly, a name no source can have), site the host.
SELECT d.article_id, CAST(d.day AS VARCHAR) AS day, coalesce(d.source, '(URL list)') AS source, d.site,
       a.title, a.canonical_url
FROM article_days d
JOIN articles a USING (article_id)
WHERE d.day > (SELECT max(day) FROM article_days) - CAST($days AS INTEGER)
ORDER BY d.day DESC, a.published_at DESC NULLS LAST, d.article_id
LIMIT $limit;

-- name: dashboard_mentions
-- Mentions per article and entity (people, organisations, places, groups) of the listed articles.
SELECT m.article_id, e.entity_id, any_value(e.name) AS name, any_value(e.type) AS type, count(*) AS mentions
FROM mentions m
JOIN entities e USING (entity_id)
WHERE m.article_id IN (SELECT unnest($ids::VARCHAR[]))
  AND e.type IN ('PERSON', 'ORG', 'PLACE', 'NORP')
GROUP BY m.article_id, e.entity_id
ORDER BY m.article_id, e.entity_id;

-- name: dashboard_quotes
-- Citable quotes of the listed articles (quotes_citable: a named speaker and a confidence at or
-- above the calibrated threshold), in text order.
SELECT article_id, speaker_entity_id, speaker, quote, kind
FROM quotes_citable
WHERE article_id IN (SELECT unnest($ids::VARCHAR[]))
ORDER BY article_id, start_char;

-- name: dashboard_fetch_days
-- Fetches per source, fetch day (UTC) and result (an error class, else the outcome), last $days days.
SELECT coalesce(source, '(URL list)') AS source, CAST(day AS VARCHAR) AS day,
       coalesce(error, outcome, 'unknown') AS result, CAST(sum(fetches) AS BIGINT) AS fetches
FROM source_fetches_daily
WHERE day > (SELECT max(day) FROM source_fetches_daily) - CAST($days AS INTEGER)
GROUP BY ALL
ORDER BY source, day, result;

-- name: dashboard_freshness
-- Per source: the last fetch that succeeded and the last that failed (all time, UTC), and the
-- feeds and sitemaps: when one was last read and how many failed at their last read.
WITH f AS (
    SELECT coalesce(source, '(URL list)') AS source,
           max(last_fetched_at) FILTER (WHERE error IS NULL) AS last_success,
           max(last_fetched_at) FILTER (WHERE error IS NOT NULL) AS last_failure
    FROM source_fetches_daily GROUP BY 1
), docs AS (
    SELECT source, count(*) AS docs, count(*) FILTER (WHERE error IS NOT NULL) AS docs_failing,
           max(last_ok_at) AS docs_last_ok
    FROM discovery_docs GROUP BY 1
)
SELECT coalesce(f.source, docs.source) AS source,
       strftime(timezone('UTC', f.last_success), '%Y-%m-%d %H:%M UTC') AS last_success,
       strftime(timezone('UTC', f.last_failure), '%Y-%m-%d %H:%M UTC') AS last_failure,
       coalesce(docs.docs, 0) AS docs, coalesce(docs.docs_failing, 0) AS docs_failing,
       strftime(timezone('UTC', docs.docs_last_ok), '%Y-%m-%d %H:%M UTC') AS docs_last_ok
FROM f FULL JOIN docs USING (source)
ORDER BY 1;

-- name: dashboard_totals
-- Whole-warehouse counts for the page header (the filters change what the cards show).
SELECT (SELECT count(*) FROM articles) AS articles,
       (SELECT count(DISTINCT source) FROM article_days) AS sources,
       (SELECT count(*) FROM sources) AS sites,
       (SELECT count(*) FROM entities) AS entities,
       (SELECT count(*) FROM quotes_citable) AS quotes,
       (SELECT strftime(timezone('UTC', max(finished_at)), '%Y-%m-%d %H:%M:%S UTC') FROM runs
        WHERE status = 'completed') AS last_load;

-- name: run_articles
-- Articles a run inserted, for its summary artifact: "source · site" (the dashboard's terms).
SELECT a.title, a.canonical_url, coalesce(d.source, '(URL list)') || ' · ' || d.site AS source,
       CAST(d.day AS VARCHAR) AS day
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
-- Citable quotes of the articles a run loaded, for its summary artifact.
SELECT speaker, quote, title, article_url
FROM quotes_citable
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
