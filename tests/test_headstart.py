"""Overlapping an ingest's fixed costs: pages stream to the workers as they are fetched, and
`newsmill ingest` begins the pool and the first fetches before Prefect's temporary server."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from newsmill.config import load_config
from newsmill.flows import headstart
from newsmill.records import FetchedPage
from newsmill.tasks import cpu

FIXTURES = Path(__file__).parent / "fixtures" / "pages"


def _page(i: int) -> FetchedPage:
    body = (FIXTURES / "article.html").read_bytes().replace(b"<title>", f"<title>Copy {i} ".encode(), 1)
    return FetchedPage(url=f"http://x/{i}", final_url=f"http://x/{i}", status_code=200, content_type="text/html",
                       body=body, encoding="utf-8", fetched_at=datetime.now(UTC), elapsed_ms=1)


def test_stream_hands_chunks_to_the_workers_before_the_batch_is_fetched(monkeypatch):
    cfg = load_config(overrides={"enrich": {"enabled": False}}, env={})
    events, lock = [], threading.Lock()
    real = cpu.process_pages

    def recording(pages, *a, **kw):
        with lock:
            events.append(("process", pages[0].url))
        return real(pages, *a, **kw)

    monkeypatch.setattr(cpu, "process_pages", recording)

    def slow_fetch():
        for i in range(6):
            with lock:
                events.append(("fetched", f"http://x/{i}"))
            yield _page(i)
            time.sleep(0.15)  # a slow site: the next page arrives later

    with cpu.CpuPool(0, cfg.extract, cfg.enrich) as pool:
        futures = pool.stream(slow_fetch(), chunk=2)
        results = cpu.collect(futures)
    assert [r.page.url for r in results] == [f"http://x/{i}" for i in range(6)]
    assert all(r.document is not None for r in results)
    # the first chunk was being processed while pages 3..5 were still on their way
    assert events.index(("process", "http://x/0")) < events.index(("fetched", "http://x/5"))
    assert len(futures) == 3


def test_head_start_fetches_before_the_run_and_the_run_continues_it(site, db_path):
    from newsmill.flows.ingest import run_ingest

    html = (FIXTURES / "article.html").read_text(encoding="utf-8")
    urls = [site.add(f"/h{i}.html", html.replace("<title>", f"<title>Story {i} ", 1)
                     .replace('rel="canonical"', 'rel="x-canonical"')) for i in range(5)]
    cfg = load_config(overrides={"load": {"db_path": db_path, "batch_size": 2}, "enrich": {"enabled": False},
                                 "fetch": {"per_host_interval": 0, "respect_robots": False}}, env={})
    work = headstart.begin([" " + urls[0]] + urls + [""], cfg)  # cleaned as the flow cleans them
    try:
        for f in work.started:  # the first two batches are fetched with no run started yet
            cpu.collect(f.result())
        assert len(work.started) == 2
        assert sorted(h.path for h in site.hits) == ["/h0.html", "/h1.html", "/h2.html", "/h3.html"]
        con = duckdb.connect(db_path, read_only=True)
        assert con.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
        con.close()
        assert headstart.take(urls[:2], cfg) is None  # other URLs: not this work
        assert headstart.take(urls, load_config(overrides={"load": {"db_path": db_path}}, env={})) is None
    except BaseException:
        headstart.discard()
        raise
    summary = run_ingest(urls, cfg, str(uuid.uuid4()), logging.getLogger("test"))
    assert summary.new == 5 and summary.failed == 0, summary
    assert headstart.take(urls, cfg) is None  # taken once
    assert work.pool._pool is None and work.pool._local is None  # closed with the run
    # every page was fetched exactly once: the run continued the head start, it did not redo it
    assert sorted(h.path for h in site.hits) == [f"/h{i}.html" for i in range(5)]


def test_head_start_not_taken_is_discarded(site, db_path):
    cfg = load_config(overrides={"load": {"db_path": db_path}, "enrich": {"enabled": False},
                                 "fetch": {"per_host_interval": 0, "respect_robots": False}}, env={})
    work = headstart.begin([site.add("/x.html", "<html><body><p>x</p></body></html>")], cfg)
    headstart.discard()
    assert headstart.take(work.urls, cfg) is None
    assert work.pool._pool is None and work.pool._local is None
