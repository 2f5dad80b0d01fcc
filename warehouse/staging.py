"""Parquet staging files: how workers that cannot write the warehouse hand batches to its loader.

DuckDB has one writer, so scale-out workers never open the warehouse for writing. Each batch a
worker processes becomes one folder of Parquet files, one per stage table of
:func:`newsmill.warehouse.loader.stage_batch`, plus a ``manifest.json`` written last:

    <staging>/<run_id>/batch-00003/stage_articles.parquet ... manifest.json

The folder is written under a temporary name and renamed into place, so a loader sees a batch
whole or not at all (a crashed worker leaves only a ``.tmp-*`` folder, which loaders ignore).
The loader merges a batch with the same statements and the same single transaction as a direct
load (:func:`loader.write_rows`). A batch counts as merged when its fetch rows are in the
warehouse, which that transaction writes together with everything else: so merging again, after a
crash at any point or on purpose, never loads a batch twice.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from newsmill.warehouse import loader
from newsmill.warehouse.sql import q

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT = 1


class StagingError(RuntimeError):
    """A staging folder that cannot be read or written; the message names it."""


def write_batch(rows: dict[str, list[dict]], staging: str | os.PathLike, run_id: str, batch: int,
                meta: dict | None = None) -> Path:
    """Write one batch of stage rows as Parquet files; return its folder."""
    run_dir = Path(staging) / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    final = run_dir / f"batch-{batch:05d}"
    tmp = run_dir / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        counts = {}
        for name, schema in loader.SCHEMAS.items():
            table = pa.Table.from_pylist(rows.get(name, []), schema=schema)
            pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
            counts[name] = table.num_rows
        manifest = {"format": FORMAT, "run_id": run_id, "batch": batch, "rows": counts,
                    "written_at": datetime.now(UTC).isoformat(), **(meta or {})}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))
        if final.exists():  # the same batch written again (a retried worker): replace it whole
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def list_batches(staging: str | os.PathLike) -> list[Path]:
    """Complete batch folders under ``staging``, in run and batch order."""
    root = Path(staging)
    if not root.is_dir():
        raise StagingError(f"no staging folder at {root}")
    return sorted(p.parent for p in root.glob(f"*/batch-*/{MANIFEST}"))


def read_batch(path: str | os.PathLike) -> tuple[dict, dict[str, list[dict]]]:
    """The manifest and the stage rows of one batch folder."""
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError) as e:
        raise StagingError(f"unreadable manifest in {path}: {e}") from None
    if manifest.get("format") != FORMAT:
        raise StagingError(f"{path}: staging format {manifest.get('format')!r}, this newsmill reads {FORMAT}")
    rows = {}
    for name, schema in loader.SCHEMAS.items():
        try:
            table = pq.read_table(path / f"{name}.parquet")
        except (OSError, pa.ArrowInvalid) as e:
            raise StagingError(f"{path}: cannot read {name}.parquet: {e}") from None
        if not table.schema.equals(schema, check_metadata=False):
            table = table.select(schema.names).cast(schema)
        rows[name] = table.to_pylist()
    return manifest, rows


def is_merged(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict]]) -> bool:
    """True when this batch's fetch rows are already in the warehouse (it was merged before)."""
    ids = [f["fetch_id"] for f in rows.get("stage_fetches", [])]
    if not ids:
        return True
    found = con.execute(q("staging.sql", "merged_fetches"), {"ids": ids}).fetchall()[0][0]
    if found and found != len(ids):
        # cannot happen through write_rows (one transaction); say so rather than guess
        raise StagingError(f"batch partly present in the warehouse ({found} of {len(ids)} fetch rows)")
    return found == len(ids)


@dataclass
class MergeResult:
    batches: int = 0  # batch folders seen
    merged: int = 0  # merged now
    skipped: int = 0  # merged before
    counts: loader.BatchCounts | None = None
    runs: list[str] | None = None

    def to_json(self) -> dict:
        c = self.counts or loader.BatchCounts()
        return {"batches": self.batches, "merged": self.merged, "skipped": self.skipped, "new": c.new,
                "updated": c.updated, "unchanged": c.unchanged, "failed": c.failed, "fetched": c.fetched,
                "errors": dict(sorted(c.errors.items())), "runs": self.runs or []}


def merge_all(con: duckdb.DuckDBPyConnection, staging: str | os.PathLike, remove: bool = False) -> MergeResult:
    """Merge every complete batch not yet in the warehouse, one transaction per batch.

    Worker runs get their ``runs`` row here (a worker cannot write one), with the counts of the
    batches merged now; a run whose batches were all merged before is left as it is.
    """
    result = MergeResult(counts=loader.BatchCounts(), runs=[])
    per_run: dict[str, tuple[dict, loader.BatchCounts]] = {}
    for path in list_batches(staging):
        result.batches += 1
        manifest, rows = read_batch(path)
        if is_merged(con, rows):
            result.skipped += 1
        else:
            counts = loader.write_rows(con, rows)
            result.merged += 1
            result.counts.add(counts)
            run = per_run.setdefault(manifest["run_id"], (manifest, loader.BatchCounts()))
            run[1].add(counts)
            log.info("merged %s: %d new, %d updated, %d unchanged, %d failed",
                     path, counts.new, counts.updated, counts.unchanged, counts.failed)
        if remove:
            shutil.rmtree(path)
    for run_id, (manifest, counts) in per_run.items():
        loader.start_run(con, run_id, manifest.get("flow", "scaleout-worker"), manifest.get("run_urls", 0),
                         manifest.get("versions", {}))
        loader.finish_run(con, run_id, counts, "completed")
        result.runs.append(run_id)
    return result
