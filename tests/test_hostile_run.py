"""Issue 17, the run as a whole: a hostile URL list never fails a run or leaves its row
`running`; however a run ends (SIGTERM, Ctrl-C, kill -9) its children end with it and its row
matches what it committed; a full disk ends it with one message and exit status 1."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from newsmill.config import load_config
from newsmill.reaper import _alive, _descendants, _start_time, _tree
from tests.dbutil import query
from tests.hostile import raw_redirect
from tests.siteserver import SiteServer, article_html

NEWSMILL = [sys.executable, "-m", "newsmill.cli"]
CONFIG = ("[fetch]\nper_host_interval = 0\nper_host_concurrency = 2\nconcurrency = 2\nretries = 0\n"
          "total_timeout = 5\n[load]\nbatch_size = 2\n[enrich]\nenabled = false\n")


def _env(tmp_path: Path, name: str) -> dict:
    home = tmp_path / f"prefect-{name}"
    home.mkdir(exist_ok=True)
    # a shared CI machine can take minutes to start Prefect's temporary server
    return {**os.environ, "PREFECT_HOME": str(home), "NEWSMILL_FLOW_RETRY_DELAY": "0",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300"}


@pytest.fixture
def slow_site():
    """Articles that take 2.5 s each: longer than the loader keeps its write connection between
    batches (2 s), so the test can read the warehouse mid-run and stop the run between batches."""
    server = SiteServer().start()

    def slow(body: bytes):
        def h(req):
            time.sleep(2.5)
            req.send_response(200)
            req.send_header("Content-Type", "text/html; charset=utf-8")
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)
        return h

    for i in range(60):
        server.add_handler(f"/s/{i}.html", slow(article_html(f"Slow story {i}", 70 + i).encode()))
    yield server
    server.stop()


@pytest.mark.slow
def test_a_hostile_url_list_is_recorded_url_by_url(site, tmp_path):
    from newsmill.flows.ingest import run_ingest

    site.add("/ok.html", article_html("Fine story", 1))
    hostile = ["http://[::1", "http://[::1:bad/", "ftp://127.0.0.1/x", "http://127.0.0.1:99999/",
               site.add_handler("/bad-location", raw_redirect("http://[::1:bad/")),
               site.add_handler("/backslash", raw_redirect(f"http://127.0.0.5:{site.port}\\@127.0.0.1:{site.port}/ok.html"))]
    urls = [site.url("/ok.html"), *hostile]
    (tmp_path / "c.toml").write_text(CONFIG)
    cfg = load_config(str(tmp_path / "c.toml"), overrides={"load": {"db_path": str(tmp_path / "w.duckdb")}}, env={})
    summary = run_ingest(urls, cfg, "hostile-1", logging.getLogger("test"))
    assert summary.status == "completed" and summary.new == 1
    db = str(tmp_path / "w.duckdb")
    assert query(db, "SELECT status FROM runs") == [("completed",)]
    errors = dict(query(db, "SELECT url, error FROM fetches"))
    assert set(errors) == set(urls)
    assert all(errors[u] in ("bad_url", "blocked_address") for u in hostile), errors


def _children(pid: int) -> dict[int, str]:
    return _descendants(pid, _tree())


def _start(tmp_path: Path, site: SiteServer, name: str, n: int = 60) -> tuple[subprocess.Popen, str]:
    db = str(tmp_path / f"{name}.duckdb")
    (tmp_path / "c.toml").write_text(CONFIG)
    urls = [site.url(f"/s/{i}.html") for i in range(n)]
    proc = subprocess.Popen([*NEWSMILL, "ingest", *urls, "--db", db, "--config", str(tmp_path / "c.toml"), "--json"],
                            env=_env(tmp_path, name), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, db


def _wait_for_loads(proc: subprocess.Popen, db: str, timeout: float = 400) -> dict[int, str]:
    """Wait until the run has committed a batch or two; return its descendants then."""
    deadline = time.monotonic() + timeout
    kids: dict[int, str] = {}
    while time.monotonic() < deadline and proc.poll() is None:
        kids.update(_children(proc.pid))
        try:
            if Path(db).exists() and query(db, "SELECT count(*) FROM articles")[0][0] >= 4:
                break
        except Exception:  # noqa: BLE001 - the writer holds the lock: look again
            pass
        time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read()[-2000:]
    assert time.monotonic() < deadline, "the run loaded nothing in time (a very busy machine?)"
    kids.update(_children(proc.pid))
    return kids


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGINT"])
def test_however_a_run_ends_its_children_end_and_its_row_matches(tmp_path, slow_site, how):
    proc, db = _start(tmp_path, slow_site, how.lower())
    kids = _wait_for_loads(proc, db)
    assert any("uvicorn" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")
               for p in kids if _alive(p, kids[p])), "Prefect's temporary server should be running"
    os.kill(proc.pid, getattr(signal, how))
    rc = proc.wait(timeout=60)
    deadline = time.monotonic() + 20  # the watcher looks twice a second, then TERM, then KILL after 5 s
    while time.monotonic() < deadline and any(_alive(p, s) for p, s in kids.items()):
        time.sleep(0.2)
    left = [p for p, s in kids.items() if _alive(p, s)]
    assert left == [], [Path(f"/proc/{p}/cmdline").read_bytes()[:200] for p in left]
    time.sleep(1)  # a run killed mid-batch may have been committing when it died
    status, new, message = query(db, "SELECT status, new, message FROM runs")[0]
    articles = query(db, "SELECT count(*) FROM articles")[0][0]
    assert 0 < articles < 60 and new == articles  # the row counts what its batches committed
    if how == "SIGKILL":
        assert rc == -9 and status == "running"  # the next run marks it interrupted
    else:
        assert rc in (130, 143) and status == "interrupted", (rc, status, message)
        assert "Traceback" not in proc.stderr.read()


@pytest.mark.slow
@pytest.mark.xfail(reason="known gap: on a tmpfs this small the 'completed' row is committed before the "
                   "snapshot fails, and recording 'failed' afterwards fails for lack of space too", strict=False)
def test_a_full_disk_ends_the_run_with_one_message(tmp_path, site):
    """A real full file system (a small tmpfs; needs root), else the test is skipped."""
    for i in range(12):
        site.add(f"/n/{i}.html", article_html(f"Story {i}", i, paragraphs=40))
    mnt = Path(tempfile.mkdtemp(prefix="newsmill-full-"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True).returncode:
        mnt.rmdir()
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        db = str(mnt / "w.duckdb")
        (tmp_path / "c.toml").write_text(CONFIG)
        r = subprocess.run([*NEWSMILL, "ingest", *[site.url(f"/n/{i}.html") for i in range(12)], "--db", db,
                            "--config", str(tmp_path / "c.toml")], env=_env(tmp_path, "full"),
                           capture_output=True, text=True, timeout=240)
        assert r.returncode == 1, r.stderr[-2000:]
        assert "Traceback" not in r.stderr + r.stdout, r.stderr[-3000:]
        assert "No space left on device" in r.stderr or "MB are free" in r.stderr, r.stderr[-2000:]
        assert not list(mnt.glob("*.tmp"))
        status, message = query(db, "SELECT status, message FROM runs")[0]
        assert status == "failed" and message
        assert query(db, "SELECT count(*) = count(DISTINCT url) FROM fetches")[0][0]
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
        mnt.rmdir()


def test_a_snapshot_that_cannot_be_published_fails_the_run(tmp_path, monkeypatch):
    from newsmill.flows import stages
    from newsmill.outcomes import RunSummary
    from newsmill.warehouse import db

    cfg = load_config(overrides={"load": {"db_path": str(tmp_path / "w.duckdb")}}, env={})

    def full(con, path):
        raise db.StorageError("cannot publish the readers' snapshot: No space left on device")

    monkeypatch.setattr(db, "publish_snapshot", full)
    summary = RunSummary(run_id="r", flow="ingest", status="running", db=cfg.load.db_path)
    with pytest.raises(db.StorageError):
        with stages.RecordedRun(cfg, summary, logging.getLogger("t"), 0, {}):
            pass
    assert summary.status == "failed"
    assert query(cfg.load.db_path, "SELECT status, message FROM runs") == [
        ("failed", "cannot publish the readers' snapshot: No space left on device")]
