-- One load batch. The loader registers the batch as Arrow tables named stage_* and runs these
-- statements in order inside one transaction: either the whole batch lands or none of it.

-- name: outcome
-- new / updated / unchanged per staged article, judged against what the warehouse holds.
CREATE OR REPLACE TEMP TABLE batch_outcome AS
SELECT s.article_id,
       CASE WHEN a.article_id IS NULL THEN 'new'
            WHEN a.content_hash = s.content_hash THEN 'unchanged'
            ELSE 'updated' END AS outcome
FROM stage_articles s
LEFT JOIN articles a USING (article_id);

-- name: sources
MERGE INTO sources AS t
USING stage_sources AS s
ON t.source_id = s.source_id
WHEN MATCHED THEN UPDATE SET
    last_seen_at = greatest(t.last_seen_at, s.seen_at),
    site_name = coalesce(s.site_name, t.site_name),
    name = CASE WHEN s.name <> s.host THEN s.name ELSE t.name END
WHEN NOT MATCHED THEN INSERT (source_id, name, host, site_name, first_seen_at, last_seen_at)
    VALUES (s.source_id, s.name, s.host, s.site_name, s.seen_at, s.seen_at);

-- name: raw_pages
INSERT INTO raw_pages BY NAME
SELECT * FROM stage_raw_pages
ON CONFLICT DO NOTHING;

-- name: articles
-- Column lists come from warehouse/schema.py: set_changed is what a changed page replaces.
MERGE INTO articles AS t
USING (SELECT s.*, o.outcome FROM stage_articles s JOIN batch_outcome o USING (article_id)) AS s
ON t.article_id = s.article_id
WHEN MATCHED AND s.outcome = 'updated' THEN UPDATE SET
    {{articles.set_changed}},
    last_seen_at = s.seen_at, updated_at = s.seen_at, last_run_id = s.run_id
WHEN MATCHED THEN UPDATE SET
    url = s.url, last_seen_at = greatest(t.last_seen_at, s.seen_at), last_run_id = s.run_id
WHEN NOT MATCHED THEN INSERT ({{articles.insert_columns}}, first_seen_at, last_seen_at, updated_at, last_run_id)
VALUES ({{articles.insert_values}}, s.seen_at, s.seen_at, s.seen_at, s.run_id);

-- name: authors
INSERT INTO authors BY NAME
SELECT DISTINCT author_id, name FROM stage_article_authors
ON CONFLICT DO NOTHING;

-- name: article_authors_clear
DELETE FROM article_authors
WHERE article_id IN (SELECT article_id FROM batch_outcome WHERE outcome <> 'unchanged');

-- name: article_authors
INSERT INTO article_authors BY NAME
SELECT sa.article_id, sa.author_id, sa.position
FROM stage_article_authors sa
JOIN batch_outcome o USING (article_id)
WHERE o.outcome <> 'unchanged';

-- name: fetches
INSERT INTO fetches BY NAME
SELECT f.* EXCLUDE (outcome, article_id),
       -- a 304 names no article: find it by the URL it was loaded from
       coalesce(f.article_id, (SELECT min(a.article_id) FROM articles a WHERE a.url = f.url)) AS article_id,
       coalesce(f.outcome, o.outcome, 'failed') AS outcome
FROM stage_fetches f
LEFT JOIN batch_outcome o ON o.article_id = f.article_id
-- a run retried after a failure stages its URLs again: their fetch rows are there already
ON CONFLICT DO NOTHING;

-- name: article_urls
-- Where the staged articles already in the warehouse were loaded from (read before the merge).
SELECT article_id, url FROM articles WHERE article_id IN (SELECT unnest($ids::VARCHAR[]));

-- name: counts
SELECT outcome, count(*) FROM batch_outcome GROUP BY outcome;

-- name: new_articles
SELECT article_id FROM batch_outcome WHERE outcome = 'new';

-- name: run_progress
-- The batch's counts added to its run's row in the batch's own transaction: a run that is killed
-- keeps counts that match its committed batches (finish_run writes the totals again at the end).
UPDATE runs SET fetched = fetched + $fetched, new = new + $new, updated = updated + $updated,
    loaded = loaded + $new + $updated, unchanged = unchanged + $unchanged, failed = failed + $failed
WHERE run_id = $run_id AND status = 'running';
