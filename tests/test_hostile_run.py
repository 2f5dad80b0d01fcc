"""Issue 17, the run as a whole: a hostile URL list never fails a run or leaves its row
`running`; however a run ends (SIGTERM, Ctrl-C, kill -9) its children end with it and its row
matches what it committed; a full disk ends it with one message and exit status 1."""

from __future__ import annotations

import errno
import json
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
from tests.siteserver import SiteServer, article_html, slow_page

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
    for i in range(60):
        server.add_handler(f"/s/{i}.html", slow_page(article_html(f"Slow story {i}", 70 + i).encode(), 2.5))
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


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(tmp_path: Path, site: SiteServer, name: str, n: int = 60,
           group: bool = False, server: str | None = None) -> tuple[subprocess.Popen, str]:
    db = str(tmp_path / f"{name}.duckdb")
    (tmp_path / "c.toml").write_text(CONFIG)
    urls = [site.url(f"/s/{i}.html") for i in range(n)]
    env = _env(tmp_path, name)
    if server is not None:  # where Prefect's temporary server runs (flows/local_api.py)
        env["NEWSMILL_EARLY_PREFECT_SERVER"] = server
    # Ctrl-C reaches the run as it does from a terminal, even where this test runs with SIGINT
    # ignored (a CI job started in the background, `nohup`): the run would inherit that
    proc = subprocess.Popen([*NEWSMILL, "ingest", *urls, "--db", db, "--config", str(tmp_path / "c.toml"), "--json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint, start_new_session=group)
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
    # Prefect's temporary server runs on a thread of the command (flows/local_api.py): it ends
    # with it; the workers and the watcher are the children that must not outlive it
    os.kill(proc.pid, getattr(signal, how))
    rc = proc.wait(timeout=60)
    deadline = time.monotonic() + 20  # the watcher looks twice a second, then TERM, then KILL after 5 s
    while time.monotonic() < deadline and any(_alive(p, s) for p, s in kids.items()):
        time.sleep(0.2)
    left = [p for p, s in kids.items() if _alive(p, s)]
    assert left == [], [Path(f"/proc/{p}/cmdline").read_bytes()[:200] for p in left]
    time.sleep(1)  # a run killed mid-batch may have been committing when it died
    if how == "SIGKILL":  # its watcher marks the row once the children are gone and the lock is free
        assert _wait_status(db, query(db, "SELECT run_id FROM runs")[0][0], "interrupted") == "interrupted"
    status, new, message = query(db, "SELECT status, new, message FROM runs")[0]
    articles = query(db, "SELECT count(*) FROM articles")[0][0]
    assert 0 < articles < 60 and new == articles  # the row counts what its batches committed
    if how == "SIGKILL":
        assert rc == -9 and status == "interrupted" and "killed or crashed" in message
    else:
        assert rc in (130, 143) and status == "interrupted", (rc, status, message)
        assert "Traceback" not in proc.stderr.read()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("server", ["thread", "process"])
def test_a_terminals_ctrl_c_ends_the_run_with_its_summary(tmp_path, slow_site, server):
    """Ctrl-C in a terminal goes to the whole foreground process group. Prefect's temporary
    server runs on a thread of the command (the default) or in a session of its own, so it is
    still there to record the stop: the run ends at once (not at the 20 s stop deadline) with its
    summary, and nothing it started is left."""
    # the command leads its group, as in a shell
    proc, db = _start(tmp_path, slow_site, "ctrl-c", group=True, server=server)
    kids = _wait_for_loads(proc, db)
    servers = [p for p in kids if b"uvicorn" in _cmdline(p) and _alive(p, kids[p])]
    if server == "process":
        assert servers, "Prefect's temporary server should be running"
        assert all(os.getsid(p) != os.getsid(proc.pid) for p in servers)  # out of the terminal's reach
    else:
        assert servers == []
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    took = time.monotonic() - t0
    assert proc.returncode == 130, err[-2000:]
    summary = json.loads(out.strip().splitlines()[-1])  # the summary is printed
    assert summary["status"] == "interrupted" and 0 < summary["new"] < 60
    assert took < 15, f"{took:.1f}s: the run waited for its stop deadline"
    assert "Traceback" not in err
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p, s) for p, s in kids.items()):
        time.sleep(0.2)
    assert [p for p, s in kids.items() if _alive(p, s)] == []
    status, new = query(db, "SELECT status, new FROM runs")[0]
    assert status == "interrupted" and new == summary["new"]


_SERVER_THEN_DIE = """
import os, signal, sys, time
from newsmill.flows import local_api
assert local_api.start()
server = local_api._proc.pid
print(server, os.getsid(server), os.getsid(0), flush=True)
if sys.argv[1] == "SIGKILL":
    os.kill(os.getpid(), signal.SIGKILL)
raise RuntimeError("an unexpected error in the command")
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "exception"])
def test_the_temporary_server_ends_with_its_command(tmp_path, how):
    """Prefect's temporary server, in its own session, still ends with the command that started
    it: at once when the command is killed with SIGKILL (even with no watcher, or before it was
    up), and at exit when the command ends with an exception."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    # a server on the command's thread (the default) cannot outlive it: this is the server in a
    # process of its own
    env.update(PREFECT_HOME=str(tmp_path / "home"), NEWSMILL_NO_REAPER="1", NEWSMILL_EARLY_PREFECT_SERVER="process")
    proc = subprocess.Popen([sys.executable, "-c", _SERVER_THEN_DIE, how], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    server, its_session, commands_session = map(int, proc.stdout.readline().split())
    start = _start_time(server)
    assert its_session == server != commands_session  # a session of its own
    proc.wait(timeout=60)
    assert proc.returncode == (-9 if how == "SIGKILL" else 1)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and start is not None and _alive(server, start):
        time.sleep(0.1)
    assert start is None or not _alive(server, start), "the server outlived its command"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_a_run_stopped_during_its_head_start_ends_cleanly(tmp_path, slow_site, how):
    """`newsmill ingest` starts its workers and first fetches before Prefect's server (the head
    start, flows/headstart.py): a signal then unwinds the same way, with nothing recorded."""
    proc, db = _start(tmp_path, slow_site, how.lower() + "-early")
    deadline, kids = time.monotonic() + 120, {}
    while time.monotonic() < deadline and proc.poll() is None:
        kids.update(_children(proc.pid))
        if any(w in Path(f"/proc/{p}/cmdline").read_bytes() for w in (b"spawn_main", b"forkserver")
               for p in kids if _alive(p, kids[p])):
            break  # the head start's workers are up (loading the model)
        time.sleep(0.1)
    assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()[-2000:]
    os.kill(proc.pid, getattr(signal, how))
    rc = proc.wait(timeout=60)
    kids.update({p: s for p, s in _children(proc.pid).items()})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p, s) for p, s in kids.items()):
        time.sleep(0.2)
    assert [p for p, s in kids.items() if _alive(p, s)] == []
    assert rc in (130, 143), rc
    assert "Traceback" not in proc.stderr.read()
    if Path(db).exists():  # the flow may have started meanwhile: then its row says so
        assert query(db, "SELECT count(*) FROM runs WHERE status <> 'interrupted'") == [(0,)]


def _small_fs_runner() -> list[str] | None:
    """A command prefix that runs a shell in a private mount namespace where it may mount a
    tmpfs: as root, or as anyone where unprivileged user namespaces are allowed. None if neither."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    for prefix in ([unshare, "--mount"], [unshare, "--user", "--map-root-user", "--mount"]):
        probe = subprocess.run([*prefix, "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt 2>/dev/null "
                                "|| mount -t tmpfs -o size=1m tmpfs \"$0\"", tempfile.gettempdir()],
                               capture_output=True)
        if probe.returncode == 0:
            return prefix
    return None


FULL_DISKS = [  # (tmpfs size, articles, paragraphs each, the phase the disk fills in)
    ("3m", 12, 40, "readers' snapshot"),
    ("2m", 30, 40, "while loading"),
]


@pytest.mark.slow
@pytest.mark.parametrize("size,n,paragraphs,phase", FULL_DISKS, ids=[f[3] for f in FULL_DISKS])
def test_a_full_disk_ends_the_run_with_one_message(tmp_path, site, size, n, paragraphs, phase):
    """A real full file system: the warehouse on a small tmpfs, mounted in a private mount
    namespace (root, or an unprivileged user namespace). The run exits 1 with the reason, no
    traceback, no temporary file left, and its row says failed."""
    prefix = _small_fs_runner()
    if prefix is None:
        pytest.skip("SKIPPED, NOT TESTED: cannot mount a small tmpfs here (needs root or unprivileged "
                    "user namespaces for `unshare --user --mount`)")
    for i in range(n):
        site.add(f"/n/{i}.html", article_html(f"Story {i}", i, paragraphs=paragraphs))
    mnt, out = tmp_path / "mnt", tmp_path / "out"
    mnt.mkdir()
    out.mkdir()
    (tmp_path / "c.toml").write_text(CONFIG)
    cmd = [*NEWSMILL, "ingest", *[site.url(f"/n/{i}.html") for i in range(n)], "--db", str(mnt / "w.duckdb"),
           "--config", str(tmp_path / "c.toml"), "--json"]
    # inside the namespace: mount, run, then copy out what the tmpfs holds (it goes with the namespace)
    script = ('mount -t tmpfs -o size="$1" tmpfs "$2" || exit 99; shift 3; "$@"; rc=$?; '
              'ls -A "$MNT" > "$OUT/listing"; cp "$MNT"/w.duckdb* "$OUT"/; exit $rc')
    env = {**_env(tmp_path, "full"), "MNT": str(mnt), "OUT": str(out)}
    r = subprocess.run([*prefix, "sh", "-c", script, "sh", size, str(mnt), "--", *cmd], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr[-2000:]
    assert "Traceback" not in r.stderr + r.stdout, r.stderr[-3000:]
    assert "No space left on device" in r.stderr or "MB are free" in r.stderr, r.stderr[-2000:]
    assert phase in r.stderr, r.stderr[-2000:]
    said = [line for line in r.stderr.splitlines() if line.strip() and " INFO newsmill.progress" not in line]
    assert len(said) == 1 and said[0].startswith("newsmill: "), said  # one message, not Prefect's echoes of it
    listing = (out / "listing").read_text().split()
    assert not [f for f in listing if f.endswith(".tmp") or ".reserve-" in f], listing
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    db = str(out / "w.duckdb")
    status, message, new = query(db, "SELECT status, message, new FROM runs")[0]
    assert status == "failed" and message and phase in message
    assert summary["status"] == "failed" and summary["new"] == new
    assert query(db, "SELECT count(*) FROM articles")[0][0] == new  # the row counts what committed
    assert query(db, "SELECT count(*) = count(DISTINCT url) FROM fetches")[0][0]


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


def _flow_run(state):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id)


def _interrupting(signum: int):
    """A page whose request sends the test process ``signum`` (as Ctrl-C or `kill` would), then
    answers with an article."""
    def h(req):
        os.kill(os.getpid(), signum)
        req.send_html(article_html("Interrupted story", 5).encode())
    return h


def _full_disk(monkeypatch):
    from newsmill.warehouse import db

    def full(con, path):
        raise db.StorageError("cannot publish the readers' snapshot: No space left on device")
    monkeypatch.setattr(db, "publish_snapshot", full)


def _locked(tmp_path, monkeypatch):
    """Another process holds the warehouse read-write for the whole test (real DuckDB lock)."""
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(120)", str(db)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    monkeypatch.setenv("NEWSMILL_FLOW_RETRY_DELAY", "0")
    return holder


@pytest.mark.parametrize("how", ["full disk", "database locked", "SIGINT", "SIGTERM"])
def test_the_flow_run_ends_as_its_row_says(prefect_harness, site, tmp_path, monkeypatch, caplog, how):
    """A run recorded failed or interrupted never shows as Completed in Prefect: Failed or
    Cancelled with the row's message, the summary as its data, and no retry of a run that failed
    for a full disk or was stopped by a signal."""
    from newsmill.flows.ingest import ingest, summary_of

    urls = [site.add("/a.html", article_html("A story", 1)), site.add("/b.html", article_html("B story", 2))]
    holder = None
    if how == "full disk":
        _full_disk(monkeypatch)
    elif how == "database locked":
        holder = _locked(tmp_path, monkeypatch)
    else:
        urls.append(site.add_handler("/stop.html", _interrupting(getattr(signal, how))))
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG.replace("[load]\n", "[load]\nlock_timeout = 1\n"))
    db = str(tmp_path / "w.duckdb")
    try:
        state = ingest(urls=urls, db=db, config_path=str(cfg), return_state=True)
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
    summary = summary_of(state)
    run = _flow_run(state)
    assert not state.is_completed() and run.state.type == state.type
    if how in ("SIGINT", "SIGTERM"):
        assert state.is_cancelled() and summary["status"] == "interrupted"
        assert summary["exit_code"] == 128 + getattr(signal, how)
        assert how in state.message or "Ctrl-C" in state.message
    else:
        assert state.is_failed() and summary["status"] == "failed"
    assert state.message == summary["message"]
    assert run.run_count == 1  # Prefect's flow retries never run a failed or stopped run again
    if how == "database locked":
        assert "locked" in state.message and "trying again" in caplog.text  # retried once, in the run
        assert query(db, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'runs'")[0][0] == 0
    else:
        status, message = query(db, "SELECT status, message FROM runs")[0]
        assert (status, message) == (summary["status"], summary["message"])
    assert not list(tmp_path.glob("w.duckdb.reserve-*"))


# ---- a run whose process is gone: its watcher closes its row ------------------------------------

_DYING_RUN = """
import os, signal, sys, time
from newsmill import reaper
from newsmill.warehouse import db, discovery, loader
path, how, run_id = sys.argv[1], sys.argv[2], sys.argv[3]
reaper.install(path)
res = db.Reserve(path)
res.take()
with db.writer(path) as con:
    loader.start_run(con, run_id, "ingest", 3, {})
    discovery.claim_run(con, run_id)
    con.execute("UPDATE runs SET new = 2, fetched = 3 WHERE run_id = ?", [run_id])  # two batches' counts
print("running", flush=True)
time.sleep(0.5)
if how == "SIGKILL":
    os.kill(os.getpid(), signal.SIGKILL)
elif how == "crash":
    os.abort()
else:
    sys.exit(0)  # a normal exit that left its row running (a bug elsewhere): not the watcher's call
"""


def _wait_status(db: str, run_id: str, want: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        try:
            status = query(db, "SELECT status FROM runs WHERE run_id = ?", [run_id])[0][0]
        except Exception:  # noqa: BLE001 - the watcher holds the lock for a moment: look again
            status = None
        if status == want:
            return status
        time.sleep(0.2)
    return status


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the watcher reads /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "crash", "normal exit"])
def test_a_dead_runs_row_is_closed_by_its_watcher(tmp_path, how):
    db = str(tmp_path / "w.duckdb")
    proc = subprocess.Popen([sys.executable, "-c", _DYING_RUN, db, how, "run-1"], stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.DEVNULL)
    assert proc.stdout.readline().strip() == "running"
    proc.wait(timeout=30)
    if how == "normal exit":
        time.sleep(2)  # the watcher looks twice a second; it must leave the warehouse alone
        assert query(db, "SELECT status FROM runs")[0][0] == "running"
        return
    assert _wait_status(db, "run-1", "interrupted") == "interrupted"
    status, new, fetched, message, finished = query(db, "SELECT status, new, fetched, message, finished_at FROM runs")[0]
    assert (new, fetched) == (2, 3) and finished is not None  # the counts its batches committed
    assert f"PID {proc.pid}" in message and "killed or crashed" in message
    assert not list(tmp_path.glob("w.duckdb.reserve-*"))  # its disk reserve removed too


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the watcher reads /proc")
def test_the_watcher_waits_for_the_write_lock(tmp_path):
    """Another run holding the warehouse when the killed run's watcher wants it: it waits its turn."""
    db = str(tmp_path / "w.duckdb")
    proc = subprocess.Popen([sys.executable, "-c", _DYING_RUN, db, "SIGKILL", "run-2"], stdout=subprocess.PIPE,
                            text=True, stderr=subprocess.DEVNULL)
    assert proc.stdout.readline().strip() == "running"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(4)", db], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    proc.wait(timeout=30)
    holder.wait(timeout=30)
    assert _wait_status(db, "run-2", "interrupted") == "interrupted"


def test_runs_shows_a_dead_run_as_interrupted_at_once(tmp_path, capsys):
    """`newsmill runs`: a row still 'running' whose process on this machine is gone shows as
    interrupted before anything records it (its watcher is off here); a live one stays running."""
    from newsmill.cli import main
    from newsmill.warehouse import db as wdb
    import socket

    from newsmill.warehouse import loader

    path = str(tmp_path / "w.duckdb")
    proc = subprocess.Popen([sys.executable, "-c", _DYING_RUN, path, "SIGKILL", "dead-run"], stdout=subprocess.PIPE,
                            text=True, stderr=subprocess.DEVNULL, env={**os.environ, "NEWSMILL_NO_REAPER": "1"})
    assert proc.stdout.readline().strip() == "running"
    proc.wait(timeout=30)
    with wdb.writer(path) as con:  # (not claim_run: that marks the dead run, as the next run would)
        loader.start_run(con, "live-run", "ingest", 1, {})
        con.execute("UPDATE runs SET pid = ?, hostname = ? WHERE run_id = 'live-run'", [os.getpid(), socket.gethostname()])
    assert main(["runs", "--db", path, "--json"]) == 0
    runs = {r["run_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert runs["dead-run"]["status"] == "interrupted" and "is gone" in runs["dead-run"]["message"]
    assert runs["live-run"]["status"] == "running"
    assert query(path, "SELECT status FROM runs WHERE run_id = 'dead-run'")[0][0] == "running"  # only shown
    assert main(["runs", "--db", path]) == 0
    text = capsys.readouterr().out
    assert "interrupted" in text and "dead-run"[:8] in text
