"""Everyday rough edges of the command line (issue 15, item 6), each checked as a user meets it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsmill.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_sources_add_keeps_the_usual_file_mode(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        f = tmp_path / "sources.toml"
        assert main(["sources", "add", "one", "--url", "http://127.0.0.1:1/a", "--file", str(f)]) == 0
        assert _mode(f) == 0o644  # not mkstemp's 0600
        os.chmod(f, 0o640)  # a mode the user chose is kept through add and remove
        assert main(["sources", "add", "two", "--url", "http://127.0.0.1:1/b", "--file", str(f)]) == 0
        assert _mode(f) == 0o640
        assert main(["sources", "remove", "one", "--file", str(f)]) == 0
        assert _mode(f) == 0o640
    finally:
        os.umask(old)


def test_schedule_without_a_unit_is_refused_with_one_clean_prefix(tmp_path, capsys):
    f = tmp_path / "sources.toml"
    assert main(["sources", "add", "one", "--url", "http://127.0.0.1:1/a", "--schedule", "5", "--file", str(f)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "newsmill: sources add (one): schedule: '5' has no unit: write 5s, 5m, 5h or 5d"
    assert not f.exists()
    f.write_text('[[source]]\nname = "x"\nurls = ["http://127.0.0.1:1/a"]\nschedule = 300\n')
    assert main(["sources", "list", "--file", str(f)]) == 2
    assert "schedule: 300 has no unit" in capsys.readouterr().err


def test_plain_ingest_reads_sources_toml_in_the_current_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSMILL_SOURCES", raising=False)
    assert main(["ingest", "--db", "n.duckdb"]) == 2
    assert "or create sources.toml with `newsmill sources add`" in capsys.readouterr().err
    # a sources.toml here is what plain `ingest` polls (checked before Prefect starts)
    Path("sources.toml").write_text('[[source]]\nname = "off"\nurls = ["http://127.0.0.1:1/a"]\nenabled = false\n')
    assert main(["ingest", "--db", "n.duckdb"]) == 2
    assert "sources.toml has no enabled source" in capsys.readouterr().err
    Path("sources.toml").write_text('[[source]]\nname = "bad"\nurls = ["http://127.0.0.1:1/a"]\nspeed = 1\n')
    assert main(["ingest", "--db", "n.duckdb"]) == 2
    assert "sources.toml" in capsys.readouterr().err and not Path("n.duckdb").exists()


def test_a_url_without_a_scheme_gets_a_clear_message_before_anything_starts(tmp_path, capsys):
    db = tmp_path / "n.duckdb"
    t = time.monotonic()
    assert main(["ingest", "example.com/news/a", "localhost:8000/b", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert time.monotonic() - t < 5 and not db.exists()  # no Prefect, no warehouse
    assert "'example.com/news/a' is not a URL: it has no scheme (write https://example.com/news/a" in err
    assert "'localhost:8000/b' is not a URL: it has no scheme" in err
    assert "scheme '(none)'" not in err
    assert main(["ingest", "ftp://example.com/a", "--db", str(db)]) == 2
    assert "scheme 'ftp' refused: only http and https" in capsys.readouterr().err


def test_dashboard_on_a_missing_warehouse_leaves_nothing_behind(tmp_path, capsys):
    out = tmp_path / "dash"
    assert main(["dashboard", "--db", str(tmp_path / "none.duckdb"), "--out", str(out)]) == 1
    assert "no warehouse at" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_packaging_builds_without_setuptools_warnings(tmp_path):
    """A wheel built the way pip builds it (isolated, setuptools from the registry) warns about nothing."""
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                        "-v", "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    backend = [ln for ln in (r.stdout + r.stderr).splitlines()
               if "Warning" in ln or "deprecated" in ln.lower() or "absent from the `packages`" in ln]
    assert backend == [], "\n".join(backend[:20])
    import zipfile

    names = zipfile.ZipFile(next(tmp_path.glob("newsmill-*.whl"))).namelist()
    for data in ("newsmill/warehouse/sql/marts.sql", "newsmill/warehouse/migrations/001_init.sql",
                 "newsmill/tasks/data/cue_verbs.txt", "newsmill/assets/chart.umd.min.js"):
        assert data in names


@pytest.mark.parametrize("argv, verbose, quiet", [
    (["-v", "ingest", "http://x.example/a"], 1, False),
    (["ingest", "http://x.example/a", "-v"], 1, False),
    (["ingest", "-vv", "http://x.example/a"], 2, False),
    (["-v", "ingest", "-vv", "http://x.example/a"], 3, False),
    (["reenrich", "-q"], 0, True),
    (["sources", "list", "-v"], 1, False),
])
def test_verbosity_flags_go_before_or_after_the_subcommand(argv, verbose, quiet):
    from newsmill.cli import build_parser

    a = build_parser().parse_args(argv)
    assert sum(getattr(a, "verbose" + w, 0) for w in ("", "_sub", "_subsub")) == verbose
    assert any(getattr(a, "quiet" + w, False) for w in ("", "_sub", "_subsub")) == quiet


def test_verbosity_levels_pick_what_the_terminal_shows(capsys, monkeypatch):
    import logging

    from newsmill import logs

    def shown(verbosity, quiet=False, lines=True):
        logs.setup_cli(verbosity, quiet, progress_lines=lines)
        capsys.readouterr()
        logging.getLogger("newsmill.progress").info("batch line")
        logging.getLogger("newsmill.warehouse.db").info("info line")
        logging.getLogger("newsmill.warehouse.db").debug("debug line")
        # (Prefect's own loggers take PREFECT_LOGGING_LEVEL when it is imported, checked below)
        logging.getLogger("urllib3.connectionpool").info("library chatter")
        logging.getLogger("newsmill.x").warning("a warning")
        err = capsys.readouterr().err
        return [w for w in ("batch line", "info line", "debug line", "library chatter", "a warning") if w in err]

    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "WARNING")
    # setup_cli(3) sets these too: set here so that monkeypatch takes them back afterwards (left
    # at INFO they would let the Prefect server's access log into later tests' subprocesses)
    monkeypatch.setenv("PREFECT_SERVER_LOGGING_LEVEL", "ERROR")
    monkeypatch.setenv("PREFECT_LOGGING_SERVER_LEVEL", "ERROR")
    try:
        assert shown(0) == ["batch line", "a warning"]            # off a terminal: one line per batch
        assert shown(0, lines=False) == ["a warning"]             # a live display draws progress instead
        assert shown(0, quiet=True) == ["a warning"]
        assert shown(1) == ["batch line", "info line", "a warning"]
        assert shown(2) == ["batch line", "info line", "debug line", "a warning"]
        assert shown(3) == ["batch line", "info line", "debug line", "library chatter", "a warning"]
        import os

        assert os.environ["PREFECT_LOGGING_LEVEL"] == "INFO"  # Prefect's own logs, set before it is imported
    finally:
        logs.setup_cli(0)
        logging.getLogger().setLevel(logging.WARNING)


def _hold_lock(db_path: str, seconds: float) -> subprocess.Popen:
    code = ("import sys, time\nfrom newsmill.warehouse import db\n"
            "with db.writer(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(float(sys.argv[2]))\n")
    p = subprocess.Popen([sys.executable, "-c", code, db_path, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    return p


@pytest.mark.slow
def test_a_short_wait_for_the_lock_is_no_warning_a_long_one_is(db_path, caplog, monkeypatch):
    """Two sources on one schedule take turns at the warehouse on every tick: that is not news."""
    import logging

    from newsmill.warehouse import db

    with db.writer(db_path):
        pass
    caplog.set_level(logging.INFO, logger="newsmill.warehouse.db")
    holder = _hold_lock(db_path, 1.0)
    db.connect_with_retry(db_path, lock_timeout=30).close()
    holder.wait()
    waits = [(r.levelname, r.getMessage()) for r in caplog.records if "locked by another process" in r.getMessage()]
    assert waits and all(level == "INFO" for level, _m in waits), waits
    caplog.clear()
    monkeypatch.setattr(db, "LOCK_WARN_AFTER", 0.5)  # (10 s by default)
    holder = _hold_lock(db_path, 3.0)
    db.connect_with_retry(db_path, lock_timeout=30).close()
    holder.wait()
    levels = [r.levelname for r in caplog.records if "locked by another process" in r.getMessage()]
    assert levels == ["INFO", "WARNING"]
