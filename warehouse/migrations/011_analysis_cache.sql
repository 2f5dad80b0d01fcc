-- Paragraph analyses kept across runs (tasks/analyses.py): the spaCy annotations of one
-- paragraph, by the paragraph's hash and the model version, so that a paragraph seen before (a
-- wire story on several sites, a site's boilerplate lines) is not parsed again. Derived data:
-- deleting rows costs only parsing again; unused rows are dropped after a while
-- (warehouse/analyses.py).
CREATE TABLE IF NOT EXISTS analysis_cache (
    paragraph_key BLOB NOT NULL,         -- 16-byte blake2b of the paragraph as analysed, keyed by the model
    model         VARCHAR NOT NULL,      -- model version string, as enrichments.model
    analysis      BLOB NOT NULL,         -- spaCy DocBin bytes: tags, parse, entities (tasks.analyses.ATTRS)
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ NOT NULL,  -- stored or reused by a run
    uses          INTEGER NOT NULL,      -- runs that stored or reused it
    PRIMARY KEY (paragraph_key, model)
);
