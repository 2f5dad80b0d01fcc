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
import pytest

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
    assert work.pool._pool is None and work.pool._closed.is_set()  # closed with the run
    # every page was fetched exactly once: the run continued the head start, it did not redo it
    assert sorted(h.path for h in site.hits) == [f"/h{i}.html" for i in range(5)]


def test_head_start_not_taken_is_discarded(site, db_path):
    cfg = load_config(overrides={"load": {"db_path": db_path}, "enrich": {"enabled": False},
                                 "fetch": {"per_host_interval": 0, "respect_robots": False}}, env={})
    work = headstart.begin([site.add("/x.html", "<html><body><p>x</p></body></html>")], cfg)
    headstart.discard()
    assert headstart.take(work.urls, cfg) is None
    assert work.pool._pool is None and work.pool._closed.is_set()


def test_no_head_start_while_another_process_writes(monkeypatch, db_path):
    from newsmill.warehouse import db

    waited = []

    def locked(cfg, urls, model, *a, lock_timeout=None, **kw):
        waited.append(lock_timeout)
        raise db.DatabaseLocked("held by another process")

    monkeypatch.setattr(headstart, "previous", locked)
    cfg = load_config(overrides={"load": {"db_path": db_path, "lock_timeout": 60}}, env={})
    assert headstart.begin(["http://x/1"], cfg) is None  # the flow waits for its turn, as before
    assert waited == [headstart.LOCK_WAIT] and headstart.take(["http://x/1"], cfg) is None


def test_a_pool_closed_while_pages_stream_takes_nothing_more_and_says_so_quietly():
    """The SIGTERM fault of the first version: a fetch still running when the run ended handed
    its next chunk to a pool already shut down ("cannot schedule new futures after shutdown",
    printed as a traceback by the task run). Now the stream stops, closes its source of pages
    (no more fetching) and raises PoolClosed, which the run's stages turn into None."""
    cfg = load_config(overrides={"enrich": {"enabled": False}}, env={})
    pool = cpu.CpuPool(0, cfg.extract, cfg.enrich)
    consumed, closed = [], []

    def pages():
        try:
            for i in range(10):
                consumed.append(i)
                if i == 3:
                    pool.terminate()  # the run is interrupted while this batch is being fetched
                yield _page(i)
        finally:
            closed.append(True)

    with pytest.raises(cpu.PoolClosed):
        pool.stream(pages(), chunk=2)
    assert consumed == [0, 1, 2, 3] and closed == [True]  # nothing fetched after the close
    with pytest.raises(cpu.PoolClosed):
        pool.stream(iter([_page(0)]))  # and nothing submitted to the shut-down feeder


def test_chunks_dropped_by_the_close_are_abandoned_not_failed(monkeypatch):
    cfg = load_config(overrides={"enrich": {"enabled": False}}, env={})
    gate = threading.Event()
    real = cpu.process_pages

    def held(pages, *a, **kw):
        gate.wait(10)
        return real(pages, *a, **kw)

    monkeypatch.setattr(cpu, "process_pages", held)
    pool = cpu.CpuPool(0, cfg.extract, cfg.enrich)  # in-process: one feeder thread, chunks queue
    futures = pool.stream(iter([_page(i) for i in range(6)]), chunk=2)
    pool.terminate()
    gate.set()
    with pytest.raises(cpu.PoolClosed):
        cpu.collect(futures)


def test_work_closed_mid_batch_makes_its_stages_return_none(site, db_path):
    """What a Prefect task run of the fetch or extract stage sees when the run ends under it:
    a quiet None (no exception, so no traceback in the task's log)."""
    html = (FIXTURES / "article.html").read_text(encoding="utf-8")
    slow = []

    def slow_page(req):
        slow.append(req.path)
        time.sleep(0.3)
        req.send_html(html.encode())

    urls = [site.add_handler(f"/slow{i}.html", slow_page) for i in range(12)]
    cfg = load_config(overrides={"load": {"db_path": db_path, "batch_size": 12}, "enrich": {"enabled": False},
                                 "fetch": {"per_host_interval": 0, "respect_robots": False, "concurrency": 1}},
                      env={})
    work = headstart.IngestWork(urls, cfg, headstart.previous(cfg, urls, None))
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("fetched", work.fetch_batch(urls)))
    t.start()
    time.sleep(1.0)
    work.close(now=True)
    t.join(10)
    assert not t.is_alive() and out["fetched"] is None
    assert len(slow) < 12  # the requests not begun were dropped
    assert work.process_batch(None) is None


def test_the_writer_lets_readers_in_between_batches(db_path):
    """Pages stream in from slow sites: between batches a reader can open the warehouse (the
    held write connection is released after `idle` seconds without a batch)."""
    from newsmill.flows import stages

    cfg = load_config(overrides={"load": {"db_path": db_path}}, env={})
    with stages.HeldWriter(cfg.load, hold=60, idle=0.2) as held:
        held.run(lambda con: con.execute("SELECT 1").fetchall())
        with pytest.raises(duckdb.Error):  # held right after a batch: the next may follow at once
            duckdb.connect(db_path, read_only=True).close()
        time.sleep(0.6)
        duckdb.connect(db_path, read_only=True).close()  # released while no batch came
        assert held.run(lambda con: con.execute("SELECT 2").fetchall()) == [(2,)]  # and opened again


def test_the_head_starts_batches_are_let_go_once_loaded(site, db_path, monkeypatch):
    """The head start's first batches (their pages' bodies, documents and results) are freed
    after their load like any other batch's, not held by the run until it ends."""
    import gc

    from newsmill.flows.ingest import run_ingest
    from newsmill.progress import RunProgress
    from newsmill.records import PageResult

    html = (FIXTURES / "article.html").read_text(encoding="utf-8")
    urls = [site.add(f"/g{i}.html", html.replace("<title>", f"<title>Story {i} ", 1)
                     .replace('rel="canonical"', 'rel="x-canonical"')) for i in range(12)]
    cfg = load_config(overrides={"load": {"db_path": db_path, "batch_size": 2}, "enrich": {"enabled": False},
                                 "fetch": {"per_host_interval": 0, "respect_robots": False}}, env={})
    held: list[int] = []
    batch = RunProgress.batch

    def counted(self, *args, **kwargs):
        batch(self, *args, **kwargs)
        gc.collect()
        held.append(sum(type(o) is PageResult and o.page.url in urls[:4] for o in gc.get_objects()))

    monkeypatch.setattr(RunProgress, "batch", counted)
    work = headstart.begin(urls, cfg)
    summary = run_ingest(urls, cfg, str(uuid.uuid4()), logging.getLogger("test"))
    assert work is not None and summary.new == 12
    assert len(held) == 6 and held[-1] == 0, held  # the head start's 4 pages, long loaded


def test_the_ingest_command_does_not_import_the_extractor():
    """Its workers extract; the command only records and compares the extractor's version, and
    importing trafilatura (py3langid, justext, htmldate) there cost ~9 MB (issue 16: memory)."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from newsmill.flows import headstart, ingest, stages\n"
            "from newsmill.config import load_config\n"
            "from newsmill.tasks import extract_version\n"
            "stages.versions(load_config(env={}))\n"
            "print(sorted(m for m in ('trafilatura', 'py3langid', 'justext', 'htmldate') if m in sys.modules))\n"
            "print(extract_version.EXTRACTOR_VERSION)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    from newsmill.tasks.extract import EXTRACTOR_VERSION

    assert out[1] == EXTRACTOR_VERSION and EXTRACTOR_VERSION.startswith("trafilatura-")
