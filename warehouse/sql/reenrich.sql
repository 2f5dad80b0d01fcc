-- Re-extraction and re-enrichment from the kept raw HTML (newsmill reenrich).
-- An article keeps its identity (article_id, canonical_url, source, first/last seen); only what is
-- derived from its HTML is replaced, batch by batch, in one transaction per batch.

-- name: targets
-- The next batch of articles with kept HTML, in article_id order (keyset pagination).
SELECT a.article_id, a.url, a.canonical_url, r.html_gz, r.encoding
FROM articles a
JOIN raw_pages r USING (raw_html_id)
WHERE a.article_id > $after
  AND ($since IS NULL OR a.first_seen_at >= CAST($since AS TIMESTAMPTZ))
ORDER BY a.article_id
LIMIT $limit;

-- name: count_targets
SELECT count(*) FROM articles a JOIN raw_pages r USING (raw_html_id)
WHERE ($since IS NULL OR a.first_seen_at >= CAST($since AS TIMESTAMPTZ));

-- name: outcome
CREATE OR REPLACE TEMP TABLE batch_outcome AS
SELECT s.article_id,
       CASE WHEN a.content_hash = s.content_hash THEN 'unchanged' ELSE 'updated' END AS outcome
FROM stage_articles s
JOIN articles a USING (article_id);

-- name: articles
-- set_page (warehouse/schema.py): every column derived from the page's HTML.
UPDATE articles AS t SET
    {{articles.set_page}},
    updated_at = CASE WHEN t.content_hash <> s.content_hash THEN s.seen_at ELSE t.updated_at END,
    last_run_id = s.run_id
FROM stage_articles AS s
WHERE t.article_id = s.article_id;

-- name: authors
INSERT INTO authors BY NAME
SELECT DISTINCT author_id, name FROM stage_article_authors
ON CONFLICT DO NOTHING;

-- name: article_authors_clear
DELETE FROM article_authors WHERE article_id IN (SELECT article_id FROM stage_articles);

-- name: article_authors
INSERT INTO article_authors BY NAME
SELECT article_id, author_id, position FROM stage_article_authors;

-- name: counts
SELECT outcome, count(*) FROM batch_outcome GROUP BY outcome;
