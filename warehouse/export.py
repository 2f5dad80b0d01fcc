"""``newsmill export``: one table or mart to Parquet or CSV with DuckDB's built-in COPY.

It reads the readers' snapshot (``<db>.snapshot.duckdb``) when there is one, so an export never
waits for, nor blocks, a load in progress. Parquet and CSV writers are built into DuckDB: no
extension is installed.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from newsmill.warehouse import db
from newsmill.warehouse.sql import q

log = logging.getLogger(__name__)

FORMATS = ("parquet", "csv")


class ExportError(ValueError):
    """A request that cannot be exported (unknown table, bad format); the message says why."""


@dataclass(frozen=True)
class ExportResult:
    relation: str
    kind: str  # table | view
    path: str
    rows: int
    format: str
    source: str  # the database file that was read


def relations(con) -> dict[str, str]:
    return {name: kind for name, kind in con.execute(q("marts.sql", "relations")).fetchall()}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export(db_path: str | os.PathLike, relation: str, fmt: str = "parquet", out: str | os.PathLike | None = None,
           lock_timeout: float = 10.0) -> ExportResult:
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (use {' or '.join(FORMATS)})")
    target = Path(out) if out else Path(f"{relation}.{fmt}")
    if out and str(out).endswith(("/", os.sep)):
        target.mkdir(parents=True, exist_ok=True)  # "--out exports/" names a directory
    if target.is_dir():
        target = target / f"{relation}.{fmt}"
    if not target.parent.is_dir():
        raise ExportError(f"cannot write {target}: directory {target.parent} does not exist")
    snap = db.snapshot_path(db_path)
    with db.reader(db_path, lock_timeout) as con:
        known = relations(con)
        if relation not in known:
            raise ExportError(f"unknown table {relation!r}; tables and views: {', '.join(sorted(known))}")
        rel = _ident(relation)
        # write next to the target and rename, so a reader never sees half a file
        tmp = target.with_name(f".{target.name}.tmp")
        con.execute(q("marts.sql", f"export_{fmt}").format(relation=rel, path=_literal(str(tmp))))
        rows = con.execute(q("marts.sql", "count").format(relation=rel)).fetchall()[0][0]
    os.replace(tmp, target)
    source = str(snap) if snap.exists() else str(db_path)
    log.info("exported %s (%d rows) from %s to %s", relation, rows, source, target)
    return ExportResult(relation, known[relation], str(target), rows, fmt, source)
