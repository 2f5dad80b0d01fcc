-- One vocabulary of entity types (newsmill.tasks.labels.EntityType): the marts rank entities by
-- their type (PERSON, ORG, PLACE, NORP) instead of a second, lower-case "kind" vocabulary, and
-- nationalities and groups (NORP) get their own ranking instead of counting as organisations.

CREATE OR REPLACE VIEW top_entities AS
WITH periods AS (
    SELECT 'day' AS period, day AS period_start, * EXCLUDE (day) FROM entity_mentions_daily
    UNION ALL
    SELECT 'week', CAST(date_trunc('week', day) AS DATE), * EXCLUDE (day) FROM entity_mentions_daily
    UNION ALL
    SELECT 'month', CAST(date_trunc('month', day) AS DATE), * EXCLUDE (day) FROM entity_mentions_daily
),
totals AS (
    SELECT period, period_start, entity_type, entity_id, any_value(entity) AS entity,
           CAST(sum(mentions) AS BIGINT) AS mentions, CAST(sum(articles) AS BIGINT) AS articles,
           count(DISTINCT source_id) AS sources
    FROM periods
    GROUP BY period, period_start, entity_type, entity_id
)
SELECT period, period_start, entity_type, entity, mentions, articles, sources,
       rank() OVER (PARTITION BY period, period_start, entity_type ORDER BY mentions DESC, articles DESC) AS rank,
       entity_id
FROM totals;

CREATE OR REPLACE VIEW top_people AS
SELECT * FROM top_entities WHERE entity_type = 'PERSON';

CREATE OR REPLACE VIEW top_organisations AS
SELECT * FROM top_entities WHERE entity_type = 'ORG';

CREATE OR REPLACE VIEW top_places AS
SELECT * FROM top_entities WHERE entity_type = 'PLACE';

CREATE VIEW top_groups AS
SELECT * FROM top_entities WHERE entity_type = 'NORP';
