-- Quotations split around their attribution (issue 12): '“A,” she said, “B.”' is one quotation
-- in two parts. Each part stays a quote row of its own (its text is only the quoted words);
-- these columns say which quotation a part belongs to, and the quotations view puts the parts
-- of each back together. Quotes loaded before this migration are single parts (part 1 of 1)
-- until re-enriched (`newsmill reenrich`).
ALTER TABLE quotes ADD COLUMN quotation_id VARCHAR;  -- quote_id of the quotation's first part (its own quote_id for a quote of one part)
ALTER TABLE quotes ADD COLUMN part INTEGER DEFAULT 1;  -- 1-based position of this part in its quotation
ALTER TABLE quotes ADD COLUMN parts INTEGER DEFAULT 1;  -- how many parts the quotation has
UPDATE quotes SET quotation_id = quote_id WHERE quotation_id IS NULL;

CREATE OR REPLACE VIEW quotes_with_speakers AS
-- Grain: one row per quote (per part of a quotation split around its attribution).
SELECT d.day, d.source, d.site, a.title, a.canonical_url AS article_url,
       coalesce(q.speaker_name,
                CASE WHEN lower(q.speaker) NOT IN ('he', 'she', 'him', 'her', 'they', 'them', 'i', 'we', 'it', 'you')
                     THEN q.speaker END) AS speaker,
       q.text AS quote, q.kind, q.cue,
       q.speaker AS speaker_as_written, q.speaker_name, q.speaker_entity_id,
       a.published_at, a.article_id, q.quote_id, q.start_char, q.end_char, q.confidence,
       coalesce(q.quotation_id, q.quote_id) AS quotation_id, coalesce(q.part, 1) AS part,
       coalesce(q.parts, 1) AS parts
FROM quotes q
JOIN articles a USING (article_id)
JOIN article_days d USING (article_id);

CREATE OR REPLACE VIEW quotes_citable AS
SELECT *
FROM quotes_with_speakers
WHERE speaker_name IS NOT NULL AND confidence >= 0.971;

-- Grain: one row per quotation; its parts' words joined in order with ' … ' between them
-- (the attribution that stood between them is left out). start_char/end_char are the
-- quotation's extent in articles.text: from its first part's start to its last part's end.
CREATE OR REPLACE VIEW quotations AS
SELECT any_value(day) AS day, any_value(source) AS source, any_value(site) AS site,
       any_value(title) AS title, any_value(article_url) AS article_url,
       arg_min(speaker, part) AS speaker,
       string_agg(quote, ' … ' ORDER BY part) AS quote,
       arg_min(kind, part) AS kind, arg_min(cue, part) AS cue,
       arg_min(speaker_as_written, part) AS speaker_as_written,
       arg_min(speaker_name, part) AS speaker_name, arg_min(speaker_entity_id, part) AS speaker_entity_id,
       any_value(published_at) AS published_at, article_id, quotation_id,
       count(*) AS parts, min(start_char) AS start_char, max(end_char) AS end_char,
       min(confidence) AS confidence
FROM quotes_with_speakers
GROUP BY article_id, quotation_id;
