"""The one pipelining loop (run_batches), the outcome types and the run summary."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from newsmill.outcomes import ErrorClass, FetchOutcome, RunSummary
from newsmill.records import FetchedPage, PageResult
from newsmill.tasks.pipeline import batches, run_batches


def test_batches_cut_in_order():
    assert batches(list("abcde"), 2) == [["a", "b"], ["c", "d"], ["e"]]
    assert batches([], 3) == [] and batches(["a"], 0) == [["a"]]


def test_run_batches_overlaps_fetch_with_processing_and_loads_in_order():
    events, lock = [], threading.Lock()

    def note(what):
        with lock:
            events.append(what)

    def fetch(batch):
        note(("fetch", batch[0]))
        time.sleep(0.02)
        return batch

    def process(pages):
        note(("process", pages[0]))
        time.sleep(0.05)
        return [p.upper() for p in pages]

    loaded = []
    n = run_batches(batches(["a", "b", "c", "d", "e"], 1), fetch, process, loaded.append)
    assert n == 5 and loaded == [["A"], ["B"], ["C"], ["D"], ["E"]]
    # batch b was fetched before batch a's processing had finished: the stages overlapped
    assert events.index(("fetch", "b")) < events.index(("process", "c"))
    assert [e for e in events if e[0] == "fetch"] == [("fetch", x) for x in "abcde"]  # one fetch at a time, in order


def test_run_batches_raises_a_stage_error_and_stops():
    loaded = []

    def process(pages):
        if pages == ["b"]:
            raise ValueError("bad batch")
        return pages

    with pytest.raises(ValueError, match="bad batch"):
        run_batches(batches(list("abcdefgh"), 1), lambda b: b, process, loaded.append)
    assert ["h"] not in loaded and ["b"] not in loaded


def test_run_batches_with_a_custom_submit():
    started = []

    class Done:
        def __init__(self, value):
            self.value = value

        def result(self):
            return self.value

    def submit(stage, arg):
        started.append(stage.__name__)
        return Done(stage(arg))

    def fetch(b):
        return b

    def process(p):
        return p

    out = []
    run_batches([["x"], ["y"]], fetch, process, out.append, submit)
    assert out == [["x"], ["y"]] and started == ["fetch", "fetch", "process", "process"]


def test_error_classes_keep_the_warehouse_strings():
    assert ErrorClass.http(404) == "http_404" and ErrorClass("http_404") is ErrorClass.http(404)
    assert isinstance(ErrorClass("http_503"), ErrorClass) and ErrorClass("http_503").transient
    assert not ErrorClass.NOT_HTML.transient and ErrorClass.TIMEOUT.transient
    assert {e.value for e in ErrorClass} >= {"timeout", "connection", "dns", "bad_url", "blocked_address",
                                             "robots_disallowed", "too_many_redirects", "too_large", "not_html",
                                             "parse_error", "extract_empty"}
    with pytest.raises(ValueError):
        ErrorClass("Not A Class")


def _page(**kw) -> FetchedPage:
    from datetime import UTC, datetime

    base = dict(url="http://x/1", final_url="http://x/1", status_code=200, content_type="text/html", body=None,
                encoding=None, fetched_at=datetime.now(UTC), elapsed_ms=1)
    return FetchedPage(**{**base, **kw})


def test_page_result_outcome_and_failure():
    nm = PageResult(_page(status_code=304, not_modified=True, error_detail="HTTP 304"))
    assert nm.outcome is FetchOutcome.NOT_MODIFIED and nm.failure is None
    assert FetchOutcome.NOT_MODIFIED.stored == "unchanged" and FetchOutcome.FAILED.stored == "failed"
    fetch_failed = PageResult(_page(status_code=404, error=ErrorClass.http(404), error_detail="HTTP 404 Not Found"))
    assert fetch_failed.outcome is FetchOutcome.FAILED
    assert fetch_failed.failure.to_json() == {"url": "http://x/1", "error": "http_404", "detail": "HTTP 404 Not Found"}
    # extraction's reason wins over the fetch's (which is None for a good fetch)
    empty = PageResult(_page(body=b"<html></html>"), error=ErrorClass.EXTRACT_EMPTY, detail="no text")
    assert empty.failure.error is ErrorClass.EXTRACT_EMPTY and empty.failure.detail == "no text"


def test_run_summary_flattens_extra_and_takes_counts():
    from newsmill.warehouse.loader import BatchCounts

    c = BatchCounts(new=2, updated=1, unchanged=3, failed=1, fetched=6)
    c.errors[ErrorClass.http(404)] += 1
    s = RunSummary(run_id="r", flow="scaleout-worker", status="completed", db=None, urls=7, extra={"shard": [0, 2]})
    s.add_counts(c)
    j = s.to_json()
    assert j["loaded"] == 3 and j["errors"] == {"http_404": 1} and j["shard"] == [0, 2] and "extra" not in j
    assert j["flow"] == "scaleout-worker"


@pytest.mark.slow
def test_ingest_flow_runs_each_stage_as_a_task_run(prefect_harness, site, db_path, tmp_path):
    """Inside the flow the loop's stages are Prefect task runs; outside it (run_ingest called
    directly) the same loop ran on threads in the test above."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from newsmill.flows.ingest import ingest

    cfg = tmp_path / "newsmill.toml"
    cfg.write_text("[fetch]\nper_host_interval = 0\nrespect_robots = false\n[enrich]\nenabled = false\n"
                   "[load]\nbatch_size = 1\n")
    urls = [site.add_fixture(f"/a{i}", "pages/article.html") for i in range(2)]
    summary = ingest(urls=urls, db=db_path, config_path=str(cfg))
    assert summary["status"] == "completed" and summary["flow"] == "ingest" and summary["urls"] == 2

    async def names():
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[summary["run_id"]])))
            return sorted(r.name.rsplit("-", 1)[0] for r in runs)

    assert asyncio.run(names()) == ["extract-enrich"] * 2 + ["fetch"] * 2 + ["load"] * 2


class _Item:
    """A batch element that a weak reference can follow."""

    def __init__(self, n: int):
        self.n = n


def test_a_batch_is_freed_once_loaded_when_its_stages_are_prefect_task_runs(prefect_harness):
    """Prefect keeps task runs' parameters and results in reference cycles that only a full
    garbage collection frees; the stages hand batches over in a box emptied when read
    (flows/stages.Handoff), so each batch goes as soon as it is loaded (issue 16: memory)."""
    import gc
    import weakref

    from prefect import flow

    from newsmill.flows import stages

    refs: list[weakref.ref] = []
    loaded = []

    def fetch(batch):
        items = [_Item(x) for x in batch]
        refs.extend(weakref.ref(i) for i in items)
        return items

    def process(items):
        out = [_Item(i.n * 10) for i in items]
        refs.extend(weakref.ref(i) for i in out)
        return out

    def load(items):
        loaded.append([i.n for i in items])

    @flow
    def loop():
        return run_batches(batches(list(range(8)), 2), fetch, process, load,
                           stages.task_runs({fetch: "fetch", process: "process"}))

    gc.collect()
    gc.disable()  # what is freed must be freed by reference counting alone
    try:
        assert loop() == 4
        alive = [r().n for r in refs if r() is not None]
    finally:
        gc.enable()
    assert loaded == [[0, 10], [20, 30], [40, 50], [60, 70]]
    assert len(refs) == 16 and alive == []


_READS: list[str] = []


@dataclasses.dataclass
class _Watched:
    """A batch element that records every read of its field (Prefect's parameter walk reads it)."""

    n: int

    def __getattribute__(self, name):
        if name == "n":
            _READS.append(name)
        return object.__getattribute__(self, name)


def test_a_batch_in_a_parcel_is_not_walked_by_prefect_and_a_retry_reads_it_again(prefect_harness):
    """Before a task run starts Prefect walks its parameters into every list and dataclass (a
    quarter of the command's CPU for the load's batches, issue 16); a batch in a
    ``stages.Parcel`` is one opaque value, read again by a retry, and emptied by the caller."""
    from prefect import flow, task

    from newsmill.flows import stages

    attempts = []

    @task(retries=1, retry_delay_seconds=0, persist_result=False)
    def consume(batch):
        items = batch.value if isinstance(batch, stages.Parcel) else batch
        attempts.append(len(items))
        if len(attempts) == 1:
            raise RuntimeError("transient")
        return sum(object.__getattribute__(i, "n") for i in items)

    @flow
    def plain():
        return consume([_Watched(i) for i in range(5)])

    @flow
    def parcelled():
        parcel = stages.Parcel([_Watched(i) for i in range(5)])
        try:
            return consume(parcel), parcel
        finally:
            parcel.clear()

    _READS.clear()
    assert plain() == 10
    assert _READS  # without the parcel Prefect reads every element: the check below can fail
    _READS.clear()
    attempts.clear()
    total, parcel = parcelled()
    assert total == 10 and attempts == [5, 5]  # the retry read the same batch
    assert _READS == [] and parcel.value is None
