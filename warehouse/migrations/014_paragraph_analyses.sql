-- paragraph_analyses (issue 16): spaCy analyses of paragraphs kept across runs, so that a
-- paragraph met again (the same wire story on another site, a site's boilerplate line, an
-- article re-enriched) is not parsed again. A cache: rows are written by the load transaction
-- of the batch whose workers made them, and the least recently used are deleted past
-- load.paragraph_cache rows. No primary key: the load MERGEs on (analysis_version,
-- paragraph_hash), and an index would cost memory and time at every load for nothing more.
CREATE TABLE IF NOT EXISTS paragraph_analyses (
    analysis_version VARCHAR NOT NULL,
    paragraph_hash BLOB NOT NULL,
    tokens INTEGER NOT NULL,
    analysis BLOB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ NOT NULL,
    hits BIGINT NOT NULL
);
