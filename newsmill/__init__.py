"""newsmill: scheduled ingestion and enrichment of news articles into DuckDB.

The Python API (see docs/python-api.md)::

    newsmill.extract(html, url=None) -> Document        # no Prefect, no network
    newsmill.enrich(text, language="en") -> Enrichment  # no Prefect, no network
    newsmill.ingest(urls, db="news.duckdb") -> RunSummary  # runs the Prefect flow
    newsmill.connect(db) -> duckdb connection            # read-only, the readers' snapshot

The names are imported on first use, so ``import newsmill`` stays cheap (the CLI's ``--help``
imports it) and never imports Prefect, trafilatura or spaCy.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("newsmill")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+local"

USER_AGENT = f"newsmill/{__version__} (+https://github.com/newsmill/newsmill)"

_API = {"extract": "newsmill.api", "enrich": "newsmill.api", "ingest": "newsmill.api",
        "connect": "newsmill.api", "ExtractionError": "newsmill.api",
        "Document": "newsmill.records", "Enrichment": "newsmill.records",
        "EntityMention": "newsmill.records", "Quote": "newsmill.records",
        "RunSummary": "newsmill.outcomes", "ConfigError": "newsmill.config", "WarehouseError": "newsmill.warehouse.db"}

__all__ = ["__version__", *_API]

if TYPE_CHECKING:  # pragma: no cover
    from newsmill.api import ExtractionError, connect, enrich, extract, ingest
    from newsmill.config import ConfigError
    from newsmill.outcomes import RunSummary
    from newsmill.records import Document, EntityMention, Enrichment, Quote
    from newsmill.warehouse.db import WarehouseError


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'newsmill' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
