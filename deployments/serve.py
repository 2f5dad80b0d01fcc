"""Deployments of newsmill's flows, built from the sources file, and ``newsmill serve``.

* one ``ingest-<source>`` deployment per source that has a ``schedule`` in the sources file
  (``schedule = "15m"`` becomes an interval schedule), or per ``--source`` with ``--interval`` /
  ``--cron`` given on the command line; runs are tagged ``newsmill``, ``ingest``, ``source:<name>``;
* one ``refresh`` deployment with a :class:`DeploymentEventTrigger` on
  ``newsmill.warehouse.updated`` for this warehouse: Prefect's automation starts it after every
  successful load, and it rewrites the dashboard page.

``newsmill serve`` hands them all to :func:`prefect.serve`: one long-running process, no work pool.
For a work pool and workers, deployments/prefect.yaml declares the same deployments for
``prefect deploy`` (see the README).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsmill.flows.events import EVENT, warehouse_resource_id

log = logging.getLogger(__name__)


class DeploymentError(ValueError):
    """Deployments that cannot be built; the message says what to change."""


@dataclass
class Plan:
    """What one deployment will be, as plain data (``--dry-run`` prints it)."""

    name: str
    flow: str  # ingest | refresh
    parameters: dict[str, Any]
    tags: list[str]
    interval: float | None = None
    cron: str | None = None
    trigger: dict[str, Any] | None = None
    description: str = ""


def _read_urls(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise DeploymentError(f"cannot read --urls-file: {e}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def plan(sources: str | None = None, source: list[str] | None = None, urls_file: str | None = None,
         db: str = "newsmill.duckdb", config_path: str | None = None, interval: float | None = None,
         cron: str | None = None, refresh: bool = True, dashboard_out: str = "dashboard") -> list[Plan]:
    """The deployments to serve, checked, without touching Prefect."""
    if interval is not None and cron:
        raise DeploymentError("give --interval or --cron, not both")
    if interval is not None and interval <= 0:
        raise DeploymentError(f"--interval must be positive, got {interval:g}")
    if cron:
        from prefect.client.schemas.schedules import CronSchedule

        try:
            CronSchedule(cron=cron)
        except ValueError:
            raise DeploymentError(f"--cron {cron!r} is not a valid cron expression") from None
    db = str(Path(db).resolve())
    config_path = str(Path(config_path).resolve()) if config_path else None
    base = {"db": db, "config_path": config_path}
    plans: list[Plan] = []
    if urls_file:
        if sources:
            raise DeploymentError("give --sources or --urls-file, not both")
        if interval is None and not cron:
            raise DeploymentError("--urls-file needs a schedule: --interval SECONDS or --cron EXPR")
        name = (source or ["urls"])[0]
        urls = _read_urls(urls_file)
        if not urls:
            raise DeploymentError(f"{urls_file} lists no URLs")
        plans.append(Plan(f"ingest-{name}", "ingest", {**base, "urls": urls, "source": name},
                          ["newsmill", "ingest", f"source:{name}"], interval, cron,
                          description=f"ingest {len(urls)} URLs from {urls_file}"))
    elif sources:
        from newsmill.sources import SourcesError, load_sources, select

        try:
            chosen = select(load_sources(sources), source or None)
        except SourcesError as e:
            raise DeploymentError(str(e)) from None
        sources = str(Path(sources).resolve())
        for src in chosen:
            if not src.enabled and not source:
                continue
            every = interval if (interval is not None or cron) else src.schedule_seconds
            if every is None and not cron:
                log.warning("source %s has no schedule in %s: not deployed (add schedule = \"1h\" or "
                            "pass --interval)", src.name, sources)
                continue
            plans.append(Plan(
                f"ingest-{src.name}", "ingest",
                {**base, "urls": [], "source": src.name, "sources_file": sources, "source_names": [src.name]},
                ["newsmill", "ingest", f"source:{src.name}"], every, cron,
                description=f"ingest source {src.name} from {sources}"))
        if not plans:
            raise DeploymentError(f"no source in {sources} has a schedule (or matches --source); "
                                  "add schedule = \"15m\" to a source or pass --interval")
    else:
        raise DeploymentError("give --sources FILE (sources with a schedule) or --urls-file FILE with --interval/--cron")
    if refresh:
        plans.append(Plan(
            "refresh", "refresh",
            {"db": db, "out_dir": str(Path(dashboard_out).resolve()), "days": 30},
            ["newsmill", "refresh"],
            trigger={"expect": [EVENT], "match": {"prefect.resource.id": warehouse_resource_id(db)},
                     "parameters": {"trigger_run_id": "{{ event.payload.run_id }}"}},
            description=f"rewrite the dashboard after each load of {db}"))
    return plans


def to_deployments(plans: list[Plan]) -> list:
    """RunnerDeployments for :func:`prefect.serve` (imports Prefect)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType
    from prefect.events import DeploymentEventTrigger

    from newsmill.flows.ingest import ingest
    from newsmill.flows.refresh import refresh

    flows = {"ingest": ingest, "refresh": refresh}
    out = []
    for p in plans:
        kw: dict[str, Any] = {}
        if p.interval is not None:
            kw["interval"] = p.interval
        if p.cron:
            kw["cron"] = p.cron
        if p.trigger:
            params = {**p.parameters, **p.trigger["parameters"]}
            kw["triggers"] = [DeploymentEventTrigger(
                name=f"{p.name} on {EVENT}", expect=set(p.trigger["expect"]), match=p.trigger["match"],
                parameters=params)]
        if p.flow == "ingest":
            # A poll that is still running when the next one is due makes the next one pointless:
            # it is cancelled instead of piling up runs that would queue for the database lock.
            kw["concurrency_limit"] = ConcurrencyLimitConfig(
                limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
        out.append(flows[p.flow].to_deployment(
            name=p.name, parameters=p.parameters, tags=p.tags, description=p.description,
            entrypoint_type=EntrypointType.MODULE_PATH, **kw))
    return out


def serve(sources: str | None = None, source: list[str] | None = None, urls_file: str | None = None,
          db: str = "newsmill.duckdb", config_path: str | None = None, interval: float | None = None,
          cron: str | None = None, refresh: bool = True, dashboard_out: str = "dashboard",
          dry_run: bool = False) -> int:
    plans = plan(sources, source, urls_file, db, config_path, interval, cron, refresh, dashboard_out)
    if dry_run:
        print(json.dumps([p.__dict__ for p in plans], indent=2))
        return 0
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise DeploymentError("no Prefect API: start one with `prefect server start` and set "
                              "PREFECT_API_URL=http://127.0.0.1:4200/api (see the README)")
    for p in plans:
        when = f"every {p.interval:g}s" if p.interval else (f"cron {p.cron}" if p.cron else f"on {EVENT}")
        print(f"serving {p.name} ({when})", flush=True)
    prefect_serve(*to_deployments(plans), print_starting_message=False)
    return 0


if __name__ == "__main__":  # python -m newsmill.deployments.serve --sources sources.toml
    import sys

    from newsmill.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))
