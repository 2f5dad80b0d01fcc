"""An ingest run's work, ready before its flow starts: the warehouse's knowledge of the URLs,
the worker pool and the first fetches.

A one-shot ``newsmill ingest`` spends its first seconds starting Prefect's temporary server;
:func:`begin` (called by the CLI before it imports Prefect) uses them to read the warehouse,
spawn the worker processes (each loads the spaCy model) and fetch the first batches, whose pages
go to the workers as they arrive. The flow then :func:`take`s that work and continues it: the
run is recorded, and nothing is loaded, until the flow runs. This module imports no Prefect.
"""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import Future
from dataclasses import dataclass

from newsmill import allocator, reaper
from newsmill.config import Config
from newsmill.records import PageResult
from newsmill.tasks import cpu
from newsmill.tasks import fetch as fetch_stage
from newsmill.tasks.extract_version import EXTRACTOR_VERSION
from newsmill.tasks.pipeline import HeadStart, batches
from newsmill.warehouse import db, loader
from newsmill.warehouse import discovery as wdiscovery
from newsmill.warehouse import paragraphs as wparagraphs

log = logging.getLogger(__name__)

# Batches fetched ahead before the flow starts: about what two workers process while
# Prefect's temporary server starts (~8 s), and the most the loop keeps queued anyway.
AHEAD = 2


@dataclass(frozen=True)
class Previous:
    """What the warehouse knows of a run's URLs before fetching them."""

    validators: dict  # url -> (ETag, Last-Modified), for conditional GETs
    known: dict  # url -> sha256 of the body its article was built from
    site_texts: dict  # site -> recent (canonical_url, text), to drop lines a site repeats
    paragraphs: str = ""  # the snapshot file of the warehouse's paragraph analyses ("": none)


def previous(cfg: Config, urls: list[str], model: str | None, run_id: str | None = None,
             discovered: int | None = None, lock_timeout: float | None = None) -> Previous:
    """Read :class:`Previous` for ``urls`` (and record discovery's count on run ``run_id``)."""
    with db.writer(cfg.load.db_path, cfg.load.lock_timeout if lock_timeout is None else lock_timeout) as con:
        if discovered is not None and run_id is not None:
            wdiscovery.set_discovered(con, run_id, len(urls), discovered)
        return Previous(loader.validators(con, urls), loader.known_bodies(con, urls, EXTRACTOR_VERSION, model),
                        loader.site_texts(con, urls, cfg.extract.site_repeats), paragraph_snapshot(con, cfg))


def paragraph_snapshot(con, cfg: Config) -> str:
    """The warehouse's paragraph analyses exported for the run's workers (a file path), or ""
    without enrichment or with ``load.paragraph_cache = 0``."""
    if not cfg.enrich.enabled or cfg.load.paragraph_cache <= 0:
        return ""
    return wparagraphs.export(con, cfg.load.db_path, cfg.load.paragraph_cache)


def clean_urls(urls: list[str]) -> list[str]:
    """The run's URLs: stripped, blanks dropped, each once, in order."""
    return list(dict.fromkeys(u.strip() for u in urls if u and u.strip()))


def model_of(cfg: Config) -> str | None:
    from newsmill.tasks.enrich import model_version

    return model_version(cfg.enrich) if cfg.enrich.enabled else None


class IngestWork:
    """The batches of one run's URLs, its worker pool and its fetcher.

    :meth:`fetch_batch` fetches a batch and hands its pages to the pool as they arrive (returning
    the chunks' futures); :meth:`process_batch` waits for them. Both are ``run_batches`` stages.
    """

    def __init__(self, urls: list[str], cfg: Config, prev: Previous, plan: fetch_stage.FetchPlan | None = None):
        self.urls, self.cfg, self.prev, self.plan = urls, cfg, prev, plan
        # pages, results and stage rows pass through this process batch after batch: their
        # large blocks go back to the system when freed (see newsmill/allocator.py)
        allocator.return_large_blocks()
        self.work = batches(urls, cfg.load.batch_size)
        self.limiter = fetch_stage.shared_limiter(cfg.fetch)  # also paces discovery's feed fetches
        # a re-run (the warehouse has validators) starts the workers only if some page changed
        enrich = dataclasses.replace(cfg.enrich, paragraph_store=prev.paragraphs)
        self.pool = cpu.CpuPool(cpu.pool_size(cfg.extract, len(urls)), cfg.extract, enrich,
                                lazy=bool(prev.validators), site_texts=prev.site_texts)
        self.head: HeadStart | None = None

    def fetch_batch(self, batch: list[str]) -> list[Future] | None:
        """Fetch ``batch``, handing its pages to the pool as they arrive; the chunks' futures, or
        None when the work was closed meanwhile (the run is ending: nothing more is fetched)."""
        validators = {u: self.prev.validators[u] for u in batch if u in self.prev.validators}
        pages = fetch_stage.fetch_pages(batch, self.cfg.fetch, validators, self.limiter, self.plan)
        try:
            return self.pool.stream(cpu.unchanged_as_304(p, self.prev.known) for p in pages)
        except cpu.PoolClosed:
            log.debug("run ending: stopped fetching a batch of %d URLs", len(batch))
            return None
        finally:
            pages.close()  # the requests not begun are dropped (no-op once all were fetched)

    def process_batch(self, futures: list[Future] | None) -> list[PageResult] | None:
        """The results of :meth:`fetch_batch`'s chunks, in order; None when the work was closed
        before they were done (the run is ending: they would not be loaded)."""
        if futures is None:
            return None
        try:
            return cpu.collect(futures)
        except cpu.PoolClosed:
            log.debug("run ending: a batch's pages abandoned")
            return None

    def begin(self, count: int = AHEAD) -> "IngestWork":
        """Start fetching the first ``count`` batches now (see :attr:`started`)."""
        if self.head is None:
            self.head = HeadStart(self.work, self.fetch_batch, count)
        return self

    @property
    def started(self) -> list:
        return self.head.started if self.head is not None else []

    def take_started(self) -> list:
        """:attr:`started`, handed over once (to ``run_batches``, which lets each go once it has
        its result): the head start's batches are then not held until the run ends."""
        if self.head is None:
            return []
        taken, self.head.started = self.head.started, []
        return taken

    def close(self, now: bool = False) -> None:
        """Stop fetching and hand nothing more to the workers (a fetch or stage still running
        returns None, quietly); the workers finish their chunk, or with ``now`` are stopped at once
        (the run is being interrupted). Closing again does nothing more."""
        if self.head is not None:
            self.head.close()
        if now:
            self.pool.terminate()
        else:
            self.pool.close()
        wparagraphs.discard(self.prev.paragraphs)

    def __enter__(self) -> "IngestWork":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # Ctrl-C or SIGTERM (a KeyboardInterrupt, or what C code made of it): no waiting for the
        # workers' current pages
        self.close(now=exc_type is not None and (not issubclass(exc_type, Exception)
                                                 or reaper.stop_requested() is not None))


_waiting: IngestWork | None = None


# A head start does not wait long for another process's write lock: the flow waits (and retries)
# as it always did.
LOCK_WAIT = 2.0


def begin(urls: list[str], cfg: Config) -> IngestWork | None:
    """Prepare and start the work of an ingest of ``urls`` for the flow that follows in this
    process (see :func:`take`); None when the warehouse is locked by another writer. Raises
    what opening the warehouse raises otherwise."""
    global _waiting
    discard()
    urls = clean_urls(urls)
    try:
        prev = previous(cfg, urls, model_of(cfg), lock_timeout=min(LOCK_WAIT, cfg.load.lock_timeout))
    except db.DatabaseLocked:
        log.info("warehouse busy: no head start, the run waits for its turn")
        return None
    _waiting = IngestWork(urls, cfg, prev).begin()
    return _waiting


def take(urls: list[str], cfg: Config) -> IngestWork | None:
    """The work :func:`begin` started for exactly these URLs and this configuration, once; None
    when there is none (a deployment run, a flow retry, another run)."""
    global _waiting
    w = _waiting
    if w is None or w.urls != clean_urls(urls) or w.cfg != cfg:
        return None
    _waiting = None
    return w


def discard() -> None:
    """Stop work that was begun and never taken (the flow failed to start, or the process is
    being interrupted): its workers are stopped at once, as nothing of it will be loaded."""
    global _waiting
    w, _waiting = _waiting, None
    if w is not None:
        w.close(now=True)
