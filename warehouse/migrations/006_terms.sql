-- Terms: a *source* is an entry of the sources file (its `name`), a *site* is a host ("example.com",
-- lower-case, without "www."). One source may cover several sites; articles given as URLs on the
-- command line or in a URL list belong to no source (source IS NULL) but always to a site.
-- The marts say `source` and `site` and mean exactly that (they used to put a host in `source`
-- when no sources file named it).

CREATE OR REPLACE VIEW article_days AS
-- Grain: one row per article.
SELECT a.article_id,
       coalesce(a.published_date, CAST(a.first_seen_at AS DATE)) AS day,
       CASE WHEN a.published_date IS NULL THEN 'first_seen' ELSE 'published' END AS day_basis,
       -- the sources-file entry that listed the article, else the one that first fetched its site
       coalesce(du.source, CASE WHEN s.name IS DISTINCT FROM s.source_id THEN s.name END) AS source,
       a.source_id AS site
FROM articles a
LEFT JOIN sources s USING (source_id)
LEFT JOIN discovered_urls du ON du.url = a.url;

CREATE OR REPLACE VIEW daily_articles AS
-- Grain: one row per day x source x site (source NULL: articles from URLs given directly).
-- Sum over source and site for a day's total.
SELECT d.day, d.source, d.site,
       count(*) AS articles,
       CAST(sum(a.word_count) AS BIGINT) AS words,
       count(*) FILTER (WHERE d.day_basis = 'first_seen') AS undated
FROM article_days d
JOIN articles a USING (article_id)
GROUP BY ALL;

CREATE OR REPLACE VIEW entity_mentions_daily AS
-- Grain: one row per day x source x site x entity. An entity mentioned on two sites the same day
-- has two rows; top_entities (period = 'day') has the per-day totals.
SELECT d.day, d.source, d.site, e.entity_id, e.name AS entity, e.type AS entity_type,
       count(*) AS mentions,
       count(DISTINCT m.article_id) AS articles
FROM mentions m
JOIN entities e USING (entity_id)
JOIN article_days d USING (article_id)
GROUP BY ALL;

CREATE OR REPLACE VIEW top_entities AS
-- Grain: one row per period (day, ISO week, month) x period_start x entity, ranked within its
-- entity_type. `sites` counts the distinct sites that mentioned it in the period.
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
           count(DISTINCT site) AS sites
    FROM periods
    GROUP BY period, period_start, entity_type, entity_id
)
SELECT period, period_start, entity_type, entity, mentions, articles, sites,
       rank() OVER (PARTITION BY period, period_start, entity_type ORDER BY mentions DESC, articles DESC) AS rank,
       entity_id
FROM totals;

CREATE OR REPLACE VIEW quotes_with_speakers AS
-- Grain: one row per quote.
SELECT d.day, d.source, d.site, a.title, a.canonical_url AS article_url,
       coalesce(q.speaker_name, q.speaker) AS speaker,
       q.text AS quote, q.kind, q.cue,
       q.speaker AS speaker_as_written, q.speaker_name, q.speaker_entity_id,
       a.published_at, a.article_id, q.quote_id, q.start_char, q.end_char
FROM quotes q
JOIN articles a USING (article_id)
JOIN article_days d USING (article_id);

-- Grain: one row per source (sources-file entry; NULL = URLs given directly) x fetch day x outcome
-- x error class: what the fetcher did, for freshness and failure dashboards.
CREATE VIEW source_fetches_daily AS
SELECT coalesce(du.source, CASE WHEN s.name IS DISTINCT FROM s.source_id THEN s.name END) AS source,
       CAST(timezone('UTC', f.fetched_at) AS DATE) AS day,
       f.outcome, f.error,
       count(*) AS fetches,
       max(f.fetched_at) AS last_fetched_at
FROM fetches f
LEFT JOIN discovered_urls du ON du.url = f.url
LEFT JOIN articles a ON a.article_id = f.article_id
LEFT JOIN sources s ON s.source_id = a.source_id
GROUP BY ALL;
