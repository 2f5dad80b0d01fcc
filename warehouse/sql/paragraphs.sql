-- The warehouse's cache of paragraph analyses (table paragraph_analyses, tasks/analyses.py).

-- name: merge
-- in the batch's load transaction: the analyses its workers made, and the use of those they
-- took from a cache (analysis NULL), one row per paragraph
MERGE INTO paragraph_analyses AS t
USING (
    SELECT analysis_version, paragraph_hash, max(tokens) AS tokens, max(analysis) AS analysis,
           sum(uses) AS uses, max(seen_at) AS seen_at
    FROM stage_paragraphs
    GROUP BY analysis_version, paragraph_hash
) AS s
ON t.analysis_version = s.analysis_version AND t.paragraph_hash = s.paragraph_hash
-- (a paragraph parsed again while stored - a row that did not decode, or one stored by another
-- run meanwhile - replaces the stored analysis)
WHEN MATCHED THEN UPDATE SET last_used_at = greatest(t.last_used_at, s.seen_at), hits = t.hits + s.uses,
    analysis = coalesce(s.analysis, t.analysis),
    tokens = CASE WHEN s.analysis IS NULL THEN t.tokens ELSE s.tokens END
WHEN NOT MATCHED AND s.analysis IS NOT NULL THEN INSERT
    (analysis_version, paragraph_hash, tokens, analysis, created_at, last_used_at, hits)
    VALUES (s.analysis_version, s.paragraph_hash, s.tokens, s.analysis, s.seen_at, s.seen_at, s.uses);

-- name: rows
SELECT count(*) FROM paragraph_analyses;

-- name: evict
-- keep the $keep most recently used rows (the most used first among equals)
DELETE FROM paragraph_analyses
WHERE rowid IN (
    SELECT rowid FROM paragraph_analyses
    QUALIFY row_number() OVER (ORDER BY last_used_at DESC, hits DESC) > $keep
);

-- name: export
-- what a run's workers look paragraphs up in (tasks/analyses.write_snapshot)
SELECT analysis_version, paragraph_hash, analysis
FROM paragraph_analyses
ORDER BY last_used_at DESC
LIMIT $limit;

-- name: stats
SELECT analysis_version, count(*) AS paragraphs, sum(tokens) AS tokens,
       sum(octet_length(analysis)) AS bytes, sum(hits) AS hits,
       min(created_at) AS first_created, max(last_used_at) AS last_used
FROM paragraph_analyses
GROUP BY analysis_version
ORDER BY last_used DESC;

-- name: clear
DELETE FROM paragraph_analyses;

-- name: clear_others
-- every version but the ones in use
DELETE FROM paragraph_analyses WHERE analysis_version NOT IN (SELECT unnest($keep));
