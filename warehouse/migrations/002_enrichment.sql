-- Enrichment: canonical entities, their mentions, and quotations with speakers.

CREATE TABLE entities (
    entity_id     VARCHAR PRIMARY KEY,       -- stable_id(type, name)
    name          VARCHAR NOT NULL,          -- canonical name ("Vladimir Putin")
    type          VARCHAR NOT NULL,          -- PERSON | ORG | PLACE | other spaCy labels
    first_seen_at TIMESTAMPTZ NOT NULL,
    UNIQUE (name, type)
);

CREATE TABLE mentions (
    article_id  VARCHAR NOT NULL,
    entity_id   VARCHAR NOT NULL,
    start_char  INTEGER NOT NULL,            -- offsets into articles.text
    end_char    INTEGER NOT NULL,
    text        VARCHAR NOT NULL,            -- the mention as written, trimmed ("Putin"; "al Qaeda's" -> "al Qaeda")
    label       VARCHAR NOT NULL,
    PRIMARY KEY (article_id, start_char, end_char)
);

CREATE TABLE quotes (
    quote_id          VARCHAR PRIMARY KEY,   -- stable_id(article_id, start_char, end_char)
    article_id        VARCHAR NOT NULL,
    text              VARCHAR NOT NULL,      -- the quoted content (inside the marks for direct quotes)
    kind              VARCHAR NOT NULL,      -- direct | indirect
    cue               VARCHAR,               -- the attribution verb or phrase ("said", "according to")
    speaker           VARCHAR,               -- the speaker mention as written ("he", "a defense official")
    speaker_entity_id VARCHAR,               -- entities.entity_id the speaker resolves to, or NULL
    speaker_name      VARCHAR,               -- that entity's canonical name, or NULL
    start_char        INTEGER NOT NULL,
    end_char          INTEGER NOT NULL,
    speaker_start     INTEGER,
    speaker_end       INTEGER
);

CREATE TABLE enrichments (
    article_id   VARCHAR PRIMARY KEY,
    content_hash VARCHAR NOT NULL,           -- the article text this enrichment was computed on
    model        VARCHAR,                    -- spaCy pipeline and version, or NULL when skipped
    skipped      VARCHAR,                    -- why NER did not run (e.g. no model for the language)
    entities     INTEGER NOT NULL,
    quotes       INTEGER NOT NULL,
    enriched_at  TIMESTAMPTZ NOT NULL,
    run_id       VARCHAR
);
