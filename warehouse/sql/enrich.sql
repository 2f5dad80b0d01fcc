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
-- Runs after the batch's mentions are in. Every mention whose alias or name the batch touched
-- (new or withdrawn evidence, a new short form, a new entity of the same name) is linked again
-- from its article's own entity, so earlier articles are re-linked in this same transaction and a
-- repeated load changes nothing.

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
-- The best-supported entity of each alias in scope. It resolves the alias when at least 80% of
-- the articles that give evidence for the alias point to it and at least two articles do
-- (issue 13: one article is no evidence that a short form elsewhere means the same person).
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
SELECT alias, entity_id, articles >= 0.8 * total AND articles >= 2 AS resolved,
       candidates > 1 AS contested
FROM ranked WHERE r = 1;

-- name: name_scope
-- Names (case-insensitive) this batch brings in: one name is one entity across the warehouse.
CREATE OR REPLACE TEMP TABLE name_scope AS
SELECT DISTINCT lower(name) AS key FROM stage_entities
UNION SELECT lower(e.name) FROM entities e WHERE e.entity_id IN (SELECT entity_id FROM alias_resolution);

-- name: type_votes
-- Per name in scope, the type most of its mentions got in their own articles (ties: PERSON, NORP,
-- ORG, PLACE as in newsmill.tasks.labels.TIE_ORDER), and that type's entity.
CREATE OR REPLACE TEMP TABLE type_votes AS
WITH votes AS (
    SELECT lower(e.name) AS key, e.type, count(*) AS n, min(e.entity_id) AS entity_id
    FROM mentions m JOIN entities e ON e.entity_id = m.article_entity_id
    WHERE lower(e.name) IN (SELECT key FROM name_scope)
      AND e.type IN ('PERSON', 'ORG', 'PLACE', 'NORP')
    GROUP BY lower(e.name), e.type
)
SELECT key, entity_id, type FROM votes
QUALIFY row_number() OVER (PARTITION BY key ORDER BY n DESC,
        CASE type WHEN 'PERSON' THEN 0 WHEN 'NORP' THEN 1 WHEN 'ORG' THEN 2 ELSE 3 END) = 1;

-- name: alias_relink
-- A title-qualified alias ("vice president biden") is asked first, then the bare one ("biden");
-- then the name's type across the warehouse decides which entity of that name it is.
CREATE OR REPLACE TEMP TABLE alias_relinked AS
WITH linked AS (
    SELECT m.article_id, m.start_char, m.end_char,
           coalesce(CASE WHEN t.resolved THEN t.entity_id END, CASE WHEN a.resolved THEN a.entity_id END,
                    m.article_entity_id) AS entity_id,
           CASE WHEN t.resolved OR a.resolved THEN 'alias'
                WHEN t.contested OR a.contested THEN 'ambiguous'
                ELSE 'article' END AS link
    FROM mentions m
    JOIN entities ae ON ae.entity_id = m.article_entity_id
    LEFT JOIN alias_resolution t ON t.alias = m.alias_title
    LEFT JOIN alias_resolution a ON a.alias = m.alias
    WHERE m.alias IN (SELECT alias FROM alias_scope) OR m.alias_title IN (SELECT alias FROM alias_scope)
       OR lower(ae.name) IN (SELECT key FROM name_scope)
)
SELECT l.article_id, l.start_char, l.end_char,
       CASE WHEN v.entity_id IS NOT NULL AND v.type <> e.type THEN v.entity_id ELSE l.entity_id END AS entity_id,
       CASE WHEN v.entity_id IS NOT NULL AND v.type <> e.type AND l.link = 'article' THEN 'type' ELSE l.link END AS link
FROM linked l
JOIN entities e ON e.entity_id = l.entity_id
LEFT JOIN type_votes v ON v.key = lower(e.name) AND e.type IN ('PERSON', 'ORG', 'PLACE', 'NORP');

-- name: alias_update_mentions
UPDATE mentions AS m SET entity_id = r.entity_id, link = r.link
FROM alias_relinked AS r
WHERE m.article_id = r.article_id AND m.start_char = r.start_char AND m.end_char = r.end_char
  AND (m.entity_id IS DISTINCT FROM r.entity_id OR m.link IS DISTINCT FROM r.link);

-- name: alias_update_quotes
-- A quote whose speaker is a re-linked mention names the linked entity.
UPDATE quotes AS q SET speaker_entity_id = r.entity_id, speaker_name = e.name
FROM (SELECT DISTINCT m.article_id, m.article_entity_id, m.entity_id
      FROM mentions m
      WHERE m.article_id IN (SELECT article_id FROM alias_relinked)) AS r
JOIN entities e ON e.entity_id = r.entity_id
WHERE q.article_id = r.article_id AND q.speaker_article_entity_id = r.article_entity_id
  AND q.speaker_entity_id IS DISTINCT FROM r.entity_id;
