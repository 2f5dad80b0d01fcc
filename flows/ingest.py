"""The ``ingest`` flow: fetch -> extract -> enrich -> load, batch by batch, one run per call."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
import uuid
from datetime import UTC, datetime

from prefect import flow, get_run_logger
from prefect.exceptions import TerminationSignal
from prefect.runtime import flow_run
from prefect.states import Cancelled, Failed, State

from newsmill import logs
from newsmill.config import Config, load_config
from newsmill.flows import discovery, events, headstart, stages
from newsmill.outcomes import RunStatus, RunSummary
from newsmill.progress import RunProgress
from newsmill.records import PageResult
from newsmill.sources import Source, load_sources, select
from newsmill.tasks import fetch as fetch_stage
from newsmill.tasks.extract_version import EXTRACTOR_VERSION
from newsmill.tasks.pipeline import run_batches
from newsmill.warehouse import db
from newsmill.warehouse import db as wdb


def _fetch_and_load(work: headstart.IngestWork, run: stages.RecordedRun, prog: RunProgress) -> None:
    """The pipelined batches of one run (see ``run_batches``): pages go to the worker processes
    as they are fetched, batches are loaded in order; one write connection held across batches
    that follow each other closely; the readers' snapshot published once, at the end of the run
    (copying a growing file per batch made a run quadratic in its size)."""
    load_opts = dataclasses.replace(work.cfg.load, snapshot=False)
    summary = run.summary
    with work, stages.HeldWriter(load_opts) as held:
        def load_batch(results: list[PageResult] | None) -> None:
            if results is None:  # only once the work was closed, which ends this loop first
                raise RuntimeError("a batch was abandoned while the run was still loading")
            parcel = stages.Parcel(results)  # Prefect does not walk into the batch
            try:
                with prog.stage("load"):
                    counts = stages.call(stages.load, parcel, summary.run_id, load_opts, EXTRACTOR_VERSION, held)
            finally:
                parcel.clear()
            run.counts.add(counts)
            # paragraphs parsed, and taken from a cache (the warehouse's or a worker's) instead
            paras = summary.extra.setdefault("paragraphs", {"parsed": 0, "reused": 0})
            for p in (p for r in results for p in r.paragraphs):
                paras["parsed"] += p.analysis is not None
                paras["reused"] += p.uses
            summary.failures.extend(r.failure.to_json() for r in results if r.failure is not None)
            # one line per batch: the terminal (off a tty), the live display, the Prefect run's logs
            prog.batch(len(results), counts.new, counts.updated, counts.unchanged, counts.failed)

        def fetch_batch(batch: list[str]):
            with prog.stage("fetch"):  # and hand the pages to the workers as they arrive
                return work.fetch_batch(batch)

        def process_batch(futures) -> list[PageResult] | None:
            with prog.stage("process"):
                return work.process_batch(futures)

        prog.set_total(len(work.urls), len(work.work))
        with prog.wall("batches"):
            run_batches(work.work, fetch_batch, process_batch, load_batch,
                        stages.task_runs({fetch_batch: "fetch", process_batch: "extract-enrich"}),
                        started=work.take_started())
        prog.phase("finishing", "publishing the snapshot")


def run_ingest(urls: list[str], cfg: Config, run_id: str, log: logging.Logger | logging.LoggerAdapter,
               sources: list[Source] | None = None, force_sources: bool = False,
               summary: RunSummary | None = None) -> RunSummary:
    """The body of the flow, callable with any run id (the flow passes its Prefect run id).

    ``sources`` (from a sources file) are discovered first; their due URLs are fetched after
    ``urls``; ``force_sources`` polls them whatever their schedule. Outside a flow run the same
    loop runs its stages on threads instead of task runs (how the benchmark times Prefect).
    ``summary``, when given, is filled in place (so a caller still has it when Ctrl-C or SIGTERM
    propagates out of here, the run's row and the summary saying ``interrupted``).
    Raises :class:`~newsmill.warehouse.db.DatabaseLocked` (worth a retry); any other warehouse
    error ends the run ``failed`` with its message.
    """
    prog = RunProgress("ingest")
    # the work `newsmill ingest` began while Prefect started (see flows/headstart.py)
    work = None if sources else headstart.take(urls, cfg)
    urls = headstart.clean_urls(urls)
    versions = stages.versions(cfg)
    if summary is None:
        summary = RunSummary(run_id=run_id, flow="ingest", status=RunStatus.RUNNING.value, db=cfg.load.db_path)
    summary.urls = len(urls)
    try:
        # taken work is closed also when the run fails before its batches began (at once when
        # it is interrupted)
        with work if work is not None else contextlib.nullcontext():
            _recorded_ingest(urls, cfg, summary, log, versions, sources, force_sources, prog, work)
    except db.DatabaseLocked:
        raise  # worth a retry: the other writer will be done by then
    except db.WarehouseError as e:
        # a full disk, a damaged file: one clear message (the runs row has it too), no retry
        # that would only meet the same disk, and no traceback
        log.error("%s", e)
        summary.status = RunStatus.FAILED.value
        summary.extra.setdefault("message", str(e))
    return summary


def _recorded_ingest(urls: list[str], cfg: Config, summary: RunSummary, log, versions: dict,
                     sources: list[Source] | None, force_sources: bool, prog: RunProgress,
                     work: headstart.IngestWork | None) -> None:
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
        if work is None:
            prev = headstart.previous(cfg, urls, versions["model"], run_id, found.found if found else None)
            work = headstart.IngestWork(urls, cfg, prev, found.plan if found is not None else None)
        _fetch_and_load(work, run, prog)  # closes the work
    summary.extra["timings"] = prog.timings()


def _run_name() -> str:
    params = flow_run.parameters
    label = params.get("source") or f"{len(params.get('urls') or [])}-urls"
    return f"ingest-{label}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


def final_state(summary: RunSummary) -> dict | State:
    """The flow run's end, matching the run's row: the summary (Completed), or a Failed or
    Cancelled state whose message is the row's and whose data is the summary."""
    result = summary.to_json()
    message = summary.extra.get("message") or summary.status
    if summary.status == RunStatus.COMPLETED:
        return result
    if summary.status == RunStatus.INTERRUPTED:
        return Cancelled(message=message, data=result)
    return Failed(message=message, data=result)


def summary_of(state: State) -> dict:
    """The summary a finished ``ingest`` flow run carries, whatever its state; an exception the
    flow raised (a bug) is raised again here."""
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    return result


def _retry_policy() -> tuple[int, float]:
    return (max(0, int(os.environ.get("NEWSMILL_FLOW_RETRIES", "1"))),
            max(0.0, float(os.environ.get("NEWSMILL_FLOW_RETRY_DELAY", "30"))))


# Re-running an ingest is idempotent, so a run that met a database locked past load.lock_timeout
# is run again once (NEWSMILL_FLOW_RETRIES / NEWSMILL_FLOW_RETRY_DELAY change that). The retry is
# here, not Prefect's flow retries: Prefect retries every Failed state, and a run that failed
# for a full disk or was stopped by a signal must end Failed or Cancelled, not be run again.
@flow(name="ingest", log_prints=False, flow_run_name=_run_name)
def ingest(urls: list[str], db: str, config_path: str | None = None, source: str | None = None,
           sources_file: str | None = None, source_names: list[str] | None = None,
           enrich: bool | None = None) -> dict:
    """Fetch, clean, enrich and load the given article URLs, and the new articles of the sources
    in ``sources_file`` (all enabled ones, or ``source_names``), into the DuckDB file ``db``.
    ``enrich`` overrides the configuration's ``enrich.enabled`` when given.

    Returns the run summary when the run completed; a run that failed ends in a Failed state,
    one stopped by Ctrl-C or SIGTERM in a Cancelled state, each with the run's message and the
    summary as data (call with ``return_state=True`` and read it with :func:`summary_of`)."""
    cfg = load_config(config_path, overrides={"load": {"db_path": db}, "enrich": {"enabled": enrich}})
    srcs = select(load_sources(sources_file), source_names) if sources_file else None
    rid = flow_run.get_id()
    run_id = str(rid) if rid else str(uuid.uuid4())
    retries, delay = _retry_policy()
    # newsmill's own records (progress lines, warnings) become this run's logs in Prefect
    with logs.to_prefect_run(str(rid) if rid else None):
        log = get_run_logger()
        for attempt in range(retries + 1):
            summary = RunSummary(run_id=run_id, flow="ingest", status=RunStatus.RUNNING.value, db=cfg.load.db_path)
            try:
                run_ingest(urls, cfg, run_id, log, sources=srcs, force_sources=bool(source_names), summary=summary)
            except wdb.DatabaseLocked as e:
                if attempt < retries:
                    log.warning("%s; trying again in %gs", e, delay)
                    time.sleep(delay)
                    continue
                summary.status = RunStatus.FAILED.value
                summary.extra["message"] = str(e)
            except (KeyboardInterrupt, TerminationSignal):
                pass  # the row and the summary say interrupted, with the signal's exit status
            break
        if summary.status == RunStatus.COMPLETED:
            # The load is committed: tell dashboards (Prefect event, webhook) and leave a summary artifact.
            events.after_load(summary.to_json(), cfg, flow="ingest", source=source)
    return final_state(summary)
