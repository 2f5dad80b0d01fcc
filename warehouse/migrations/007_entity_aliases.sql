-- Identity across articles (issue 13; docs/entities.md). An article that names someone in full
-- ("Kristi Noem", often then shortly: "Noem") is evidence that the short form stands for that
-- person; a short form in an article without its full form is linked to the entity its evidence
-- points to when the evidence is unambiguous, and stays its own entity, marked ambiguous, when
-- it is not. The evidence is kept per article, so re-enriching an article replaces its evidence.

CREATE TABLE alias_evidence (
    article_id VARCHAR NOT NULL,             -- the article that names the entity in full and shortly
    alias      VARCHAR NOT NULL,             -- the short form, normalised ("noem", "vice president biden")
    entity_id  VARCHAR NOT NULL,             -- entities.entity_id of the full name
    PRIMARY KEY (article_id, alias, entity_id)
);

-- The article's own entity of a mention, before cross-article linking: mentions.entity_id is
-- this, or the entity the alias evidence links a short form to.
ALTER TABLE mentions ADD COLUMN article_entity_id VARCHAR;
ALTER TABLE mentions ADD COLUMN alias VARCHAR;         -- short form the article does not resolve, normalised
ALTER TABLE mentions ADD COLUMN alias_title VARCHAR;   -- the same with the title written before it
-- how entity_id was chosen: article (the article's own entity; no or too little evidence),
-- alias (linked by unambiguous evidence), ambiguous (the evidence points at several entities),
-- type (the same name, of the type most of its mentions have across the warehouse)
ALTER TABLE mentions ADD COLUMN link VARCHAR;
UPDATE mentions SET article_entity_id = entity_id, link = 'article';

ALTER TABLE quotes ADD COLUMN speaker_article_entity_id VARCHAR;  -- the speaker's entity in the article alone
UPDATE quotes SET speaker_article_entity_id = speaker_entity_id;

-- One row per (alias, entity): the evidence, how much of it there is and when it was seen.
-- `share` is this entity's part of all the articles that teach the alias; `resolves` says whether
-- a short form with this alias is linked to this entity (at least 2 articles and 80% of them).
CREATE VIEW entity_aliases AS
WITH ev AS (
    SELECT ae.alias, ae.entity_id, count(DISTINCT ae.article_id) AS articles,
           min(d.day) AS first_seen, max(d.day) AS last_seen
    FROM alias_evidence ae
    JOIN article_days d USING (article_id)
    GROUP BY ae.alias, ae.entity_id
)
SELECT ev.alias, e.name AS entity, e.type AS entity_type, ev.articles,
       round(ev.articles / sum(ev.articles) OVER (PARTITION BY ev.alias), 3) AS share,
       ev.articles >= 2 AND ev.articles >= 0.8 * sum(ev.articles) OVER (PARTITION BY ev.alias) AS resolves,
       ev.first_seen, ev.last_seen, ev.entity_id
FROM ev
JOIN entities e USING (entity_id);
