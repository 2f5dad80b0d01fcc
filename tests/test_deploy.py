"""Scheduled runs through Prefect's deployment machinery, and the refresh automation on load.

A real ``prefect server start`` (temporary home and SQLite database, scheduler looping every
second) and a real ``newsmill serve`` process serving the sources file's deployments: the
ingest deployment (schedule "4s" in the sources file) must complete two scheduled runs against
the local site, each recorded in the warehouse's runs table, and each load's
``newsmill.warehouse.updated`` event must start the event-triggered ``refresh`` deployment,
which writes the dashboard page.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from newsmill.deployments.serve import DeploymentError, plan
from newsmill.warehouse import db
from tests.test_marts import ARTICLES, page_html

pytestmark = pytest.mark.slow
VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, api: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
        "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "NEWSMILL_FLOW_RETRIES": "0",
    })
    if api:
        env["PREFECT_API_URL"] = api
    return env


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    log = open(home / "server.log", "w")
    proc = subprocess.Popen([str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=_env(home), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("prefect server did not start:\n" + (home / "server.log").read_text()[-3000:])
        time.sleep(0.5)
    yield api, home
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


def _flow_runs(api: str, deployment_id: str) -> list[dict]:
    r = httpx.post(f"{api}/flow_runs/filter",
                   json={"deployments": {"id": {"any_": [deployment_id]}}, "sort": "EXPECTED_START_TIME_ASC"},
                   timeout=10)
    r.raise_for_status()
    return r.json()


def _deployment_id(api: str, flow: str, name: str) -> str | None:
    r = httpx.get(f"{api}/deployments/name/{flow}/{name}", timeout=10)
    return r.json()["id"] if r.status_code == 200 else None


def test_two_scheduled_runs_and_the_refresh_trigger(prefect_server, site, tmp_path):
    api, home = prefect_server
    urls = []
    for host, name, date, title, paras, _e, _q in ARTICLES[:2]:
        url, body = page_html(host, name, date, title, paras)
        urls.append(site.add(url.split(host, 1)[1], body))
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "fixture-site"\nschedule = "4s"\nurls = [%s]\n'
                       % ", ".join(json.dumps(u) for u in urls))
    config = tmp_path / "newsmill.toml"
    config.write_text("[fetch]\nrespect_robots = false\nper_host_interval = 0\nretries = 0\n"
                      "[enrich]\nenabled = false\n")
    db_path = tmp_path / "news.duckdb"
    dash = tmp_path / "dash"
    log = open(tmp_path / "serve.log", "w")
    serve = subprocess.Popen(
        [str(VENV_BIN / "newsmill"), "serve", "--sources", str(sources), "--db", str(db_path),
         "--config", str(config), "--dashboard-out", str(dash)],
        env=_env(home, api), cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    completed, refreshes = [], []
    try:
        deadline = time.monotonic() + 240
        ingest_id = refresh_id = None
        while time.monotonic() < deadline:
            assert serve.poll() is None, "newsmill serve exited:\n" + (tmp_path / "serve.log").read_text()[-3000:]
            ingest_id = ingest_id or _deployment_id(api, "ingest", "ingest-fixture-site")
            refresh_id = refresh_id or _deployment_id(api, "refresh", "refresh")
            if ingest_id and refresh_id:
                runs = _flow_runs(api, ingest_id)
                completed = [r for r in runs if r["state_type"] == "COMPLETED"]
                failed = [r for r in runs if r["state_type"] in ("FAILED", "CRASHED")]
                assert not failed, f"scheduled run failed: {failed[0]['state']}\n" + (tmp_path / "serve.log").read_text()[-3000:]
                refreshes = [r for r in _flow_runs(api, refresh_id) if r["state_type"] == "COMPLETED"]
                if len(completed) >= 3 and refreshes:
                    break
            time.sleep(1)
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        try:
            serve.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        log.close()
    out = (tmp_path / "serve.log").read_text()
    assert len(completed) >= 2, f"{len(completed)} scheduled runs completed\n{out[-3000:]}"
    assert all(r["auto_scheduled"] for r in completed)  # created by the scheduler, not by hand
    assert {"newsmill", "ingest", "source:fixture-site"} <= set(completed[0]["tags"])
    assert all(r["name"].startswith("ingest-fixture-site-") for r in completed)
    # every completed Prefect run is a completed run in the warehouse
    with db.reader(db_path) as con:
        runs = dict(con.execute("SELECT run_id, status FROM runs WHERE flow = 'ingest'").fetchall())
        articles = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    for r in completed:
        assert runs.get(r["id"]) == "completed"
    assert articles == 2  # the second run found the same two articles: no duplicates
    # the automation on newsmill.warehouse.updated ran the refresh deployment after a load
    assert refreshes, f"the refresh deployment never ran\n{out[-3000:]}"
    first_load_end = min(r["end_time"] for r in completed)
    assert refreshes[0]["start_time"] >= first_load_end
    assert refreshes[0]["parameters"]["trigger_run_id"] in runs
    assert refreshes[0]["created_by"]["type"] == "AUTOMATION"
    # named after the whole id of the load it follows; the later runs loaded nothing new (the
    # same two articles): no refresh after them
    assert refreshes[0]["name"] == f"refresh-after-{refreshes[0]['parameters']['trigger_run_id']}"
    assert refreshes[0]["parameters"]["trigger_run_id"] == completed[0]["id"]
    assert len(refreshes) == 1, [r["name"] for r in refreshes]
    page = (dash / "index.html").read_text()
    assert '"articles":2' in page
    # newsmill's own lines are each scheduled run's logs in Prefect (the UI, `prefect flow-run logs`):
    # the first run fetched the two pages; the later ones found nothing due
    for i, r in enumerate(completed[:2]):
        logs = httpx.post(f"{api}/logs/filter", json={"logs": {"flow_run_id": {"any_": [r["id"]]}}}, timeout=10).json()
        mine = [lg["message"] for lg in logs if lg["name"].startswith("newsmill")]
        want = "batch 1/1: 2 URLs" if i == 0 else "0 URLs to fetch"
        assert any(m.startswith(want) for m in mine), (r["name"], [lg["message"] for lg in logs])
    assert "is locked by another process" not in out  # one source: nothing waits, nothing to say


def test_plan_rejects_bad_schedules(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "a"\nurls = ["http://127.0.0.1/x"]\n')
    with pytest.raises(DeploymentError, match="no source .* has a schedule"):
        plan(sources=str(sources))
    with pytest.raises(DeploymentError, match="not a valid cron"):
        plan(urls_file=str(sources), cron="every day")
    with pytest.raises(DeploymentError, match="not both"):
        plan(urls_file=str(sources), cron="0 * * * *", interval=60)
    # a source's schedule lives in the sources file only
    with pytest.raises(DeploymentError, match="schedule lives in .* only"):
        plan(sources=str(sources), cron="0 6 * * *")
    sources.write_text('[[source]]\nname = "a"\nurls = ["http://127.0.0.1/x"]\nschedule = "0 6 * * *"\n')
    p = plan(sources=str(sources), db=str(tmp_path / "w.duckdb"))
    assert [(x.name, x.interval, x.cron) for x in p] == [("ingest-a", None, "0 6 * * *"), ("refresh", None, None)]
    assert p[1].trigger["match"] == {"prefect.resource.id": f"newsmill.warehouse.{tmp_path / 'w.duckdb'}",
                                     "newsmill.changed": "true"}  # refresh only after a load that changed rows
    every = plan(sources=str(sources), db=str(tmp_path / "w.duckdb"), refresh_on="load")
    assert "newsmill.changed" not in every[1].trigger["match"]
    with pytest.raises(DeploymentError, match="--refresh-on"):
        plan(sources=str(sources), refresh_on="sometimes")
    sources.write_text('[[source]]\nname = "a"\nurls = ["http://127.0.0.1/x"]\n')
    r = subprocess.run([str(VENV_BIN / "newsmill"), "serve", "--sources", str(sources)], capture_output=True, text=True)
    assert r.returncode == 2 and "has a schedule" in r.stderr
