"""The ``ingest`` flow: fetch -> extract -> enrich -> load, batch by batch, one run per call."""

from __future__ import annotations

import dataclasses
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from newsmill import logs
from newsmill.config import Config, load_config
from newsmill.flows import discovery, events, stages
from newsmill.outcomes import RunSummary
from newsmill.progress import RunProgress
from newsmill.records import PageResult
from newsmill.sources import Source, load_sources, select
from newsmill.tasks import cpu
from newsmill.tasks import fetch as fetch_stage
from newsmill.tasks.extract import EXTRACTOR_VERSION
from newsmill.tasks.pipeline import batches, run_batches
from newsmill.warehouse import db, loader
from newsmill.warehouse import discovery as wdiscovery


@dataclass(frozen=True)
class Previous:
    """What the warehouse knows of a run's URLs before fetching them."""

    validators: dict  # url -> (ETag, Last-Modified), for conditional GETs
    known: dict  # url -> sha256 of the body its article was built from
    site_texts: dict  # site -> recent (canonical_url, text), to drop lines a site repeats


def _previous(cfg: Config, urls: list[str], run_id: str, found: discovery.DiscoveryOutcome | None,
              model: str | None) -> Previous:
    with db.writer(cfg.load.db_path, cfg.load.lock_timeout) as con:
        if found is not None:
            wdiscovery.set_discovered(con, run_id, len(urls), found.found)
        return Previous(loader.validators(con, urls), loader.known_bodies(con, urls, EXTRACTOR_VERSION, model),
                        loader.site_texts(con, urls, cfg.extract.site_repeats))


def _fetch_and_load(urls: list[str], cfg: Config, run: stages.RecordedRun, prev: Previous,
                    plan: fetch_stage.FetchPlan | None, prog: RunProgress) -> None:
    """The pipelined batches of one run (see ``run_batches``): extract+enrich on worker processes
    that start only if some page really changed on a re-run; one write connection held across
    batches that follow each other closely; the readers' snapshot published once, at the end of
    the run (copying a growing file per batch made a run quadratic in its size)."""
    limiter = fetch_stage.shared_limiter(cfg.fetch)  # also paces discovery's feed fetches
    load_opts = dataclasses.replace(cfg.load, snapshot=False)
    summary = run.summary
    with cpu.CpuPool(cpu.pool_size(cfg.extract, len(urls)), cfg.extract, cfg.enrich, lazy=bool(prev.validators),
                     site_texts=prev.site_texts) as pool, stages.HeldWriter(load_opts) as held:
        def fetch_batch(batch: list[str]):
            with prog.stage("fetch"):
                return stages.fetch.fn(batch, cfg.fetch, {u: prev.validators[u] for u in batch if u in prev.validators},
                                       limiter, plan)

        def process_batch(pages) -> list[PageResult]:
            with prog.stage("process"):
                return pool.run(cpu.skip_unchanged(pages, prev.known))

        def load_batch(results: list[PageResult]) -> None:
            with prog.stage("load"):
                counts = stages.call(stages.load, results, summary.run_id, load_opts, EXTRACTOR_VERSION, held)
            run.counts.add(counts)
            summary.failures.extend(r.failure.to_json() for r in results if r.failure is not None)
            # one line per batch: the terminal (off a tty), the live display, the Prefect run's logs
            prog.batch(len(results), counts.new, counts.updated, counts.unchanged, counts.failed)

        work = batches(urls, cfg.load.batch_size)
        prog.set_total(len(urls), len(work))
        with prog.wall("batches"):
            run_batches(work, fetch_batch, process_batch, load_batch,
                        stages.task_runs({fetch_batch: "fetch", process_batch: "extract-enrich"}))
        prog.phase("finishing", "publishing the snapshot")


def run_ingest(urls: list[str], cfg: Config, run_id: str, log: logging.Logger | logging.LoggerAdapter,
               sources: list[Source] | None = None, force_sources: bool = False) -> RunSummary:
    """The body of the flow, callable with any run id (the flow passes its Prefect run id).

    ``sources`` (from a sources file) are discovered first; their due URLs are fetched after
    ``urls``; ``force_sources`` polls them whatever their schedule. Outside a flow run the same
    loop runs its stages on threads instead of task runs (how the benchmark times Prefect).
    """
    prog = RunProgress("ingest")
    urls = list(dict.fromkeys(u.strip() for u in urls if u and u.strip()))
    versions = stages.versions(cfg)
    summary = RunSummary(run_id=run_id, flow="ingest", status="running", db=cfg.load.db_path, urls=len(urls))
    try:
        _recorded_ingest(urls, cfg, summary, log, versions, sources, force_sources, prog)
    except db.DatabaseLocked:
        raise  # worth the flow's retry: the other writer will be done by then
    except db.WarehouseError as e:
        # a full disk, a damaged file: one clear message (the runs row has it too), no retry
        # that would only meet the same disk, and no traceback
        log.error("%s", e)
        summary.status = "failed"
        summary.extra.setdefault("message", str(e))
    return summary


def _recorded_ingest(urls: list[str], cfg: Config, summary: RunSummary, log, versions: dict,
                     sources: list[Source] | None, force_sources: bool, prog: RunProgress) -> None:
    run_id = summary.run_id
    with stages.RecordedRun(cfg, summary, log, len(urls), versions, claim=True) as run:
        found = None
        if sources:
            run.step = "discovery"
            prog.phase("discovering", f"{len(sources)} sources")
            with prog.wall("discovery"):
                found = discovery.discover_step(sources, cfg, run_id, log, urls, fetch_stage.shared_limiter(cfg.fetch),
                                                force=force_sources)
            run.step, urls = None, found.urls
            summary.urls, summary.discovered, summary.sources = len(urls), found.found, found.sources
            summary.failures.extend(found.failures)
        prev = _previous(cfg, urls, run_id, found, versions["model"])
        _fetch_and_load(urls, cfg, run, prev, found.plan if found is not None else None, prog)
    summary.extra["timings"] = prog.timings()


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
    rid = flow_run.get_id()
    # newsmill's own records (progress lines, warnings) become this run's logs in Prefect
    with logs.to_prefect_run(str(rid) if rid else None):
        summary = run_ingest(urls, cfg, str(rid) if rid else str(uuid.uuid4()), get_run_logger(), sources=srcs,
                             force_sources=bool(source_names))
        result = summary.to_json()
        if summary.status == "completed":
            # The load is committed: tell dashboards (Prefect event, webhook) and leave a summary artifact.
            events.after_load(result, cfg, flow="ingest", source=source)
    return result
