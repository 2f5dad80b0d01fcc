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

-- ---- identity across articles (migrations/007_entity_aliases.sql, docs/entities.md) ----------
-- Runs after the batch's mentions are in. Every mention whose alias the batch touched (new
-- evidence, or a new unresolved short form) is linked again from its article's own entity, so
-- earlier articles are re-linked in this same transaction and a repeated load changes nothing.

-- name: alias_scope
-- Aliases whose evidence or short forms this batch adds or withdraws.
CREATE OR REPLACE TEMP TABLE alias_scope AS
SELECT alias FROM stage_alias_evidence
UNION SELECT alias FROM alias_evidence WHERE article_id IN (SELECT article_id FROM enrich_targets)
UNION SELECT alias FROM stage_mentions WHERE alias IS NOT NULL
UNION SELECT alias_title FROM stage_mentions WHERE alias_title IS NOT NULL;

-- name: alias_evidence_clear
DELETE FROM alias_evidence WHERE article_id IN (SELECT article_id FROM enrich_targets);

-- name: alias_evidence
INSERT INTO alias_evidence BY NAME SELECT DISTINCT article_id, alias, entity_id FROM stage_alias_evidence;

-- name: alias_resolution
-- The best-supported entity of each alias in scope, and whether the evidence is unambiguous:
-- at least 2 articles, and at least 80% of all articles that teach the alias.
CREATE OR REPLACE TEMP TABLE alias_resolution AS
WITH ev AS (
    SELECT alias, entity_id, count(DISTINCT article_id) AS articles
    FROM alias_evidence
    WHERE alias IN (SELECT alias FROM alias_scope)
    GROUP BY alias, entity_id
),
ranked AS (
    SELECT *, sum(articles) OVER (PARTITION BY alias) AS total,
           count(*) OVER (PARTITION BY alias) AS candidates,
           row_number() OVER (PARTITION BY alias ORDER BY articles DESC, entity_id) AS r
    FROM ev
)
SELECT alias, entity_id, articles >= 2 AND articles >= 0.8 * total AS resolved, candidates > 1 AS contested
FROM ranked WHERE r = 1;

-- name: alias_relink
-- A title-qualified alias ("vice president biden") is asked first, then the bare one ("biden").
CREATE OR REPLACE TEMP TABLE alias_relinked AS
SELECT m.article_id, m.start_char, m.end_char,
       coalesce(CASE WHEN t.resolved THEN t.entity_id END, CASE WHEN a.resolved THEN a.entity_id END,
                m.article_entity_id) AS entity_id,
       CASE WHEN t.resolved OR a.resolved THEN 'alias'
            WHEN t.contested OR a.contested THEN 'ambiguous'
            ELSE 'article' END AS link
FROM mentions m
LEFT JOIN alias_resolution t ON t.alias = m.alias_title
LEFT JOIN alias_resolution a ON a.alias = m.alias
WHERE m.alias IN (SELECT alias FROM alias_scope) OR m.alias_title IN (SELECT alias FROM alias_scope);

-- name: alias_update_mentions
UPDATE mentions AS m SET entity_id = r.entity_id, link = r.link
FROM alias_relinked AS r
WHERE m.article_id = r.article_id AND m.start_char = r.start_char AND m.end_char = r.end_char
  AND (m.entity_id IS DISTINCT FROM r.entity_id OR m.link IS DISTINCT FROM r.link);

-- name: alias_update_quotes
-- A quote whose speaker is a re-linked short form names the linked entity.
UPDATE quotes AS q SET speaker_entity_id = r.entity_id, speaker_name = e.name
FROM (SELECT DISTINCT m.article_id, m.article_entity_id, m.entity_id
      FROM mentions m
      WHERE m.article_id IN (SELECT article_id FROM alias_relinked)) AS r
JOIN entities e ON e.entity_id = r.entity_id
WHERE q.article_id = r.article_id AND q.speaker_article_entity_id = r.article_entity_id
  AND q.speaker_entity_id IS DISTINCT FROM r.entity_id;
