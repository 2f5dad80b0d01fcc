"""The ``reenrich`` flow: re-run extraction and enrichment on the HTML kept in the warehouse.

After an extractor or model upgrade, every article (or those first seen since a date) is
re-extracted from ``raw_pages.html_gz`` and re-enriched, with no network access, and its derived
rows (text and metadata, authors, mentions, quotes, enrichments) are replaced one atomic batch at
a time. The ``runs`` row (flow ``reenrich``) records the extractor and model versions used.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections import Counter
from datetime import UTC, datetime

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from newsmill import logs
from newsmill.config import Config, load_config
from newsmill.flows import headstart, stages
from newsmill.outcomes import RunSummary
from newsmill.progress import RunProgress
from newsmill.records import Enrichment, FetchedPage, PageResult
from newsmill.tasks import enrich as enrich_stage
from newsmill.tasks.extract import EXTRACTOR_VERSION, ExtractionFailed, extract_document
from newsmill.warehouse import db, loader, paragraphs, reload

log = logging.getLogger(__name__)


def _process(batch: list[reload.Stored], cfg: Config, now: datetime) -> tuple[list[PageResult], Counter]:
    results, errors = [], Counter()
    for s in batch:
        if s.html is None:
            errors[s.error.split(":", 1)[0]] += 1
            log.warning("article %s (%s): %s", s.article_id, s.url, s.error)
            continue
        page = FetchedPage(url=s.url, final_url=s.url, status_code=200, content_type="text/html", body=s.html,
                           encoding=s.encoding, fetched_at=now, elapsed_ms=0)
        try:
            doc = extract_document(page.html(), s.url, cfg.extract)
        except ExtractionFailed as e:
            # the kept article stays as it is: a stricter extractor must not delete data
            errors[e.error] += 1
            log.warning("article %s (%s) no longer extracts: %s", s.article_id, s.url, e)
            continue
        # the article keeps its identity even if the new extractor finds another canonical URL
        results.append(PageResult(page=page, document=dataclasses.replace(doc, url=s.url, canonical_url=s.canonical_url)))
    if cfg.enrich.enabled:
        results = enrich_stage.enrich_results(results, cfg.enrich)
    else:
        # text may change: stale offsets must not survive, so enrichment is replaced by "skipped"
        results = [dataclasses.replace(r, enrichment=Enrichment(skipped="enrichment disabled")) for r in results]
    return results, errors


def _reload_batch(batch: list[reload.Stored], cfg: Config, run: stages.RecordedRun, prog: RunProgress) -> None:
    """Re-extract, re-enrich and replace one batch's derived rows in one transaction."""
    now = datetime.now(UTC)
    with prog.stage("process"):
        results, errors = _process(batch, cfg, now)
    run.counts.failed += sum(errors.values())
    run.counts.errors.update(errors)
    outcome: dict = {}
    rows: dict = {"stage_mentions": [], "stage_quotes": []}
    if results:
        rows = loader.stage_batch(results, run.summary.run_id, now=now, extractor_version=EXTRACTOR_VERSION)
        for name in ("stage_fetches", "stage_sources", "stage_raw_pages"):
            rows[name] = []  # no fetch happened; the source and the raw page are as they were
        with prog.stage("load"), db.writer(cfg.load.db_path, cfg.load.lock_timeout) as con:
            outcome = reload.write_reloaded(con, rows, cfg.load.paragraph_cache)
    run.counts.updated += outcome.get("updated", 0)
    run.counts.unchanged += outcome.get("unchanged", 0)
    extra = run.summary.extra
    extra["articles"] += len(results)
    extra["mentions"] += len(rows["stage_mentions"])
    extra["quotes"] += len(rows["stage_quotes"])
    # one line per batch: the terminal (off a tty), the live display, the Prefect run's logs
    prog.batch(len(batch), 0, outcome.get("updated", 0), outcome.get("unchanged", 0), sum(errors.values()))


def run_reenrich(cfg: Config, run_id: str, since: str | None = None,
                 log_: logging.Logger | logging.LoggerAdapter = log) -> RunSummary:
    """Re-extract and re-enrich every kept article (first seen on/after ``since``), batch by batch."""
    versions = stages.versions(cfg)
    with db.writer(cfg.load.db_path, cfg.load.lock_timeout) as con:
        targets = reload.count_targets(con, since)
        # paragraphs whose analysis the warehouse keeps (same model) are not parsed again
        store = headstart.paragraph_snapshot(con, cfg)
    cfg = dataclasses.replace(cfg, enrich=dataclasses.replace(cfg.enrich, paragraph_store=store))
    summary = RunSummary(run_id=run_id, flow="reenrich", status="running", db=cfg.load.db_path, urls=targets,
                         extra={"since": since, "articles": 0, "changed": 0, "mentions": 0, "quotes": 0,
                                "extractor_version": EXTRACTOR_VERSION, "model": versions["model"]})
    prog = RunProgress("reenrich")
    try:
        with stages.RecordedRun(cfg, summary, log_, targets, versions) as run:
            prog.set_total(targets, -(-targets // max(1, cfg.load.batch_size)))
            with prog.wall("batches"):
                for batch in reload.iter_targets(cfg.load.db_path, since, cfg.load.batch_size, cfg.load.lock_timeout,
                                                 lambda p, t: db.reader(p, t, prefer_snapshot=False)):
                    _reload_batch(batch, cfg, run, prog)
            prog.phase("finishing", "publishing the snapshot")
    finally:
        paragraphs.discard(store)
    summary.extra["changed"] = summary.updated
    summary.extra["timings"] = prog.timings()
    return summary


def _run_name() -> str:
    since = flow_run.parameters.get("since")
    return f"reenrich-{'since-' + since if since else 'all'}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


@flow(name="reenrich", flow_run_name=_run_name)
def reenrich(db: str, since: str | None = None, config_path: str | None = None) -> dict:
    """Re-extract and re-enrich the articles of ``db`` (first seen on/after ``since``) from kept HTML."""
    from newsmill.flows import events

    cfg = load_config(config_path, overrides={"load": {"db_path": db}})
    rid = flow_run.get_id()
    with logs.to_prefect_run(str(rid) if rid else None):
        summary = run_reenrich(cfg, str(rid) if rid else str(uuid.uuid4()), since, get_run_logger()).to_json()
        # derived rows changed: dashboards hanging off newsmill.warehouse.updated refresh too
        events.after_load(summary, cfg, flow="reenrich", source=None, changed_ids=[])
    return summary
