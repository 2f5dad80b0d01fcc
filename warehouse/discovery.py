"""Discovery state in the warehouse: feeds/sitemaps read, URLs listed, runs that died.

The SQL is in ``sql/discovery.sql``; every write stages Arrow tables and merges them in one
transaction, like the loader.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from newsmill.warehouse import schema
from newsmill.warehouse.db import rollback
from newsmill.warehouse.sql import q

log = logging.getLogger(__name__)

STAGE_DOCS = schema.stage_schema("stage_docs")
STAGE_FOUND = schema.stage_schema("stage_found")


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def claim_run(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Record this process as the run's owner and mark runs whose process is gone as
    ``interrupted``. Returns the ids of the runs so marked."""
    host = socket.gethostname()
    con.execute(q("discovery.sql", "claim_run"), {"pid": os.getpid(), "hostname": host, "run_id": run_id})
    stale = []
    for rid, pid, hostname, _started in con.execute(q("discovery.sql", "running_runs"), {"run_id": run_id}).fetchall():
        # A run of another machine (a shared disk) or without a recorded process cannot be checked.
        if pid is None or hostname != host or pid_alive(pid):
            continue
        con.execute(q("discovery.sql", "mark_interrupted"), {"run_id": rid, "now": datetime.now(UTC)})
        log.warning("run %s was interrupted (its process %s is gone); marked 'interrupted'", rid, pid)
        stale.append(rid)
    return stale


def interrupt_runs_of(con: duckdb.DuckDBPyConnection, pid: int) -> list[str]:
    """Mark the ``running`` rows of this machine's process ``pid``, which is gone, ``interrupted``
    (their counts are what their batches committed). Returns their run ids."""
    rows = con.execute(q("discovery.sql", "running_runs_of"), {"pid": pid, "hostname": socket.gethostname()}).fetchall()
    for (rid,) in rows:
        con.execute(q("discovery.sql", "mark_interrupted"), {"run_id": rid, "now": datetime.now(UTC)})
        log.warning("run %s was interrupted (its process %s is gone); marked 'interrupted'", rid, pid)
    return [rid for (rid,) in rows]


def doc_validators(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str | None, str | None]]:
    return {u: (e, lm) for u, e, lm in con.execute(q("discovery.sql", "doc_validators"), {"source": source}).fetchall()}


def last_polled(con: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    return {s: t for s, t in con.execute(q("discovery.sql", "last_polled")).fetchall() if t is not None}


def record(con: duckdb.DuckDBPyConnection, docs: list[dict], found: list[dict]) -> None:
    """Merge one run's feed/sitemap reads and listed URLs, in one transaction.

    A URL may come more than once (two sources list it, a feed is listed twice, a sitemap index
    names itself or children that normalize alike); MERGE refuses two source rows for one key,
    so each key is staged once: the first reading of it wins, in the order given.
    """
    docs = list({d["doc_url"]: d for d in reversed(docs)}.values())[::-1]
    found = list({f["url"]: f for f in reversed(found)}.values())[::-1]
    con.register("stage_docs", pa.Table.from_pylist(docs, schema=STAGE_DOCS))
    con.register("stage_found", pa.Table.from_pylist(found, schema=STAGE_FOUND))
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(q("discovery.sql", "upsert_docs"))
        con.execute(q("discovery.sql", "promote_fetched"))
        con.execute(q("discovery.sql", "upsert_found"))
        con.execute("COMMIT")
    except BaseException:
        rollback(con)  # a COMMIT that failed (disk full) has ended the transaction already
        raise
    finally:
        con.unregister("stage_docs")
        con.unregister("stage_found")


def due(con: duckdb.DuckDBPyConnection, source: str, run_id: str, *, limit: int, revisit_after: float,
        max_failures: int = 5, now: datetime | None = None) -> list[tuple[str, str]]:
    """(url, reason) of the source's URLs this run should fetch; reason: new|retry|changed|revisit."""
    return [(u, r) for u, r in con.execute(q("discovery.sql", "due"), {
        "source": source, "run_id": run_id, "now": now or datetime.now(UTC), "limit": limit,
        "revisit_after": revisit_after, "max_failures": max_failures}).fetchall()]


def mark_due(con: duckdb.DuckDBPyConnection, urls: list[str], now: datetime) -> None:
    """Remember the lastmod each chosen URL is fetched at, to tell a later change from this one."""
    if urls:
        con.execute(q("discovery.sql", "mark_due"), {"urls": urls, "now": now})


def set_discovered(con: duckdb.DuckDBPyConnection, run_id: str, urls: int, discovered: int) -> None:
    con.execute(q("discovery.sql", "set_discovered"), {"run_id": run_id, "urls": urls, "discovered": discovered})
