"""The CPU-bound stages (extract, then enrich) in a pool of worker processes sized to the cores.

trafilatura, BeautifulSoup and spaCy hold the GIL, so threads do not help them; processes do.
Each worker process imports the stages and loads the spaCy model once (in its initializer), then
takes chunks of fetched pages and returns :class:`PageResult` records, which pickle cheaply. The
pool is started before the first batch is fetched, so its start-up overlaps with fetching.

Small runs stay in-process: spawning workers and loading a model per worker costs seconds that a
handful of pages never pays back.

Workers are started with ``spawn``, which imports the caller's main module in each worker: a
script that calls ``run_ingest`` for 64+ URLs needs the usual ``if __name__ == "__main__":``
guard (the CLI and Prefect deployments have it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from newsmill.config import EnrichOptions, ExtractOptions
from newsmill.records import FetchedPage, PageResult
from newsmill.tasks.urls import site_key

log = logging.getLogger(__name__)

SiteTexts = dict[str, list[tuple[str, str]]]

# A run with fewer URLs than this processes them in-process when the pool size is automatic.
POOL_MIN_URLS = 64
# Pages per task sent to a worker: small enough to spread a batch over the workers, large enough
# that nlp.pipe batches and pickling overhead stay small.
CHUNK = 8
# A worker is replaced after this many chunks (~2000 pages): spaCy's string store and lxml's
# caches grow with every new word seen, so a long backfill would otherwise grow without bound.
# Loading the model again costs a few seconds per 2000 pages.
TASKS_PER_WORKER = 250


def pool_size(opts: ExtractOptions, urls: int) -> int:
    """Worker processes to use for a run of ``urls`` URLs (0 = in-process)."""
    if opts.processes == 1:
        return 0
    if opts.processes > 1:
        return opts.processes
    if urls < POOL_MIN_URLS:
        return 0
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def process_pages(pages: Sequence[FetchedPage], extract_opts: ExtractOptions,
                  enrich_opts: EnrichOptions, site_texts: SiteTexts | None = None) -> list[PageResult]:
    """Extract and (when enabled) enrich a list of pages, in this process.

    ``site_texts`` (site -> recent (canonical_url, text) of that site, from the warehouse) lets the
    lines a site repeats in every article be dropped before enrichment sees the text.
    """
    from newsmill.tasks import boilerplate
    from newsmill.tasks import enrich as enrich_stage
    from newsmill.tasks import extract as extract_stage

    results = extract_stage.extract_pages(pages, extract_opts)
    if site_texts:
        results = boilerplate.strip_site_repeats(results, site_texts)
    if enrich_opts.enabled:
        results = enrich_stage.enrich_results(results, enrich_opts)
    return results


def _init_worker(enrich_opts: EnrichOptions) -> None:
    # Load everything a chunk needs now, so that the first chunk is not slower than the rest.
    from newsmill.tasks import enrich as enrich_stage
    from newsmill.tasks import extract as extract_stage  # noqa: F401

    if enrich_opts.enabled:
        try:
            enrich_stage.enrich_texts(["Warm-up sentence by Jane Doe in London."], enrich_opts)
        except Exception as e:  # noqa: BLE001 - the real error surfaces again on the first chunk
            log.warning("enrichment warm-up failed in a worker: %s", e)


def skip_unchanged(pages: Sequence[FetchedPage], known: dict[str, str]) -> list[FetchedPage]:
    """Pages whose body is byte-for-byte the one their article was built from become "not
    modified", as a 304 would: no extraction, no enrichment, recorded as unchanged.

    ``known`` maps a URL to the sha256 of that body (``articles.raw_html_id``). This is the
    re-run path for sites that send no ETag / Last-Modified, or ignore If-None-Match.
    """
    if not known:
        return list(pages)
    out = []
    for p in pages:
        digest = known.get(p.url)
        if digest and p.ok and hashlib.sha256(p.body).hexdigest() == digest:
            p = dataclasses.replace(p, body=None, encoding=None, not_modified=True,
                                    error_detail="body unchanged since the last load (same sha256)")
        out.append(p)
    return out


class CpuPool:
    """Extract+enrich on worker processes, or in-process when ``processes`` is 0.

    With ``lazy=True`` the workers start only when a page with a body arrives, so that a re-run
    whose pages all come back 304 never pays for starting them and loading the model.
    """

    def __init__(self, processes: int, extract_opts: ExtractOptions, enrich_opts: EnrichOptions,
                 lazy: bool = False, site_texts: SiteTexts | None = None):
        self.processes = processes
        self.site_texts = site_texts or {}
        self.extract_opts = extract_opts
        # The workers are the parallelism: spaCy inside a worker must not start its own pool.
        self.enrich_opts = dataclasses.replace(enrich_opts, processes=1)
        self._pool: ProcessPoolExecutor | None = None
        if processes > 0 and not lazy:
            self._start()

    def _start(self) -> None:
        # spawn, not fork: the parent runs Prefect's threads, and forking a threaded process
        # can copy a held lock into the child.
        self._pool = ProcessPoolExecutor(
            max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker, initargs=(self.enrich_opts,), max_tasks_per_child=TASKS_PER_WORKER)
        # start the workers now, so that their start-up overlaps with the first fetch
        for _ in range(self.processes):
            self._pool.submit(os.getpid)

    def submit(self, pages: Sequence[FetchedPage]) -> list[Future]:
        """Futures of result lists, one per chunk, in the order of ``pages``."""
        pages = list(pages)
        if self._pool is None and self.processes > 0 and any(p.ok for p in pages):
            self._start()
        if self._pool is None or not any(p.ok for p in pages):
            f: Future = Future()
            try:
                f.set_result(process_pages(pages, self.extract_opts, self.enrich_opts, self.site_texts))
            except BaseException as e:  # noqa: BLE001 - re-raised by .result()
                f.set_exception(e)
            return [f]
        size = max(1, min(CHUNK, -(-len(pages) // self.processes)))
        return [self._pool.submit(process_pages, chunk, self.extract_opts, self.enrich_opts,
                                  self._texts_for(chunk))
                for chunk in (pages[i:i + size] for i in range(0, len(pages), size))]

    def _texts_for(self, pages: Sequence[FetchedPage]) -> SiteTexts:
        # only the sites of this chunk travel to the worker (by the fetched URL's host: the
        # canonical URL is not known before extraction, and is almost always on the same host)
        if not self.site_texts:
            return {}
        sites = {site_key(p.final_url or p.url) for p in pages}
        return {s: self.site_texts[s] for s in sites if s in self.site_texts}

    def run(self, pages: Sequence[FetchedPage]) -> list[PageResult]:
        out: list[PageResult] = []
        for f in self.submit(pages):
            out.extend(f.result())
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "CpuPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
