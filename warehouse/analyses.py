"""The warehouse side of the paragraph analysis cache (``analysis_cache``, migration 011).

A run reads the recently used analyses of its model to seed its workers (:func:`recent`), and
stores what its workers parsed or reused with each load (:func:`store`); analyses unused for
``KEEP_DAYS`` are dropped (:func:`prune`). See ``tasks/analyses.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from newsmill.warehouse.sql import q

# Rows seeded into each worker (~1 KB each): a day of wire copy and boilerplate, not the archive.
SEED = 20_000
# A paragraph nobody reused for this long is unlikely to come back (wire stories run within days).
KEEP_DAYS = 14

_STAGE = pa.schema([("paragraph_key", pa.binary()), ("model", pa.string()), ("analysis", pa.binary())])


def recent(con: duckdb.DuckDBPyConnection, model: str, limit: int = SEED) -> list[tuple[bytes, bytes]]:
    """Up to ``limit`` (key, analysis) pairs of ``model``, most recently used first."""
    return [(bytes(k), bytes(a)) for k, a in
            con.execute(q("analyses.sql", "recent"), {"model": model, "limit": limit}).fetchall()]


def store(con: duckdb.DuckDBPyConnection, new: list[tuple[str, bytes, bytes]], hits: list[tuple[str, bytes]],
          now: datetime | None = None) -> None:
    """Insert ``new`` analyses (model, key, bytes) and mark ``hits`` (model, key) as used now,
    in the caller's transaction."""
    if not new and not hits:
        return
    table = pa.table({"paragraph_key": [k for _, k, _ in new] + [k for _, k in hits],
                      "model": [m for m, _, _ in new] + [m for m, _ in hits],
                      "analysis": [a for _, _, a in new] + [None] * len(hits)}, schema=_STAGE)
    con.register("stage_analyses", table)
    try:
        con.execute(q("analyses.sql", "store"), {"now": now or datetime.now(UTC)})
    finally:
        con.unregister("stage_analyses")


def prune(con: duckdb.DuckDBPyConnection, days: int = KEEP_DAYS, now: datetime | None = None) -> None:
    con.execute(q("analyses.sql", "prune"), {"days": days, "now": now or datetime.now(UTC)})
