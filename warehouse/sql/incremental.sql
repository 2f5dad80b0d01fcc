-- Skipping work on pages that did not change since they were last loaded.

-- name: known_bodies
-- URL -> sha256 of the body its article was last extracted from, for articles that need no new
-- work when the same body comes back: extracted by this extractor version and, when enrichment is
-- on, enriched by this model on this text (or skipped on purpose). A new extractor or model re-processes everything.
SELECT a.url, a.raw_html_id
FROM articles a
LEFT JOIN enrichments e USING (article_id)
WHERE a.url IN (SELECT unnest($urls::VARCHAR[]))
  AND a.raw_html_id IS NOT NULL
  AND a.extractor_version = $extractor_version
  -- an enrichment that was skipped on purpose (a language without a model) counts as done: the
  -- same text would be skipped again
  AND ($model IS NULL OR (e.content_hash = a.content_hash
                          AND (e.model = $model OR (e.model IS NULL AND e.skipped IS NOT NULL))));

-- name: site_texts
-- The most recently seen bodies of each given site: what a line must repeat across to count as
-- that site's boilerplate (tasks/boilerplate.strip_site_repeats).
SELECT source_id, canonical_url, text
FROM articles
WHERE source_id IN (SELECT unnest($sources::VARCHAR[]))
QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY last_seen_at DESC, article_id) <= $per_site;
