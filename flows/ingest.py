"""The ``ingest`` flow: fetch -> extract -> enrich -> load, batch by batch, one run per call."""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from newsmill import __version__
from newsmill.config import Config, load_config
from newsmill.flows import events, stages
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

    def to_json(self) -> dict:
        return asdict(self)


def _run_id() -> str:
    rid = flow_run.get_id()
    return str(rid) if rid else str(uuid.uuid4())


def _batches(items: list[str], size: int):
    for i in range(0, len(items), max(1, size)):
        yield items[i : i + size]


def run_ingest(urls: list[str], cfg: Config, run_id: str, log: logging.Logger | logging.LoggerAdapter) -> RunSummary:
    """The body of the flow, callable with any run id (the flow passes its Prefect run id)."""
    started = datetime.now(UTC)
    urls = list(dict.fromkeys(u.strip() for u in urls if u and u.strip()))
    versions = {"newsmill": __version__, "extractor": EXTRACTOR_VERSION,
                "model": model_version(cfg.enrich) if cfg.enrich.enabled else None}
    with db.writer(cfg.load.db_path, cfg.load.lock_timeout) as con:
        loader.start_run(con, run_id, "ingest", len(urls), versions)
        validators = loader.validators(con, urls)
    total = loader.BatchCounts()
    summary = RunSummary(run_id=run_id, status="running", db=cfg.load.db_path, urls=len(urls))
    status, message = "failed", None
    try:
        for batch in _batches(urls, cfg.load.batch_size):
            pages = stages.fetch(batch, cfg.fetch, validators)
            results = stages.extract(pages, cfg.extract)
            if cfg.enrich.enabled:
                results = stages.enrich(results, cfg.enrich)
            counts = stages.load(results, run_id, cfg.load, EXTRACTOR_VERSION)
            total.add(counts)
            summary.failures.extend(
                {"url": r.page.url, "error": r.error or r.page.error, "detail": r.detail or r.page.error_detail}
                for r in results if r.document is None and r.page.error != "not_modified")
            log.info("batch of %d: %d new, %d updated, %d unchanged, %d failed",
                     len(batch), counts.new, counts.updated, counts.unchanged, counts.failed)
        status = "completed"
    except BaseException as e:
        message = f"{type(e).__name__}: {e}"
        raise
    finally:
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
      retry_delay_seconds=float(os.environ.get("NEWSMILL_FLOW_RETRY_DELAY", "30")))
def ingest(urls: list[str], db: str, config_path: str | None = None, source: str | None = None) -> dict:
    """Fetch, clean, enrich and load the given article URLs into the DuckDB file ``db``."""
    cfg = load_config(config_path, overrides={"load": {"db_path": db}})
    summary = run_ingest(urls, cfg, _run_id(), get_run_logger())
    result = summary.to_json()
    # The load is committed: tell dashboards (Prefect event, webhook) and leave a summary artifact.
    events.after_load(result, cfg, flow="ingest", source=source)
    return result
