-- Schema v1: runs, sources, fetches, raw pages, articles, authors.
-- Ids are short deterministic hashes (see newsmill.records.stable_id) so that re-runs, parallel
-- workers and merges agree on them without a shared sequence.

CREATE TABLE runs (
    run_id            VARCHAR PRIMARY KEY,   -- the Prefect flow run id, or a uuid without Prefect
    flow              VARCHAR NOT NULL,      -- 'ingest', 'reenrich', ...
    started_at        TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ,
    status            VARCHAR NOT NULL,      -- running | completed | failed
    urls              INTEGER DEFAULT 0,     -- URLs the run was asked to process
    fetched           INTEGER DEFAULT 0,     -- pages received with HTTP 2xx
    loaded            INTEGER DEFAULT 0,     -- articles inserted or updated
    new               INTEGER DEFAULT 0,
    updated           INTEGER DEFAULT 0,
    unchanged         INTEGER DEFAULT 0,
    failed            INTEGER DEFAULT 0,
    errors            JSON,                  -- {"http_404": 2, "timeout": 1, ...}
    newsmill_version  VARCHAR,
    extractor_version VARCHAR,
    model             VARCHAR,
    message           VARCHAR                -- why a failed run failed
);

CREATE TABLE sources (
    source_id     VARCHAR PRIMARY KEY,       -- the host, lower-case, without "www."
    name          VARCHAR NOT NULL,
    host          VARCHAR NOT NULL,
    site_name     VARCHAR,                   -- as the pages name themselves
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE fetches (
    fetch_id      VARCHAR PRIMARY KEY,
    run_id        VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,          -- as requested
    final_url     VARCHAR,                   -- after redirects
    status_code   INTEGER,
    content_type  VARCHAR,
    bytes         BIGINT,                    -- decompressed body size
    error         VARCHAR,                   -- error class, NULL on success
    error_detail  VARCHAR,
    outcome       VARCHAR NOT NULL,          -- new | updated | unchanged | failed
    article_id    VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL,
    elapsed_ms    INTEGER,
    attempts      INTEGER,
    etag          VARCHAR,
    last_modified VARCHAR
);

CREATE TABLE raw_pages (
    raw_html_id   VARCHAR PRIMARY KEY,       -- sha256 of the body bytes
    html_gz       BLOB NOT NULL,             -- gzip of the body as received
    encoding      VARCHAR,
    bytes         BIGINT NOT NULL,
    stored_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE articles (
    article_id        VARCHAR PRIMARY KEY,   -- stable_id(canonical_url)
    source_id         VARCHAR NOT NULL,
    url               VARCHAR NOT NULL,      -- the URL it was fetched from (last time)
    canonical_url     VARCHAR NOT NULL UNIQUE,
    title             VARCHAR,
    description       VARCHAR,
    published_at      TIMESTAMPTZ,           -- UTC; date-only values at 00:00 UTC
    published_date    DATE,                  -- the date as the page states it
    published_raw     VARCHAR,               -- ISO string with the page's own offset
    modified_at       TIMESTAMPTZ,
    site_name         VARCHAR,
    section           VARCHAR,
    image             VARCHAR,
    language          VARCHAR,
    text              VARCHAR NOT NULL,
    word_count        INTEGER,
    content_hash      VARCHAR NOT NULL,
    raw_html_id       VARCHAR,               -- raw_pages.raw_html_id
    extractor_version VARCHAR,
    first_seen_at     TIMESTAMPTZ NOT NULL,
    last_seen_at      TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,  -- when title/text last changed
    last_run_id       VARCHAR
);

CREATE TABLE authors (
    author_id VARCHAR PRIMARY KEY,           -- stable_id(lower(name))
    name      VARCHAR NOT NULL
);

CREATE TABLE article_authors (
    article_id VARCHAR NOT NULL,
    author_id  VARCHAR NOT NULL,
    position   INTEGER NOT NULL,             -- 0 = first byline
    PRIMARY KEY (article_id, position)
);
