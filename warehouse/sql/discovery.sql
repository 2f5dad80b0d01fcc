-- Discovery state (tables from migration 004) and the choice of which URLs a run fetches.

-- name: claim_run
UPDATE runs SET pid = $pid, hostname = $hostname WHERE run_id = $run_id;

-- name: running_runs
SELECT run_id, pid, hostname, started_at FROM runs WHERE status = 'running' AND run_id <> $run_id;

-- name: running_runs_of
SELECT run_id FROM runs WHERE status = 'running' AND pid = $pid AND hostname = $hostname;

-- name: mark_interrupted
UPDATE runs SET status = 'interrupted', finished_at = $now,
    message = 'the process (PID ' || coalesce(CAST(pid AS VARCHAR), '?') || ') ended without finishing '
              || 'this run (killed or crashed); its loaded batches are kept, later runs fetch the rest'
WHERE run_id = $run_id AND status = 'running';

-- name: set_discovered
UPDATE runs SET urls = $urls, discovered = $discovered WHERE run_id = $run_id;

-- name: doc_validators
SELECT doc_url, etag, last_modified FROM discovery_docs
WHERE source = $source AND error IS NULL AND (etag IS NOT NULL OR last_modified IS NOT NULL)
  -- an index is read every time: it is small, and a 304 would hide its children's changes
  AND kind <> 'sitemapindex';

-- name: last_polled
SELECT source, max(last_ok_at) FROM discovery_docs GROUP BY source;

-- name: upsert_docs
MERGE INTO discovery_docs AS t
USING stage_docs AS s
ON t.doc_url = s.doc_url
WHEN MATCHED THEN UPDATE SET
    source = s.source, kind = CASE WHEN s.not_modified THEN t.kind ELSE s.kind END,
    status_code = s.status_code,
    error = s.error,
    error_detail = s.error_detail,
    urls_found = CASE WHEN s.not_modified THEN t.urls_found ELSE s.urls_found END,
    etag = CASE WHEN s.error IS NULL AND NOT s.not_modified THEN s.etag ELSE t.etag END,
    last_modified = CASE WHEN s.error IS NULL AND NOT s.not_modified THEN s.last_modified ELSE t.last_modified END,
    content_hash = coalesce(s.content_hash, t.content_hash),
    fetched_at = s.fetched_at,
    last_ok_at = CASE WHEN s.error IS NULL OR s.not_modified THEN s.fetched_at ELSE t.last_ok_at END,
    run_id = s.run_id
WHEN NOT MATCHED THEN INSERT (doc_url, source, kind, status_code, error, error_detail, urls_found, etag,
                              last_modified, content_hash, fetched_at, last_ok_at, run_id)
VALUES (s.doc_url, s.source, s.kind, s.status_code, s.error, s.error_detail, s.urls_found, s.etag,
        s.last_modified, s.content_hash, s.fetched_at,
        CASE WHEN s.error IS NULL OR s.not_modified THEN s.fetched_at END, s.run_id);

-- name: promote_fetched
-- URLs chosen by an earlier run and fetched since: the lastmod they were fetched at is now known.
UPDATE discovered_urls SET fetched_lastmod = due_lastmod, due_lastmod = NULL, due_at = NULL
WHERE due_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM fetches f
              WHERE f.url = discovered_urls.url AND f.error IS NULL AND f.fetched_at >= discovered_urls.due_at);

-- name: mark_due
UPDATE discovered_urls SET due_lastmod = lastmod, due_at = $now
WHERE url IN (SELECT unnest($urls::VARCHAR[]));

-- name: upsert_found
MERGE INTO discovered_urls AS t
USING stage_found AS s
ON t.url = s.url
WHEN MATCHED THEN UPDATE SET
    source = s.source, via = s.via, lastmod = coalesce(s.lastmod, t.lastmod),
    title = coalesce(s.title, t.title), language = coalesce(s.language, t.language),
    last_seen_at = s.seen_at, last_run_id = s.run_id
WHEN NOT MATCHED THEN INSERT (url, source, via, lastmod, title, language, first_seen_at, last_seen_at,
                              first_run_id, last_run_id)
VALUES (s.url, s.source, s.via, s.lastmod, s.title, s.language, s.seen_at, s.seen_at, s.run_id, s.run_id);

-- name: due
-- The URLs of one source this run should fetch: listed now, or listed before and never fetched
-- (a run killed mid-way, a per-run cap); of those, the ones never fetched, the ones whose last
-- fetch failed for a reason that may pass (timeouts, 429, 5xx; at most $max_failures times in
-- a row), the ones the feed/sitemap dates after their last fetch, and undated ones not checked
-- for $revisit_after seconds. Newest first, at most $limit.
WITH cand AS (
    SELECT d.url, d.lastmod, d.first_seen_at
    FROM discovered_urls d
    WHERE d.source = $source
      AND (d.last_run_id = $run_id OR d.first_seen_at > $now - INTERVAL 7 DAY)
),
hist AS (
    SELECT f.url,
           max(f.fetched_at) AS last_fetch,
           max(f.fetched_at) FILTER (WHERE f.error IS NULL) AS last_ok,
           arg_max(f.error, f.fetched_at) AS last_error,
           count(*) FILTER (WHERE f.error IS NOT NULL) AS failures
    FROM fetches f
    WHERE f.url IN (SELECT url FROM cand)
    GROUP BY f.url
)
SELECT c.url,
       CASE WHEN h.url IS NULL THEN 'new'
            WHEN h.last_error IS NOT NULL THEN 'retry'
            WHEN c.lastmod IS NOT NULL THEN 'changed'
            ELSE 'revisit' END AS reason
FROM cand c
LEFT JOIN hist h USING (url)
LEFT JOIN discovered_urls d USING (url)
WHERE h.url IS NULL
   OR (h.last_error IS NOT NULL AND h.failures < $max_failures
       AND (h.last_error IN ('timeout', 'connection', 'dns', 'http_429') OR h.last_error LIKE 'http_5%'))
   -- a later date than the one it was last fetched at (or, for a URL fetched before it was
   -- ever listed, than that fetch)
   OR (c.lastmod IS NOT NULL AND c.lastmod > coalesce(d.fetched_lastmod, h.last_ok, h.last_fetch))
   OR (c.lastmod IS NULL AND d.last_run_id = $run_id
       AND h.last_fetch < $now - to_seconds(CAST($revisit_after AS DOUBLE)))
   OR (h.last_error IS NOT NULL AND d.last_run_id = $run_id
       AND h.last_fetch < $now - to_seconds(CAST($revisit_after AS DOUBLE)))
ORDER BY (h.url IS NULL) DESC, c.lastmod DESC NULLS LAST, c.first_seen_at, c.url
LIMIT $limit;
