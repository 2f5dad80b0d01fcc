"""Progress you can see, logs where Prefect shows them, and an honest run time (issue 15).

* on a terminal (a pseudo-terminal here): a live display with the phases and counts;
* off a terminal: one plain line per batch, and nothing at all with --quiet;
* the printed time is the command's wall time, split into where it went;
* inside a flow run with a Prefect API (the test harness is a real temporary server), newsmill's
  batch lines are that run's logs, as ``prefect flow-run logs`` shows them.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsmill import progress
from tests.siteserver import article_html

NEWSMILL = [sys.executable, "-m", "newsmill.cli"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _site(site, n: int) -> list[str]:
    return [site.add(f"/news/{i}", article_html(f"Harbour story number {i}", seed=i)) for i in range(n)]


def _config(tmp_path, batch_size: int) -> str:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[fetch]\nretries = 0\nper_host_interval = 0\n[enrich]\nenabled = false\n"
                   f"[load]\nbatch_size = {batch_size}\n")
    return str(cfg)


def _run_on_a_terminal(argv: list[str], timeout: float = 300) -> tuple[int, str, float]:
    """Run ``argv`` with stdin/stdout/stderr on a pseudo-terminal; (exit code, output, seconds)."""
    started = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.environ.update({"COLUMNS": "120", "LINES": "40", "TERM": "xterm-256color"})
        os.execv(argv[0], argv)
    out = bytearray()
    deadline = started + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace"), time.monotonic() - started


def test_split_adds_up_to_the_wall_time():
    t = {"started_at": 1000.0, "body": 20.0, "discovery": 2.0, "batches": 15.0, "fetch": 9.0, "process": 11.0,
         "load": 1.5}
    parts = dict(progress.split(990.0, 991.0, 1024.0, t))
    assert parts == {"startup": 1.0, "Prefect start": 9.0, "discovery": 2.0, "batches": 15.0, "bookkeeping": 3.0,
                     "after the run": 4.0}
    assert sum(parts.values()) == pytest.approx(1024.0 - 990.0)
    text = progress.format_split(990.0, 991.0, 1024.0, t)
    assert text.startswith("startup 1.0s, Prefect start 9.0s, discovery 2.0s, batches 15.0s")
    assert "busy: fetch 9.0s, process 11.0s, load 1.5s (they overlap)" in text
    assert progress.split(990.0, 991.0, 1024.0, None) == []


def test_run_progress_emits_phases_and_batches(caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="newsmill.progress")
    p = progress.RunProgress("ingest")
    p.phase("discovering", "2 sources")
    p.set_total(120, 3)
    with p.stage("fetch"):
        time.sleep(0.01)
    p.batch(50, 40, 2, 5, 3)
    events = [r.newsmill_progress for r in caplog.records]
    assert [e["event"] for e in events] == ["phase", "total", "phase", "batch"]
    assert events[-1] == {"flow": "ingest", "event": "batch", "batch": 1, "urls": 50, "new": 40, "updated": 2,
                          "unchanged": 5, "failed": 3, "done": 50}
    line = caplog.records[-1].getMessage()
    assert line.startswith("batch 1/3: 50 URLs, 40 new, 2 updated, 5 unchanged, 3 failed; 50/120 URLs done")
    assert p.timings()["fetch"] >= 0.01


@pytest.mark.slow
def test_live_progress_on_a_terminal_and_an_honest_run_time(site, tmp_path):
    urls = _site(site, 6) + [site.url("/gone")]
    db = tmp_path / "news.duckdb"
    code, out, seconds = _run_on_a_terminal([*NEWSMILL, "ingest", *urls, "--db", str(db),
                                             "--config", _config(tmp_path, 2)])
    text = ANSI.sub("", out)
    assert code == 0, text[-3000:]
    # the live display: its phases, the bar and the counts as they grew
    # (a phase shorter than a refresh, 1/8 s, may never be drawn: small pages process fast)
    shown = {p for p in progress.PHASES if f"ingest {p}" in text}
    assert {"starting Prefect", "finishing"} <= shown and shown & {"fetching", "processing", "loading"}, shown
    assert "━" in text and "7/7 URLs" in text and "6 new" in text and "1 failed" in text and "art/s" in text
    assert "newsmill.progress" not in text  # no plain log lines on a terminal: the display has them
    # the summary: the command's wall time, split
    m = re.search(r"run \S+ completed in ([\d.]+)s", text)
    assert m, text[-2000:]
    printed = float(m.group(1))
    # all but the interpreter's own exit after the summary is printed (measured: 1-8 s on a
    # machine with a load average of 5-25, most of it tearing down a heap with spaCy in it)
    assert 0.7 * seconds <= printed <= seconds, (printed, seconds)
    split = re.search(r"time: startup ([\d.]+)s, Prefect start ([\d.]+)s, batches ([\d.]+)s, bookkeeping ([\d.]+)s, "
                      r"after the run ([\d.]+)s; in the batches, busy: fetch", text)
    assert split, text[-2000:]
    assert sum(map(float, split.groups())) == pytest.approx(printed, abs=0.3)


@pytest.mark.slow
def test_off_a_terminal_one_line_per_batch_and_quiet_for_none(site, tmp_path):
    urls = _site(site, 5)
    db = tmp_path / "news.duckdb"
    cfg = _config(tmp_path, 2)
    r = subprocess.run([*NEWSMILL, "ingest", *urls, "--db", str(db), "--config", cfg, "--json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "newsmill.progress" in ln and " batch " in ln]
    assert [re.search(r"batch (\d/\d)", ln).group(1) for ln in lines] == ["1/3", "2/3", "3/3"]
    assert "5/5 URLs done" in lines[-1] and not ANSI.search(r.stderr)
    assert "csrf" not in r.stderr.lower() and "prefect" not in r.stderr.lower()  # no Prefect chatter
    summary = json.loads(r.stdout)
    assert summary["new"] == 5 and summary["wall_seconds"] >= summary["seconds"]
    assert set(summary["time_split"]) == {"startup", "Prefect start", "batches", "bookkeeping", "after the run"}
    assert sum(summary["time_split"].values()) == pytest.approx(summary["wall_seconds"], abs=0.01)
    # reenrich: the same lines; -q (after the subcommand) for none
    r = subprocess.run([*NEWSMILL, "reenrich", "--db", str(db), "--config", cfg], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert len([ln for ln in r.stderr.splitlines() if "newsmill.progress" in ln and " batch " in ln]) == 3
    assert re.search(r"completed in [\d.]+s: re-extracted 5 articles", r.stdout)
    assert "time: startup" in r.stdout
    r = subprocess.run([*NEWSMILL, "reenrich", "--db", str(db), "--config", cfg, "-q"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr
    assert "re-extracted 5 articles" in r.stdout  # the summary is the result: it stays


@pytest.mark.slow
def test_newsmill_logs_are_the_flow_runs_logs_in_prefect(prefect_harness, site, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    from newsmill.flows.ingest import ingest

    urls = _site(site, 3)
    summary = ingest(urls=urls, db=str(tmp_path / "news.duckdb"), config_path=_config(tmp_path, 2))
    assert summary["status"] == "completed"
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=30)
    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[summary["run_id"]])))
            mine = [lg.message for lg in logs if lg.name.startswith("newsmill")]
            if len(mine) >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    assert any(m.startswith("3 URLs to fetch in 2 batches") for m in mine), mine
    assert [m.split(":")[0] for m in mine if m.startswith("batch ")] == ["batch 1/2", "batch 2/2"], mine


def test_changed_rows_decides_whether_dashboards_refresh():
    from newsmill.flows.events import build_payload, changed_rows

    base = {"run_id": "r", "status": "completed", "db": "/tmp/x.duckdb", "urls": 3, "unchanged": 3, "loaded": 0,
            "new": 0, "updated": 0}
    assert changed_rows(base, "ingest") is False
    assert changed_rows({**base, "loaded": 1, "updated": 1}, "ingest") is True
    assert changed_rows({**base, "articles": 5}, "reenrich") is True  # derived rows rewritten
    assert build_payload({**base, "loaded": 2, "new": 2}, "ingest", None)["changed"] is True


def test_refresh_runs_are_named_after_the_whole_run_id():
    from unittest import mock

    from newsmill.flows import refresh

    rid = "5ed93dd3-1dc3-4e9b-a4d5-6a43b9be5221"
    with mock.patch.object(refresh, "flow_run", mock.Mock(parameters={"trigger_run_id": rid})):
        assert refresh._run_name() == f"refresh-after-{rid}"
    with mock.patch.object(refresh, "flow_run", mock.Mock(parameters={"trigger_run_id": "{{ event.payload.run_id }}"})):
        assert refresh._run_name().startswith("refresh-manual-")


def _startup_age(prelude: str, env: dict) -> float:
    """Seconds between when newsmill.cli says its command started and its import, in a process
    that a shell ``exec``s after ``prelude`` (the shape of run.sh: same process, set-up first)."""
    code = "import time, newsmill.cli as c; print(time.time() - c._IMPORTED_AT)"
    r = subprocess.run(["bash", "-c", f'{prelude}; exec "{sys.executable}" -c "{code}"'],
                       env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=True)
    return float(r.stdout.strip())


def test_startup_counts_from_run_sh_handing_over_not_from_its_venv_setup():
    # run.sh execs newsmill in its own process: without its stamp the set-up time is "startup"
    assert _startup_age("sleep 3", {}) >= 3
    assert _startup_age('sleep 3; export NEWSMILL_LAUNCHED_AT="$EPOCHREALTIME"', {}) < 3


def test_a_stale_or_bad_launch_stamp_is_not_this_commands_start():
    # inherited from an earlier command: older than this process, so the process's own start holds
    assert _startup_age("sleep 3", {"NEWSMILL_LAUNCHED_AT": "1"}) >= 3
    assert _startup_age("sleep 3", {"NEWSMILL_LAUNCHED_AT": "not a time"}) >= 3
    assert _startup_age("sleep 3", {"NEWSMILL_LAUNCHED_AT": str(time.time() + 3600)}) >= 3
