-- Marts: views with plain names for people and BI tools, and the notifications log.
-- Views compute on read, so they are never stale after a load and cost nothing to keep.
-- An article's day is the date the page states it was published; pages that state none count on
-- the day newsmill first saw them (article_day.day_basis says which).

CREATE TABLE notifications (
    notification_id VARCHAR PRIMARY KEY,
    run_id          VARCHAR NOT NULL,        -- runs.run_id of the load it announces
    channel         VARCHAR NOT NULL,        -- webhook | event
    target          VARCHAR,                 -- the webhook URL, or the event name
    status          VARCHAR NOT NULL,        -- sent | failed
    attempts        INTEGER NOT NULL,
    http_status     INTEGER,                 -- the last HTTP status received, NULL when none came
    error           VARCHAR,                 -- why it failed (timeout, connection refused, HTTP 500 ...)
    payload         JSON,                    -- the body sent
    created_at      TIMESTAMPTZ NOT NULL,
    elapsed_ms      INTEGER
);

CREATE VIEW article_days AS
SELECT a.article_id,
       coalesce(a.published_date, CAST(a.first_seen_at AS DATE)) AS day,
       CASE WHEN a.published_date IS NULL THEN 'first_seen' ELSE 'published' END AS day_basis,
       a.source_id,
       coalesce(s.name, a.source_id) AS source
FROM articles a
LEFT JOIN sources s USING (source_id);

-- Articles per source and day.
CREATE VIEW daily_articles AS
SELECT d.day, d.source_id, d.source,
       count(*) AS articles,
       CAST(sum(a.word_count) AS BIGINT) AS words,
       count(*) FILTER (WHERE d.day_basis = 'first_seen') AS undated
FROM article_days d
JOIN articles a USING (article_id)
GROUP BY ALL;

-- Mentions of each entity per day and source.
CREATE VIEW entity_mentions_daily AS
SELECT d.day, d.source_id, d.source, e.entity_id, e.name AS entity, e.type AS entity_type,
       count(*) AS mentions,
       count(DISTINCT m.article_id) AS articles
FROM mentions m
JOIN entities e USING (entity_id)
JOIN article_days d USING (article_id)
GROUP BY ALL;

-- Entities ranked by mentions per day, ISO week and month, with a plain kind for the three usual
-- types (spaCy's GPE/LOC/FAC and the enricher's PLACE are all places).
CREATE VIEW top_entities AS
WITH kinded AS (
    SELECT *,
           CASE WHEN entity_type IN ('PERSON', 'PER') THEN 'person'
                WHEN entity_type IN ('ORG', 'NORP') THEN 'organisation'
                WHEN entity_type IN ('PLACE', 'GPE', 'LOC', 'FAC') THEN 'place'
                ELSE lower(entity_type) END AS kind
    FROM entity_mentions_daily
),
periods AS (
    SELECT 'day' AS period, day AS period_start, * EXCLUDE (day) FROM kinded
    UNION ALL
    SELECT 'week', CAST(date_trunc('week', day) AS DATE), * EXCLUDE (day) FROM kinded
    UNION ALL
    SELECT 'month', CAST(date_trunc('month', day) AS DATE), * EXCLUDE (day) FROM kinded
),
totals AS (
    SELECT period, period_start, kind, entity_id, entity, entity_type,
           CAST(sum(mentions) AS BIGINT) AS mentions, CAST(sum(articles) AS BIGINT) AS articles,
           count(DISTINCT source_id) AS sources
    FROM periods
    GROUP BY ALL
)
SELECT period, period_start, kind, entity, entity_type, mentions, articles, sources,
       rank() OVER (PARTITION BY period, period_start, kind ORDER BY mentions DESC, articles DESC) AS rank,
       entity_id
FROM totals;

CREATE VIEW top_people AS
SELECT * EXCLUDE (kind) FROM top_entities WHERE kind = 'person';

CREATE VIEW top_organisations AS
SELECT * EXCLUDE (kind) FROM top_entities WHERE kind = 'organisation';

CREATE VIEW top_places AS
SELECT * EXCLUDE (kind) FROM top_entities WHERE kind = 'place';

-- Every quote with who said it and where it was published.
CREATE VIEW quotes_with_speakers AS
SELECT d.day, d.source, a.title, a.canonical_url AS article_url,
       coalesce(q.speaker_name, q.speaker) AS speaker,
       q.text AS quote, q.kind, q.cue,
       q.speaker AS speaker_as_written, q.speaker_name, q.speaker_entity_id,
       a.published_at, a.article_id, q.quote_id, q.start_char, q.end_char
FROM quotes q
JOIN articles a USING (article_id)
JOIN article_days d USING (article_id);

-- For each entity, the speakers quoted most often in articles that mention it.
CREATE VIEW speakers_by_entity AS
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
      AND q.speaker_entity_id IS DISTINCT FROM ea.entity_id
    GROUP BY ALL
)
SELECT e.name AS entity, e.type AS entity_type, c.speaker, c.quotes, c.articles,
       rank() OVER (PARTITION BY c.entity_id ORDER BY c.quotes DESC, c.articles DESC) AS rank,
       c.entity_id,
       CASE WHEN c.speaker_key LIKE 'text:%' THEN NULL ELSE c.speaker_key END AS speaker_entity_id
FROM counted c
JOIN entities e USING (entity_id);
