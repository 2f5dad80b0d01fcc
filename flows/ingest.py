"""The ``ingest`` flow: fetch -> extract -> enrich -> load, batch by batch, one run per call."""

from __future__ import annotations

import dataclasses
import logging
import os
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from newsmill import __version__
from newsmill.config import Config, load_config
from newsmill.flows import events, stages
from newsmill.tasks import cpu
from newsmill.tasks.fetch import shared_limiter
from newsmill.flows import discovery
from newsmill.sources import load_sources, select
from newsmill.warehouse import discovery as wdiscovery
from newsmill.tasks.enrich import model_version
from newsmill.tasks.extract import EXTRACTOR_VERSION
from newsmill.warehouse import db, loader


@dataclass
class RunSummary:
    run_id: str
    status: str
    db: str
    urls: int
    fetched: int = 0
    loaded: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)  # [{"url", "error", "detail"}]
    new_articles: list[str] = field(default_factory=list)
    seconds: float = 0.0
    discovered: int = 0  # article URLs the sources' feeds/sitemaps/lists gave this run
    sources: dict[str, dict] = field(default_factory=dict)  # per source: found, due, skipped, ...

    def to_json(self) -> dict:
        return asdict(self)


def _run_id() -> str:
    rid = flow_run.get_id()
    return str(rid) if rid else str(uuid.uuid4())


def _batches(items: list[str], size: int):
    for i in range(0, len(items), max(1, size)):
        yield items[i : i + size]


def run_ingest(urls: list[str], cfg: Config, run_id: str, log: logging.Logger | logging.LoggerAdapter,
               use_tasks: bool = True, sources: list | None = None, force_sources: bool = False) -> RunSummary:
    """The body of the flow, callable with any run id (the flow passes its Prefect run id).

    ``use_tasks=False`` runs the same stages without Prefect task runs (plain threads), which is
    how the benchmark measures what Prefect's orchestration costs. ``sources`` (from a sources
    file) are discovered first; their due URLs are fetched after ``urls``.
    """
    started = datetime.now(UTC)
    urls = list(dict.fromkeys(u.strip() for u in urls if u and u.strip()))
    versions = {"newsmill": __version__, "extractor": EXTRACTOR_VERSION,
                "model": model_version(cfg.enrich) if cfg.enrich.enabled else None}
    with db.writer(cfg.load.db_path, cfg.load.lock_timeout) as con:
        loader.start_run(con, run_id, "ingest", len(urls), versions)
        wdiscovery.claim_run(con, run_id)  # and mark runs whose process died as interrupted
    found = None
    if sources:
        try:
            found = discovery.discover_step(sources, cfg, run_id, log, urls, shared_limiter(cfg.fetch),
                                            force=force_sources)
        except BaseException as e:
            with db.writer(cfg.load.db_path, cfg.load.lock_timeout) as con:
                loader.finish_run(con, run_id, loader.BatchCounts(), "failed", f"discovery: {type(e).__name__}: {e}")
            raise
        urls = found.urls
    with db.writer(cfg.load.db_path, cfg.load.lock_timeout) as con:
        if found is not None:
            wdiscovery.set_discovered(con, run_id, len(urls), found.found)
        validators = loader.validators(con, urls)
        known = loader.known_bodies(con, urls, EXTRACTOR_VERSION, versions["model"])
        site_texts = loader.site_texts(con, urls, cfg.extract.site_repeats)
    total = loader.BatchCounts()
    summary = RunSummary(run_id=run_id, status="running", db=cfg.load.db_path, urls=len(urls))
    if found is not None:
        summary.discovered, summary.sources = found.found, found.sources
        summary.failures.extend(found.failures)
    status, message = "failed", None
    # Pipelined: while batch N is loaded, batch N+1 is extracted and enriched on the worker
    # processes and batch N+2 is fetched (one fetch in flight, so politeness limits hold). At
    # most three batches are in memory, whatever the number of URLs.
    # On a re-run (URLs with validators) the workers start only if some page really changed.
    pool = cpu.CpuPool(cpu.pool_size(cfg.extract, len(urls)), cfg.extract, cfg.enrich, lazy=bool(validators),
                       site_texts=site_texts)
    # process-wide, so the interval also holds between discovery's feed fetches and the articles
    limiter = shared_limiter(cfg.fetch)
    plan = found.plan if found is not None else None
    # The snapshot is published once, when the run is recorded as finished, not after each batch:
    # copying a growing file per batch made a run quadratic in its size.
    load_opts = dataclasses.replace(cfg.load, snapshot=False)
    threads = None if use_tasks else ThreadPoolExecutor(max_workers=3, thread_name_prefix="ingest")

    def submit(task, *args):
        return task.submit(*args) if threads is None else threads.submit(task.fn, *args)

    held = stages.HeldWriter(load_opts)

    def load(results):
        counts = (stages.load if threads is None else stages.load.fn)(results, run_id, load_opts, EXTRACTOR_VERSION, held)
        total.add(counts)
        summary.failures.extend(
            {"url": r.page.url, "error": r.error or r.page.error, "detail": r.detail or r.page.error_detail}
            for r in results if r.document is None and r.page.error != "not_modified")
        log.info("batch of %d: %d new, %d updated, %d unchanged, %d failed",
                 len(results), counts.new, counts.updated, counts.unchanged, counts.failed)

    try:
        batches = list(_batches(urls, cfg.load.batch_size))
        def fetch(batch):
            # only this batch's validators: Prefect walks every task argument
            return submit(stages.fetch, batch, cfg.fetch, {u: validators[u] for u in batch if u in validators},
                          limiter, plan)

        fetching = fetch(batches[0]) if batches else None
        # Two batches queue on the pool, so a worker that finishes its last chunk of batch N
        # starts on batch N+1 instead of idling while the other finishes.
        processing: deque = deque()
        for i in range(len(batches)):
            pages = fetching.result()
            fetching = fetch(batches[i + 1]) if i + 1 < len(batches) else None
            processing.append(submit(stages.process, cpu.skip_unchanged(pages, known), pool))
            del pages
            if len(processing) >= 2:
                load(processing.popleft().result())
        while processing:
            load(processing.popleft().result())
        status = "completed"
    except BaseException as e:
        message = f"{type(e).__name__}: {e}"
        raise
    finally:
        held.close()
        pool.close()
        if threads is not None:
            threads.shutdown(wait=False, cancel_futures=True)
        try:
            with db.writer(cfg.load.db_path, cfg.load.lock_timeout, snapshot=cfg.load.snapshot) as con:
                loader.finish_run(con, run_id, total, status, message)
        except db.WarehouseError as e:
            log.error("could not record the end of run %s: %s", run_id, e)
    summary.status = status
    summary.fetched, summary.new, summary.updated = total.fetched, total.new, total.updated
    summary.unchanged, summary.failed, summary.loaded = total.unchanged, total.failed, total.loaded
    summary.errors = dict(sorted(total.errors.items()))
    summary.new_articles = total.new_articles
    summary.seconds = round((datetime.now(UTC) - started).total_seconds(), 3)
    return summary


def _run_name() -> str:
    params = flow_run.parameters
    label = params.get("source") or f"{len(params.get('urls') or [])}-urls"
    return f"ingest-{label}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


# Re-running an ingest is idempotent, so a failed run (a database locked past load.lock_timeout,
# a crash) is retried once; NEWSMILL_FLOW_RETRIES / NEWSMILL_FLOW_RETRY_DELAY change that.
@flow(name="ingest", log_prints=False, flow_run_name=_run_name,
      retries=int(os.environ.get("NEWSMILL_FLOW_RETRIES", "1")),
      retry_delay_seconds=int(os.environ.get("NEWSMILL_FLOW_RETRY_DELAY", "30")))
def ingest(urls: list[str], db: str, config_path: str | None = None, source: str | None = None,
           sources_file: str | None = None, source_names: list[str] | None = None,
           enrich: bool | None = None) -> dict:
    """Fetch, clean, enrich and load the given article URLs, and the new articles of the sources
    in ``sources_file`` (all enabled ones, or ``source_names``), into the DuckDB file ``db``.
    ``enrich`` overrides the configuration's ``enrich.enabled`` when given."""
    cfg = load_config(config_path, overrides={"load": {"db_path": db}, "enrich": {"enabled": enrich}})
    srcs = select(load_sources(sources_file), source_names) if sources_file else None
    summary = run_ingest(urls, cfg, _run_id(), get_run_logger(), sources=srcs,
                         force_sources=bool(source_names))
    result = summary.to_json()
    # The load is committed: tell dashboards (Prefect event, webhook) and leave a summary artifact.
    events.after_load(result, cfg, flow="ingest", source=source)
    return result
