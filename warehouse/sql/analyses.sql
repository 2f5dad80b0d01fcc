-- The paragraph analysis cache (migration 011, warehouse/analyses.py).

-- name: recent
-- What a run seeds its workers with: the model's most recently used analyses.
SELECT paragraph_key, analysis FROM analysis_cache
WHERE model = $model
ORDER BY last_used_at DESC, uses DESC
LIMIT $limit;

-- name: store
-- New analyses (staged in stage_analyses) and reused ones (analysis NULL): one row per key.
MERGE INTO analysis_cache AS c
USING (SELECT paragraph_key, model, any_value(analysis) AS analysis FROM stage_analyses
       GROUP BY paragraph_key, model) AS s
ON c.paragraph_key = s.paragraph_key AND c.model = s.model
WHEN MATCHED THEN UPDATE SET last_used_at = $now, uses = c.uses + 1
WHEN NOT MATCHED AND s.analysis IS NOT NULL THEN
    INSERT (paragraph_key, model, analysis, created_at, last_used_at, uses)
    VALUES (s.paragraph_key, s.model, s.analysis, $now, $now, 1);

-- name: prune
-- Analyses no run used for $days days (a new model version's runs never use the old one's).
DELETE FROM analysis_cache WHERE last_used_at < $now - to_days(CAST($days AS INTEGER));
