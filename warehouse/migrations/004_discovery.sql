-- Discovery state: which article URLs the sources' feeds and sitemaps listed, and what became of
-- each feed or sitemap read; plus the process that owns a run, so that a run whose process died
-- (kill -9, power loss) can be told from one that is still going.

CREATE TABLE discovered_urls (
    url           VARCHAR PRIMARY KEY,       -- normalized (courlan), as fetched and in fetches.url
    source        VARCHAR NOT NULL,          -- the sources file's source name
    via           VARCHAR,                   -- the feed or sitemap URL that listed it, or 'urls'
    lastmod       TIMESTAMPTZ,               -- the date the feed/sitemap gives (updated, lastmod, news date)
    title         VARCHAR,                   -- the title the feed/news sitemap gives
    language      VARCHAR,                   -- the language the feed/news sitemap declares
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    first_run_id  VARCHAR,
    last_run_id   VARCHAR,
    due_lastmod   TIMESTAMPTZ,               -- lastmod when a run last chose to fetch it
    due_at        TIMESTAMPTZ,               -- when that run chose it
    fetched_lastmod TIMESTAMPTZ              -- lastmod as of its last successful fetch: a later lastmod means "changed"
);

CREATE TABLE discovery_docs (
    doc_url       VARCHAR PRIMARY KEY,       -- a feed, sitemap or sitemap index URL
    source        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,          -- feed | sitemap | sitemapindex | unknown
    status_code   INTEGER,
    error         VARCHAR,                   -- error class of the last read, NULL when it was read
    error_detail  VARCHAR,
    urls_found    INTEGER,                   -- article URLs (or child sitemaps) it listed last time
    etag          VARCHAR,                   -- validators of the last good read, for conditional GET
    last_modified VARCHAR,
    content_hash  VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL,
    last_ok_at    TIMESTAMPTZ,               -- last read that succeeded (200 or 304)
    run_id        VARCHAR
);

ALTER TABLE runs ADD COLUMN pid INTEGER;          -- the process that runs it
ALTER TABLE runs ADD COLUMN hostname VARCHAR;     -- and its machine
ALTER TABLE runs ADD COLUMN discovered INTEGER DEFAULT 0;  -- article URLs listed by the sources' feeds/sitemaps
