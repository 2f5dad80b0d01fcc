"""Thin Prefect task wrappers around the plain stage functions in ``newsmill.tasks``.

The stages themselves import no Prefect, so ``newsmill extract`` and ``newsmill enrich`` start
fast and the stages can be tested without a flow. Pages travel between tasks in memory: no
result persistence and no input hashing for caching (bodies are megabytes).
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from newsmill.config import EnrichOptions, ExtractOptions, FetchOptions, LoadOptions
from newsmill.records import FetchedPage, PageResult
from newsmill.tasks import cpu as cpu_stage
from newsmill.tasks import enrich as enrich_stage
from newsmill.tasks import extract as extract_stage
from newsmill.tasks import fetch as fetch_stage
from newsmill.warehouse import db, loader


@task(name="fetch", cache_policy=NO_CACHE, persist_result=False)
def fetch(urls: list[str], opts: FetchOptions, validators: dict | None = None,
          limiter: fetch_stage.HostLimiter | None = None,
          plan: fetch_stage.FetchPlan | None = None) -> list[FetchedPage]:
    # ``limiter`` is shared by the batches of a run, so per-host politeness holds across batches;
    # ``plan`` carries discovery's per-URL trust and per-source intervals.
    return list(fetch_stage.fetch_pages(urls, opts, validators, limiter, plan))


@task(name="extract", cache_policy=NO_CACHE, persist_result=False)
def extract(pages: list[FetchedPage], opts: ExtractOptions) -> list[PageResult]:
    return extract_stage.extract_pages(pages, opts)


@task(name="enrich", cache_policy=NO_CACHE, persist_result=False)
def enrich(results: list[PageResult], opts: EnrichOptions) -> list[PageResult]:
    return enrich_stage.enrich_results(results, opts)


@task(name="extract-enrich", cache_policy=NO_CACHE, persist_result=False)
def process(pages: list[FetchedPage], pool: cpu_stage.CpuPool) -> list[PageResult]:
    """Extract and enrich one batch on the run's worker processes (or in-process for small runs)."""
    return pool.run(pages)


# A locked database is transient: Prefect retries the load after the writer-side wait ran out.
@task(name="load", cache_policy=NO_CACHE, persist_result=False, retries=2, retry_delay_seconds=5,
      retry_condition_fn=lambda task, run, state: _is_locked(state))
def load(results: list[PageResult], run_id: str, opts: LoadOptions, extractor_version: str,
         held: "HeldWriter | None" = None) -> loader.BatchCounts:
    if held is not None:
        return held.run(lambda con: loader.load_batch(con, results, run_id, extractor_version))
    with db.writer(opts.db_path, opts.lock_timeout, snapshot=opts.snapshot) as con:
        return loader.load_batch(con, results, run_id, extractor_version)


class HeldWriter:
    """A write connection kept open across batches that follow each other closely.

    Opening the warehouse (lock, catalog, migration check) costs ~0.1-0.2 s; a re-run whose pages
    are 304s loads a batch every fraction of a second, so opening per batch was a third of its
    time. The connection is closed once it has been held ``hold`` seconds, so another process
    waiting for the lock gets its turn within about that time plus one batch.
    """

    def __init__(self, opts: LoadOptions, hold: float = 2.0):
        self.opts = opts
        self.hold = hold
        self._cm = None
        self._con = None
        self._opened = 0.0

    def run(self, fn):
        import time

        if self._con is not None and time.monotonic() - self._opened > self.hold:
            self.close()
        if self._con is None:
            self._cm = db.writer(self.opts.db_path, self.opts.lock_timeout)
            self._con = self._cm.__enter__()
            self._opened = time.monotonic()
        try:
            return fn(self._con)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._cm is not None:
            cm, self._cm, self._con = self._cm, None, None
            cm.__exit__(None, None, None)


def _is_locked(state) -> bool:
    try:
        state.result()
    except db.DatabaseLocked:
        return True
    except Exception:  # any other failure is not worth retrying
        return False
    return False
