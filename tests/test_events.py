"""After a load: the Prefect event, the webhook (against a real local receiver) and the artifact."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from newsmill.warehouse import db
from tests.test_marts import ARTICLES, page_html

pytestmark = pytest.mark.slow


class Receiver:
    """A tiny HTTP server that records POST bodies; ``mode`` makes it fail or hang on purpose."""

    def __init__(self, mode: str = "ok", fail_times: int = 10**6, delay: float = 0.0):
        self.bodies: list[bytes] = []
        self.headers: list[dict] = []
        self.mode, self.fail_times, self.delay = mode, fail_times, delay
        rec = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                rec.bodies.append(body)
                rec.headers.append(dict(self.headers))
                failing = len(rec.bodies) <= rec.fail_times
                if rec.mode == "hang" and failing:
                    time.sleep(rec.delay)
                status = 500 if rec.mode == "fail" and failing else 204
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def articles(site):
    urls = []
    for host, name, date, title, paras, _e, _q in ARTICLES[:2]:
        url, body = page_html(host, name, date, title, paras)
        path = url.split(host, 1)[1]
        urls.append(site.add(path, body))
    return urls


def _config(tmp_path, **notify) -> str:
    lines = ["[fetch]", "respect_robots = false", "per_host_interval = 0", "retries = 0",
             "[enrich]", "enabled = false", "[notify]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in notify.items()]
    p = tmp_path / "newsmill.toml"
    p.write_text("\n".join(lines) + "\n")
    return str(p)


def _ingest(urls, db_path, config_path, source="fixture-site"):
    from newsmill.flows.ingest import ingest

    return ingest(urls=urls, db=db_path, config_path=config_path, source=source)


def _notifications(db_path):
    with db.reader(db_path) as con:
        return con.execute("SELECT channel, status, attempts, http_status, error, payload, target "
                           "FROM notifications ORDER BY created_at").fetchall()


def test_webhook_receives_the_payload(prefect_harness, articles, db_path, tmp_path):
    rec = Receiver()
    try:
        cfg = _config(tmp_path, webhook_url=rec.url, webhook_secret="s3cret")
        summary = _ingest(articles, db_path, cfg)
    finally:
        rec.close()
    assert summary["status"] == "completed" and summary["new"] == 2
    assert len(rec.bodies) == 1
    body = json.loads(rec.bodies[0])
    assert body["event"] == "newsmill.warehouse.updated"
    assert body["run_id"] == summary["run_id"] and body["source"] == "fixture-site" and body["flow"] == "ingest"
    assert body["counts"]["new"] == 2 and body["counts"]["failed"] == 0
    assert sorted(body["new_article_ids"]) == sorted(summary["new_articles"])
    assert body["snapshot"].endswith(".snapshot.duckdb")
    sig = hmac.new(b"s3cret", rec.bodies[0], hashlib.sha256).hexdigest()
    assert rec.headers[0]["X-Newsmill-Signature"] == f"sha256={sig}"
    rows = _notifications(db_path)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [("webhook", "sent", 1, 204)]


def test_failing_receiver_is_retried_recorded_and_never_fails_the_load(prefect_harness, articles, db_path, tmp_path):
    rec = Receiver(mode="fail")
    try:
        cfg = _config(tmp_path, webhook_url=rec.url, webhook_retries=2, webhook_backoff=0.05)
        summary = _ingest(articles, db_path, cfg)
    finally:
        rec.close()
    assert summary["status"] == "completed" and summary["new"] == 2
    assert len(rec.bodies) == 3  # first try + 2 retries
    (channel, status, attempts, http_status, error, payload, target), = _notifications(db_path)
    assert (channel, status, attempts, http_status, error) == ("webhook", "failed", 3, 500, "HTTP 500")
    assert json.loads(payload)["run_id"] == summary["run_id"] and target == rec.url
    with db.reader(db_path) as con:
        assert con.execute("SELECT status, new FROM runs").fetchall() == [("completed", 2)]
        assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == 2


def test_hanging_receiver_times_out_and_recovers_on_retry(prefect_harness, articles, db_path, tmp_path):
    rec = Receiver(mode="hang", fail_times=1, delay=3)
    try:
        cfg = _config(tmp_path, webhook_url=rec.url, webhook_timeout=0.5, webhook_retries=1, webhook_backoff=0.05)
        t0 = time.monotonic()
        summary = _ingest(articles, db_path, cfg)
        took = time.monotonic() - t0
    finally:
        rec.close()
    assert summary["status"] == "completed"
    assert len(rec.bodies) == 2
    (channel, status, attempts, http_status, error, _p, _t), = _notifications(db_path)
    assert (status, attempts, http_status, error) == ("sent", 2, 204, None)
    assert took < 30


def test_unreachable_receiver_is_recorded(prefect_harness, articles, db_path, tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    cfg = _config(tmp_path, webhook_url=f"http://127.0.0.1:{port}/x", webhook_timeout=0.5, webhook_retries=1,
                  webhook_backoff=0.05)
    summary = _ingest(articles, db_path, cfg)
    assert summary["status"] == "completed" and summary["new"] == 2
    (channel, status, attempts, http_status, error, _p, _t), = _notifications(db_path)
    assert (status, attempts, http_status) == ("failed", 2, None)
    assert error.startswith("connection error")


def _api() -> str:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value().rstrip("/")


def test_event_and_artifact_after_a_load(prefect_harness, articles, db_path, tmp_path):
    summary = _ingest(articles, db_path, _config(tmp_path), source="events-test-source")
    assert summary["status"] == "completed"
    body = {"filter": {"event": {"name": ["newsmill.warehouse.updated"]},
                       "occurred": {"since": "2000-01-01T00:00:00Z"}}, "limit": 50}
    found = None
    deadline = time.monotonic() + 20  # the server persists events asynchronously
    while time.monotonic() < deadline and found is None:
        r = httpx.post(f"{_api()}/events/filter", json=body, timeout=10)
        r.raise_for_status()
        found = next((e for e in r.json()["events"] if e["payload"].get("run_id") == summary["run_id"]), None)
        if found is None:
            time.sleep(0.5)
    assert found is not None, "newsmill.warehouse.updated was not recorded by the Prefect API"
    assert found["resource"]["prefect.resource.id"].startswith("newsmill.warehouse.")
    assert found["resource"]["prefect.resource.id"].endswith(db_path)
    assert found["payload"]["source"] == "events-test-source"
    # the refresh trigger matches this label: this load changed rows
    assert found["payload"]["changed"] is True and found["resource"]["newsmill.changed"] == "true"
    assert found["payload"]["counts"] == {"urls": 2, "fetched": 2, "loaded": 2, "new": 2, "updated": 0,
                                          "unchanged": 0, "failed": 0}
    r = httpx.post(f"{_api()}/artifacts/filter",
                   json={"artifacts": {"key": {"any_": ["ingest-events-test-source"]}}}, timeout=10)
    r.raise_for_status()
    arts = [a for a in r.json() if a["type"] == "markdown"]
    assert arts, "no run summary artifact"
    md = arts[0]["data"]
    assert summary["run_id"] in md and "| new | 2 |" in md
    assert "Council approves new budget" in md and "Acme Corp plans a new factory" in md
