-- Quotes a journalist can cite (issue 12): every quote carries a confidence, and the
-- quotes_citable mart keeps the ones with a named speaker at or above the documented threshold.
-- An unresolved pronoun ("he", "she") is never shown as a speaker.

ALTER TABLE quotes ADD COLUMN confidence DOUBLE;  -- 0-1: P(the quote and its speaker are right) for its evidence class, calibrated on PolNeAR train (tasks/data/quote_confidence.json); NULL for quotes loaded before migration 010

CREATE OR REPLACE VIEW quotes_with_speakers AS
-- Grain: one row per quote.
SELECT d.day, d.source, d.site, a.title, a.canonical_url AS article_url,
       coalesce(q.speaker_name,
                CASE WHEN lower(q.speaker) NOT IN ('he', 'she', 'him', 'her', 'they', 'them', 'i', 'we', 'it', 'you')
                     THEN q.speaker END) AS speaker,
       q.text AS quote, q.kind, q.cue,
       q.speaker AS speaker_as_written, q.speaker_name, q.speaker_entity_id,
       a.published_at, a.article_id, q.quote_id, q.start_char, q.end_char, q.confidence
FROM quotes q
JOIN articles a USING (article_id)
JOIN article_days d USING (article_id);

-- Quotes with a named speaker whose confidence is at least the threshold that gave >= 0.97
-- precision (quote and speaker both right) on PolNeAR train; tasks/quotes.py:citable_threshold()
-- reads the same figure from tasks/data/quote_confidence.json (a test keeps the two equal).
CREATE VIEW quotes_citable AS
SELECT *
FROM quotes_with_speakers
WHERE speaker_name IS NOT NULL AND confidence >= 0.966;

CREATE OR REPLACE VIEW speakers_by_entity AS
WITH entity_articles AS (
    SELECT DISTINCT m.entity_id, m.article_id FROM mentions m
),
counted AS (
    SELECT ea.entity_id, coalesce(q.speaker_entity_id, 'text:' || lower(q.speaker)) AS speaker_key,
           any_value(coalesce(q.speaker_name, q.speaker)) AS speaker,
           count(*) AS quotes,
           count(DISTINCT q.article_id) AS articles
    FROM entity_articles ea
    JOIN quotes q USING (article_id)
    WHERE coalesce(q.speaker_name, q.speaker) IS NOT NULL
      AND (q.speaker_name IS NOT NULL
           OR lower(q.speaker) NOT IN ('he', 'she', 'him', 'her', 'they', 'them', 'i', 'we', 'it', 'you'))
      AND q.speaker_entity_id IS DISTINCT FROM ea.entity_id
    GROUP BY ALL
)
SELECT e.name AS entity, e.type AS entity_type, c.speaker, c.quotes, c.articles,
       rank() OVER (PARTITION BY c.entity_id ORDER BY c.quotes DESC, c.articles DESC) AS rank,
       c.entity_id,
       CASE WHEN c.speaker_key LIKE 'text:%' THEN NULL ELSE c.speaker_key END AS speaker_entity_id
FROM counted c
JOIN entities e USING (entity_id);
