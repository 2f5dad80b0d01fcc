"""The warehouse's cache of paragraph analyses (table ``paragraph_analyses``).

Workers cannot read the warehouse (DuckDB's writer locks every other process out), so a run
:func:`export`\\s the table to a snapshot file next to the warehouse before its workers start;
they look the paragraphs of their pages up in it (``tasks/analyses.Snapshot``). The analyses
they make, and the use of those they reuse, come back with the results
(``PageResult.paragraphs``) and are written by :func:`write` inside the batch's load
transaction: a batch that fails to load writes none of its cache rows. Past ``bound`` rows the
least recently used are deleted down to :data:`EVICT_TO` of it, at that load.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from newsmill.records import PageResult
from newsmill.warehouse import schema
from newsmill.warehouse.sql import q

log = logging.getLogger(__name__)

STAGE = "stage_paragraphs"
# An eviction deletes down to this share of the bound, so that a warehouse at its bound is not
# sorted at every load.
EVICT_TO = 0.9
# rows fetched at a time by export (each ~400 bytes)
EXPORT_CHUNK = 20_000


def stage_rows(results: Iterable[PageResult], now: datetime | None = None) -> list[dict]:
    """``stage_paragraphs`` rows of the paragraph analyses the results carry."""
    now = now or datetime.now(UTC)
    return [{"analysis_version": p.version, "paragraph_hash": p.paragraph_hash, "tokens": p.tokens,
             "analysis": p.analysis, "uses": p.uses, "seen_at": now}
            for r in results for p in r.paragraphs]


def write(con: duckdb.DuckDBPyConnection, rows: list[dict], bound: int) -> None:
    """Merge staged paragraph rows and keep the table within ``bound`` rows; call it inside
    the load's transaction. ``bound <= 0``: nothing is written."""
    if bound <= 0 or not rows:
        return
    con.register(STAGE, pa.Table.from_pylist(rows, schema=schema.stage_schema(STAGE)))
    try:
        con.execute(q("paragraphs.sql", "merge"))
    finally:
        with contextlib.suppress(duckdb.Error):
            con.unregister(STAGE)
    evict(con, bound)


def evict(con: duckdb.DuckDBPyConnection, bound: int) -> int:
    """Delete the least recently used rows once the table is past ``bound`` (down to
    :data:`EVICT_TO` of it); returns the rows deleted."""
    (n,) = con.execute(q("paragraphs.sql", "rows")).fetchall()[0]
    if n <= bound:
        return 0
    keep = int(bound * EVICT_TO)
    con.execute(q("paragraphs.sql", "evict"), {"keep": keep})
    log.info("paragraph cache: %d rows past load.paragraph_cache (%d); kept the %d most recently used",
             n - bound, bound, keep)
    return n - keep


def snapshot_file(db_path: str | os.PathLike) -> Path:
    """A new file for a run's snapshot: ``<db>.paragraphs-<pid>-<random>`` (two runs of one
    process, through the Python API, each have their own)."""
    return Path(f"{db_path}.paragraphs-{os.getpid()}-{secrets.token_hex(4)}")


def export(con: duckdb.DuckDBPyConnection, db_path: str | os.PathLike, limit: int) -> str:
    """Write the table (the ``limit`` most recently used rows) to this process's snapshot file
    and return its path; stale files of processes that are gone are removed. The file is
    written even when empty: its path also tells the workers to record what they parse."""
    from newsmill.tasks import analyses

    remove_stale(db_path)
    path = snapshot_file(db_path)
    tmp = path.with_name(path.name + ".tmp")
    cur = con.execute(q("paragraphs.sql", "export"), {"limit": max(0, limit)})

    def chunks():
        while True:
            rows = cur.fetchmany(EXPORT_CHUNK)
            if not rows:
                return
            yield rows

    try:
        n = analyses.write_snapshot(str(tmp), chunks())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    log.debug("paragraph cache: %d rows exported to %s", n, path)
    return str(path)


_STALE = re.compile(r"\.paragraphs-(\d+)(-[0-9a-f]+)?(\.tmp)?$")


def remove_stale(db_path: str | os.PathLike) -> list[Path]:
    """Remove snapshot files left by runs whose process is gone (killed)."""
    from newsmill.warehouse.discovery import pid_alive

    db = Path(db_path)
    gone = []
    for f in db.parent.glob(db.name + ".paragraphs-*"):
        m = _STALE.search(f.name)
        if m and int(m.group(1)) != os.getpid() and not pid_alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                f.unlink()
                gone.append(f)
    return gone


def discard(path: str) -> None:
    """Remove a run's snapshot file (the run is over)."""
    if path:
        with contextlib.suppress(OSError):
            os.unlink(path)


def stats(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per analysis version: paragraphs, tokens, bytes, hits, first created, last used."""
    cur = con.execute(q("paragraphs.sql", "stats"))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def clear(con: duckdb.DuckDBPyConnection, keep_versions: list[str] | None = None) -> int:
    """Delete every row (or those of versions not in ``keep_versions``); returns how many."""
    (before,) = con.execute(q("paragraphs.sql", "rows")).fetchall()[0]
    if keep_versions is None:
        con.execute(q("paragraphs.sql", "clear"))
    else:
        con.execute(q("paragraphs.sql", "clear_others"), {"keep": keep_versions})
    (after,) = con.execute(q("paragraphs.sql", "rows")).fetchall()[0]
    return before - after
