-- name: start
INSERT INTO runs (run_id, flow, started_at, status, urls, newsmill_version, extractor_version, model)
VALUES ($run_id, $flow, $started_at, 'running', $urls, $newsmill_version, $extractor_version, $model)
ON CONFLICT (run_id) DO UPDATE SET status = 'running', started_at = excluded.started_at;

-- name: finish
UPDATE runs SET
    finished_at = $finished_at, status = $status, fetched = $fetched, loaded = $loaded, new = $new,
    updated = $updated, unchanged = $unchanged, failed = $failed, errors = $errors, message = $message
WHERE run_id = $run_id;

-- name: validators
-- ETag / Last-Modified of the last successful fetch of each URL, for conditional GETs.
SELECT url, etag, last_modified
FROM (
    SELECT url, etag, last_modified,
           row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC) AS rn
    FROM fetches
    WHERE error IS NULL AND (etag IS NOT NULL OR last_modified IS NOT NULL)
      AND url IN (SELECT unnest($urls::VARCHAR[]))
)
WHERE rn = 1;

-- name: recent
-- The latest runs, newest first, with the process that ran them (to tell a dead one).
SELECT run_id, flow, started_at, finished_at, status, urls, fetched, new, updated, unchanged, failed,
       pid, hostname, message
FROM runs
ORDER BY started_at DESC
LIMIT $limit;
