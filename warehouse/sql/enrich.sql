-- Replacing one batch's enrichment. Runs in the load transaction after load.sql. An article's
-- entities, mentions and quotes are replaced together whenever it is enriched anew.

-- name: targets
CREATE OR REPLACE TEMP TABLE enrich_targets AS
SELECT DISTINCT article_id FROM stage_enrichments;

-- name: entities
INSERT INTO entities BY NAME
SELECT entity_id, any_value(name) AS name, any_value(type) AS type, min(seen_at) AS first_seen_at
FROM stage_entities
GROUP BY entity_id
ON CONFLICT DO NOTHING;

-- name: mentions_clear
DELETE FROM mentions WHERE article_id IN (SELECT article_id FROM enrich_targets);

-- name: quotes_clear
DELETE FROM quotes WHERE article_id IN (SELECT article_id FROM enrich_targets);

-- name: enrichments_clear
DELETE FROM enrichments WHERE article_id IN (SELECT article_id FROM enrich_targets);

-- name: mentions
INSERT INTO mentions BY NAME SELECT * FROM stage_mentions;

-- name: quotes
INSERT INTO quotes BY NAME SELECT * FROM stage_quotes;

-- name: enrichments
INSERT INTO enrichments BY NAME SELECT * FROM stage_enrichments;
