"""Stop `newsmill ingest` at many moments and count the runs that did not end cleanly (issue 17).

Each run fetches 60 slow pages (2.5 s each) from a local server and is sent SIGINT or SIGTERM
(to its process, or to its whole process group as a terminal's Ctrl-C is) at a moment drawn from
its life: a delay after its start (0.02-30 s: imports, the open check, the head start, Prefect's
start-up), a delay after its first worker appears (mid-spawn, the model load, the first fetches),
after Prefect's temporary server appears, or after the server answers (the flow is running).
A clean stop exits 130/143 within ``--hang`` seconds, leaves no process of its tree alive, prints
no traceback, and leaves no ``runs`` row other than ``interrupted``. For a run that hangs, the
stacks of every process of its tree are written with py-spy (``pip install py-spy``), if present.

    .venv/bin/python bench/stops.py [-n 60] [--moment mix|start|worker|server|flow] [--group 0.3]

Loopback only. A stop in the first ~0.1 s (the interpreter's start, before newsmill's code runs)
gets Python's own handling and is reported as such, not counted as newsmill's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsmill.reaper import _alive, _descendants, _tree  # noqa: E402
from tests.dbutil import query  # noqa: E402
from tests.siteserver import SiteServer, article_html, slow_page  # noqa: E402

CONFIG = ("[fetch]\nper_host_interval = 0\nper_host_concurrency = 2\nconcurrency = 2\nretries = 0\n"
          "total_timeout = 5\n[load]\nbatch_size = 2\n[enrich]\nenabled = false\n")
# a stop this early whose output shows none of newsmill's code landed in the interpreter's start-up
PYTHON_START = 1.0


def _cmdline(pid: int, limit: int = 4000) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:limit].decode(errors="replace")
    except OSError:
        return ""


def _server_answers(pids) -> bool:
    for p in pids:
        m = re.search(r"uvicorn.* --port (\d+)", _cmdline(p))
        if m:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/api/health", timeout=1).read()
                return True
            except OSError:
                return False
    return False


def _dump_stacks(pids, out: Path) -> None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with out.open("w") as f:
        for p in pids:
            f.write(f"==== {p}: {_cmdline(p, 200)}\n")
            if Path(spy).exists():
                r = subprocess.run([spy, "dump", "--pid", str(p)], capture_output=True, text=True, timeout=60)
                f.write(r.stdout + r.stderr)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # as from a terminal, even if this runs with it ignored


def one(site: SiteServer, work: Path, moment: str, delay: float, sig: int, group: bool, hang: float,
        logs: Path, i: int) -> dict:
    d = Path(tempfile.mkdtemp(dir=work))
    (d / "c.toml").write_text(CONFIG)
    (d / "home").mkdir()
    env = {**os.environ, "PREFECT_HOME": str(d / "home"), "NEWSMILL_FLOW_RETRY_DELAY": "0",
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300"}
    urls = [site.url(f"/s/{k}.html") for k in range(60)]
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "newsmill.cli", "ingest", *urls, "--db", str(d / "w.duckdb"),
                             "--config", str(d / "c.toml"), "--json"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint, start_new_session=group)
    seen: dict[int, str] = {}
    while proc.poll() is None and time.monotonic() - started < 300:
        seen.update(_descendants(proc.pid, _tree()))
        live = [p for p in seen if _alive(p, seen[p])]
        if moment == "start" and time.monotonic() - started >= delay:
            break
        if moment == "worker" and any("spawn_main" in _cmdline(p) for p in live):
            time.sleep(delay)
            break
        if moment in ("server", "flow") and any("uvicorn" in _cmdline(p) for p in live):
            while moment == "flow" and proc.poll() is None and not _server_answers(live):
                time.sleep(0.1)
            time.sleep(delay)
            break
        time.sleep(0.02)
    at = time.monotonic() - started
    r = {"moment": moment, "delay": round(delay, 2), "signal": signal.Signals(sig).name + ("-group" if group else ""),
         "at": round(at, 2)}
    if proc.poll() is not None:
        proc.communicate()
        return {**r, "outcome": "ended before the signal"}
    seen.update(_descendants(proc.pid, _tree()))
    (os.killpg if group else os.kill)(proc.pid, sig)
    problems = []
    try:
        proc.wait(timeout=hang)
        r["took"] = round(time.monotonic() - started - at, 2)
    except subprocess.TimeoutExpired:
        problems.append("hang")
        seen.update(_descendants(proc.pid, _tree()))
        _dump_stacks([proc.pid, *[p for p in seen if _alive(p, seen[p])]], logs / f"hang-{i}.txt")
        proc.kill()
    out, err = proc.communicate()
    deadline = time.monotonic() + 20  # the watcher's poll, then TERM, KILL after 5 s
    while time.monotonic() < deadline and any(_alive(p, s) for p, s in seen.items()):
        time.sleep(0.2)
    left = [p for p, s in seen.items() if _alive(p, s)]
    if left:
        problems.append(f"left {len(left)} processes")
        for p in left:
            os.kill(p, signal.SIGKILL)
    if "hang" not in problems and proc.returncode != 128 + sig:
        problems.append(f"exit {proc.returncode}")
    if "Traceback" in err:
        problems.append("traceback")
    db = d / "w.duckdb"
    if db.exists() and not left:
        try:
            rows = query(str(db), "SELECT status, count(*) FROM runs GROUP BY 1")
        except Exception as e:  # noqa: BLE001 - a warehouse stopped before its first migration has no runs table
            rows = [] if "runs does not exist" in str(e) else [("unreadable", str(e)[:80])]
        if any(s != "interrupted" for s, _ in rows):
            problems.append(f"rows {rows}")
        r["row"] = bool(rows)
    if problems:
        (logs / f"run-{i}.txt").write_text(err + "\n==== stdout\n" + out)
    r["outcome"] = "; ".join(problems) or "clean"
    if problems and at < PYTHON_START and "newsmill/cli.py" not in err:
        r["outcome"] += " (Python's start-up)"
    shutil.rmtree(d, ignore_errors=True)
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=60, help="runs")
    ap.add_argument("--moment", default="mix", choices=["mix", "start", "worker", "server", "flow"])
    ap.add_argument("--group", type=float, default=0.3, help="share of stops sent to the process group")
    ap.add_argument("--hang", type=float, default=40.0, help="seconds after the signal that count as a hang")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--logs", default=None, help="where failed runs' output and hung runs' stacks go")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    logs = Path(a.logs or tempfile.mkdtemp(prefix="newsmill-stops-"))
    logs.mkdir(parents=True, exist_ok=True)
    site = SiteServer().start()
    for k in range(60):
        site.add_handler(f"/s/{k}.html", slow_page(article_html(f"Slow story {k}", 70 + k).encode(), 2.5))
    work = Path(tempfile.mkdtemp(prefix="newsmill-stops-work-"))
    results = []
    try:
        for i in range(a.n):
            moment = a.moment if a.moment != "mix" else rnd.choice(["start", "start", "worker", "worker", "server", "flow"])
            delay = {"start": lambda: rnd.choice([rnd.uniform(0.02, 0.6), rnd.uniform(0.6, 4), rnd.uniform(4, 12),
                                                  rnd.uniform(12, 30)]),
                     "flow": lambda: rnd.uniform(0, 12)}.get(moment, lambda: rnd.uniform(0, 2.5))()
            sig = rnd.choice([signal.SIGINT, signal.SIGTERM])
            r = one(site, work, moment, delay, sig, rnd.random() < a.group, a.hang, logs, i)
            results.append(r)
            if not a.json:
                print(i, json.dumps(r), flush=True)
    finally:
        site.stop()
        shutil.rmtree(work, ignore_errors=True)
    counts: dict[str, int] = {}
    for r in results:
        key = "clean" if r["outcome"] == "clean" else ("not newsmill's" if "start-up" in r["outcome"] else
                                                     "ended first" if r["outcome"].startswith("ended") else "failed")
        counts[key] = counts.get(key, 0) + 1
    summary = {"runs": len(results), **counts, "logs": str(logs)}
    print(json.dumps({"summary": summary, "runs": results}) if a.json else json.dumps(summary))


if __name__ == "__main__":
    main()
