-- entity_aliases.resolves as enrich.sql links (docs/entities.md): at least 80% of the articles
-- that give evidence for the alias point to the entity, and at least 2 articles do. The clause
-- "or no other entity has that alias" is gone: it linked a short form on one article's word.
CREATE OR REPLACE VIEW entity_aliases AS
WITH ev AS (
    SELECT ae.alias, ae.entity_id, count(DISTINCT ae.article_id) AS articles,
           min(d.day) AS first_seen, max(d.day) AS last_seen
    FROM alias_evidence ae
    JOIN article_days d USING (article_id)
    GROUP BY ae.alias, ae.entity_id
)
SELECT ev.alias, e.name AS entity, e.type AS entity_type, ev.articles,
       round(ev.articles / sum(ev.articles) OVER (PARTITION BY ev.alias), 3) AS share,
       ev.articles >= 0.8 * sum(ev.articles) OVER (PARTITION BY ev.alias) AND ev.articles >= 2 AS resolves,
       ev.first_seen, ev.last_seen, ev.entity_id
FROM ev
JOIN entities e USING (entity_id);
