"""Deployments of newsmill's flows, built from the sources file, and ``newsmill serve``.

* one ``ingest-<source>`` deployment per source that has a ``schedule`` in the sources file
  (``schedule = "15m"`` becomes an interval schedule, ``schedule = "0 6 * * *"`` a cron schedule
  in UTC): the sources file is the only place a source's schedule lives. A URL list
  (``--urls-file``) has no sources file, so it takes ``--interval`` or ``--cron``. Runs are
  tagged ``newsmill``, ``ingest``, ``source:<name>``;
* one ``refresh`` deployment with a :class:`DeploymentEventTrigger` on
  ``newsmill.warehouse.updated`` for this warehouse: Prefect's automation starts it after every
  successful load, and it rewrites the dashboard page.

``newsmill serve`` hands them all to :func:`prefect.serve`: one long-running process, no work pool.
For a work pool and workers, ``newsmill serve --sources sources.toml --prefect-yaml`` prints the
same deployments as a ``prefect.yaml`` for ``prefect deploy`` (:func:`prefect_yaml`);
``deployments/prefect.yaml`` is that output for ``sources.example.toml``.
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


REFRESH_ON = ("change", "load")


def plan(sources: str | None = None, source: list[str] | None = None, urls_file: str | None = None,
         db: str = "newsmill.duckdb", config_path: str | None = None, interval: float | None = None,
         cron: str | None = None, refresh: bool = True, dashboard_out: str = "dashboard",
         refresh_on: str = "change") -> list[Plan]:
    """The deployments to serve, checked, without touching Prefect.

    ``refresh_on``: ``"change"`` (default) rewrites the dashboard only after a load that changed
    rows (the event's ``newsmill.changed`` label); ``"load"`` after every completed load."""
    if refresh_on not in REFRESH_ON:
        raise DeploymentError(f"--refresh-on must be one of {', '.join(REFRESH_ON)}, got {refresh_on!r}")
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
        if interval is not None or cron:
            raise DeploymentError(f"a source's schedule lives in {sources} only: set schedule = \"15m\" "
                                  "(or a cron expression, \"0 6 * * *\") on the source instead of --interval/--cron")
        sources = str(Path(sources).resolve())
        for src in chosen:
            if not src.enabled and not source:
                continue
            if not src.schedule:
                log.warning("source %s has no schedule in %s: not deployed (add schedule = \"1h\")",
                            src.name, sources)
                continue
            plans.append(Plan(
                f"ingest-{src.name}", "ingest",
                {**base, "urls": [], "source": src.name, "sources_file": sources, "source_names": [src.name]},
                ["newsmill", "ingest", f"source:{src.name}"], src.schedule_seconds, src.schedule_cron,
                description=f"ingest source {src.name} of {Path(sources).name} ({_when(src.schedule_seconds, src.schedule_cron)})"))
        if not plans:
            raise DeploymentError(f"no source in {sources} has a schedule (or matches --source); "
                                  "add schedule = \"15m\" to a source")
    else:
        raise DeploymentError("give --sources FILE (sources with a schedule) or --urls-file FILE with --interval/--cron")
    if refresh:
        plans.append(Plan(
            "refresh", "refresh",
            {"db": db, "out_dir": str(Path(dashboard_out).resolve()), "days": 30},
            ["newsmill", "refresh"],
            trigger={"expect": [EVENT], "match": {"prefect.resource.id": warehouse_resource_id(db),
                                                   **({"newsmill.changed": "true"} if refresh_on == "change" else {})},
                     "parameters": {"trigger_run_id": "{{ event.payload.run_id }}"}},
            description=f"rewrite the dashboard after each load of {db}"))
    return plans


def _when(interval: float | None, cron: str | None) -> str:
    return f"every {interval:g}s" if interval else (f"cron {cron} UTC" if cron else f"on {EVENT}")


_HEADER = """\
# newsmill deployments for a Prefect server with a work pool and a worker. GENERATED from the
# sources file by `newsmill serve --sources {sources} --prefect-yaml`: change a schedule there
# (schedule = "15m" or "0 6 * * *") and generate this file again, do not edit it.
#
#   prefect work-pool create newsmill --type process
#   prefect deploy --all --prefect-file deployments/prefect.yaml   # from your newsmill directory
#   prefect worker start --pool newsmill
#
# Paths are made absolute from the directory you deploy from ({{{{ $PWD }}}}): keep {sources},
# newsmill.toml and the warehouse there, and start the worker from the same directory.
"""


def prefect_yaml(sources: str, source: list[str] | None = None, pool: str = "newsmill") -> str:
    """A ``prefect.yaml`` with the deployments :func:`plan` builds from ``sources``, for
    ``prefect deploy`` with a work pool. Paths are relative to the directory deployed from."""
    import yaml

    pwd = "{{ $PWD }}"
    name = Path(sources).name
    plans = plan(sources=sources, source=source, db=f"{pwd}/newsmill.duckdb")
    deployments = []
    for p in plans:
        d: dict[str, Any] = {"name": p.name, "entrypoint": f"newsmill.flows.{p.flow}:{p.flow}",
                             "work_pool": {"name": pool}, "description": p.description.replace(str(Path(sources).resolve()), name),
                             "tags": p.tags}
        if p.flow == "ingest":
            d["parameters"] = {"urls": [], "db": f"{pwd}/newsmill.duckdb", "config_path": f"{pwd}/newsmill.toml",
                               "source": p.parameters["source"], "sources_file": f"{pwd}/{name}",
                               "source_names": p.parameters["source_names"]}
            d["concurrency_limit"] = {"limit": 1, "collision_strategy": "CANCEL_NEW"}
            d["schedules"] = [{"interval": p.interval} if p.interval else {"cron": p.cron, "timezone": "UTC"}]
        else:
            d["description"] = "rewrite the dashboard page after each load"
            d["parameters"] = {"db": f"{pwd}/newsmill.duckdb", "out_dir": f"{pwd}/dashboard", "days": 30}
            d["triggers"] = [{"type": "event", "enabled": True, "match": {"prefect.resource.id": "newsmill.warehouse.*"},
                              "expect": [EVENT], "parameters": {"db": "{{ event.payload.db }}",
                                                                "out_dir": f"{pwd}/dashboard",
                                                                "trigger_run_id": "{{ event.payload.run_id }}"}}]
        deployments.append(d)
    spec = {"name": "newsmill", "prefect-version": "3.8.8", "build": None, "push": None,
            "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": pwd}}],
            "deployments": deployments}
    return _HEADER.format(sources=name) + "\n" + yaml.safe_dump(spec, sort_keys=False, width=110)


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
          dry_run: bool = False, refresh_on: str = "change") -> int:
    plans = plan(sources, source, urls_file, db, config_path, interval, cron, refresh, dashboard_out, refresh_on)
    if dry_run:
        print(json.dumps([p.__dict__ for p in plans], indent=2))
        return 0
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise DeploymentError("no Prefect API: start one with `prefect server start` and set "
                              "PREFECT_API_URL=http://127.0.0.1:4200/api (see docs/sources-and-schedules.md)")
    for p in plans:
        print(f"serving {p.name} ({_when(p.interval, p.cron)})", flush=True)
    prefect_serve(*to_deployments(plans), print_starting_message=False)
    return 0


if __name__ == "__main__":  # python -m newsmill.deployments.serve --sources sources.toml
    import sys

    from newsmill.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))
