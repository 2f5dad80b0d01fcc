"""Issue 17, storage faults: a damaged warehouse is found by the open check before any work, and
a full disk gives one clear error, removes its temporary files and duplicates nothing."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsmill.warehouse import db

NEWSMILL = [sys.executable, "-m", "newsmill.cli"]


def _warehouse(path: Path, mb: int = 6) -> int:
    """A migrated warehouse with ``mb`` MB of incompressible raw pages (so every block is in use)."""
    with db.writer(path) as con:
        con.execute("""INSERT INTO raw_pages SELECT sha256(i::VARCHAR), (SELECT string_agg(md5(i::VARCHAR || j::VARCHAR), '')
                       FROM range(200) r(j))::BLOB, 'utf-8', 6400, now() FROM range(?) t(i)""", [mb * 160])
        con.execute("CHECKPOINT")
    return path.stat().st_size


def _truncate(path: Path, fraction: float) -> None:
    os.truncate(path, int(path.stat().st_size * fraction))


def _flip(path: Path, fraction: float) -> None:
    with open(path, "r+b") as f:
        at = int(path.stat().st_size * fraction)
        f.seek(at)
        data = f.read(256)
        f.seek(at)
        f.write(bytes(b ^ 0x5A for b in data))


DAMAGE = [("truncated to 50%", lambda p: _truncate(p, 0.5)),
          ("truncated to 90%", lambda p: _truncate(p, 0.9)),
          ("a block flipped at 40%", lambda p: _flip(p, 0.4)),
          ("a block flipped at 70%", lambda p: _flip(p, 0.7))]


@pytest.mark.parametrize("what,damage", DAMAGE, ids=[d[0] for d in DAMAGE])
def test_open_check_finds_a_damaged_file(tmp_path, what, damage):
    path = tmp_path / "w.duckdb"
    _warehouse(path)
    db.check(path)  # an intact file passes
    damage(path)
    with pytest.raises(db.WarehouseError) as e:
        db.check(path)
    assert "snapshot" in str(e.value)  # says what to do


@pytest.mark.slow
@pytest.mark.parametrize("what,damage", DAMAGE[::3], ids=[d[0] for d in DAMAGE[::3]])
def test_ingest_on_a_damaged_file_stops_at_once_with_one_line(tmp_path, what, damage):
    path = tmp_path / "w.duckdb"
    _warehouse(path)
    damage(path)
    started = time.monotonic()
    r = subprocess.run([*NEWSMILL, "ingest", "http://127.0.0.1:9/a.html", "--db", str(path), "--no-enrich"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert time.monotonic() - started < 30  # before Prefect's server or any fetch


def test_full_disk_while_publishing_the_snapshot(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    _warehouse(path, mb=1)
    real = shutil.copyfile

    def full(src, dst, *a, **kw):
        with open(dst, "wb") as f:
            f.write(b"\0" * 100_000)  # a partial copy, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(shutil, "copyfile", full)
    with pytest.raises(db.StorageError) as e:
        with db.writer(path, snapshot=True) as con:
            con.execute("SELECT 1")
    assert "No space left on device" in str(e.value) and "free space" in str(e.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]  # no .tmp left behind
    monkeypatch.setattr(shutil, "copyfile", real)
    with db.writer(path, snapshot=True):
        pass
    assert db.snapshot_path(path).exists()


def test_full_disk_inside_duckdb_is_a_storage_error(tmp_path):
    import duckdb

    path = tmp_path / "w.duckdb"
    _warehouse(path, mb=1)
    with pytest.raises(db.StorageError):
        with db.writer(path):
            raise duckdb.IOException('IO Error: Could not write file "w.duckdb.wal": No space left on device')
    with pytest.raises(ValueError):  # anything else passes through untouched
        with db.writer(path):
            raise ValueError("x")


def test_a_retried_run_records_each_url_once(site, tmp_path):
    from newsmill.config import EnrichOptions, ExtractOptions, FetchOptions
    from newsmill.tasks import cpu
    from newsmill.tasks.fetch import HostLimiter, fetch_pages
    from newsmill.warehouse import loader
    from tests.dbutil import query
    from tests.siteserver import article_html

    urls = [site.add(f"/n/{i}.html", article_html(f"S{i}", i)) for i in range(3)] + [site.url("/gone")]
    path = tmp_path / "w.duckdb"
    fo = FetchOptions(per_host_interval=0, retries=0)
    for _attempt in range(2):  # the flow's retry runs the same run id again
        pages = list(fetch_pages(urls, fo, limiter=HostLimiter(0, 4)))
        results = cpu.process_pages(pages, ExtractOptions(site_repeats=0), EnrichOptions(enabled=False))
        with db.writer(path) as con:
            loader.start_run(con, "same-run", "ingest", len(urls), {})
            loader.load_batch(con, results, "same-run")
    assert query(path, "SELECT count(*), count(DISTINCT url) FROM fetches")[0] == (4, 4)
    assert query(path, "SELECT count(*) FROM articles")[0][0] == 3
