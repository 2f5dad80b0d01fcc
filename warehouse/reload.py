"""Replacing what was derived from kept HTML (``newsmill reenrich``), one atomic batch at a time.

The rows are staged by the ordinary loader (:func:`loader.stage_batch`), but written by
``sql/reenrich.sql`` and ``sql/enrich.sql`` only: an article's identity, its fetch history and
its raw page are never touched, and a batch lands whole or not at all.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from newsmill.config import LoadOptions
from newsmill.warehouse import loader, paragraphs
from newsmill.warehouse.db import rollback
from newsmill.warehouse.sql import q, statements

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stored:
    article_id: str
    url: str
    canonical_url: str
    html: bytes | None  # None when the kept page cannot be decompressed
    encoding: str | None
    error: str | None = None


def count_targets(con: duckdb.DuckDBPyConnection, since: str | None) -> int:
    return con.execute(q("reenrich.sql", "count_targets"), {"since": since}).fetchall()[0][0]


def iter_targets(path: str, since: str | None, batch_size: int, lock_timeout: float,
                 reader) -> Iterator[list[Stored]]:
    """Batches of stored pages, read through ``reader`` (a context manager factory) per batch so
    that no connection is held between batches."""
    after = ""
    while True:
        with reader(path, lock_timeout) as con:
            rows = con.execute(q("reenrich.sql", "targets"),
                               {"after": after, "since": since, "limit": batch_size}).fetchall()
        if not rows:
            return
        batch = []
        for article_id, url, canonical, html_gz, encoding in rows:
            try:
                batch.append(Stored(article_id, url, canonical, gzip.decompress(html_gz), encoding))
            except (OSError, EOFError, gzip.BadGzipFile) as e:
                batch.append(Stored(article_id, url, canonical, None, encoding, f"raw_page_corrupt: {e}"))
        yield batch
        after = rows[-1][0]


def write_reloaded(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict]],
                   paragraph_cache: int = LoadOptions.paragraph_cache) -> dict[str, int]:
    """Replace the staged articles' derived rows in one transaction (with the batch's paragraph
    analyses, see ``warehouse/paragraphs.py``); returns {outcome: n}."""
    for name, schema in loader.SCHEMAS.items():
        con.register(name, pa.Table.from_pylist(rows.get(name, []), schema=schema))
    con.execute("BEGIN TRANSACTION")
    try:
        for name, sql in statements("reenrich.sql"):
            if name in ("targets", "count_targets", "counts"):
                continue
            con.execute(sql)
        if rows.get("stage_enrichments"):
            for _name, sql in statements("enrich.sql"):
                con.execute(sql)
        paragraphs.write(con, rows.get(paragraphs.STAGE) or [], paragraph_cache)
        counts = dict(con.execute(q("reenrich.sql", "counts")).fetchall())
        con.execute("COMMIT")
    except BaseException:
        rollback(con)  # a COMMIT that failed (disk full) has ended the transaction already
        raise
    finally:
        for name in loader.SCHEMAS:
            try:
                con.unregister(name)
            except duckdb.Error:
                pass
    return counts
