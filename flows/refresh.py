"""The ``refresh`` flow: regenerate the dashboard page after a load.

Deployed with a trigger on ``newsmill.warehouse.updated`` (deployments/serve.py), so the page is
rewritten within seconds of every successful ingest. It only reads the snapshot, so it never
waits for a load in progress.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from newsmill.dashboard import write_dashboard
from newsmill.outcomes import RunSummary
from newsmill.warehouse import db as wdb
from newsmill.warehouse.sql import q


def _run_name() -> str:
    # Named after the whole id of the run whose load it follows, so each refresh says which
    # ingest it shows (an 8-character prefix was the same for every run of a day).
    after = flow_run.parameters.get("trigger_run_id")
    if after and "{{" not in str(after):
        return f"refresh-after-{after}"
    return f"refresh-manual-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


@flow(name="refresh", flow_run_name=_run_name, retries=2, retry_delay_seconds=5)
def refresh(db: str, out_dir: str = "dashboard", days: int = 30, trigger_run_id: str | None = None) -> dict:
    """Rewrite ``out_dir/index.html`` from the warehouse ``db`` (its snapshot)."""
    log = get_run_logger()
    started = time.monotonic()
    path = write_dashboard(db, out_dir, days=days)
    with wdb.reader(db) as con:
        articles = con.execute(q("marts.sql", "dashboard_totals")).fetchall()[0][0]
    log.info("dashboard %s rewritten (%d articles) after ingest run %s", path, articles, trigger_run_id)
    try:
        from prefect.artifacts import create_link_artifact

        create_link_artifact(link=path.resolve().as_uri(), link_text=str(path), key="newsmill-dashboard",
                             description="The newsmill dashboard page, rewritten after each load")
    except Exception as e:  # noqa: BLE001 - the page is written; a missing artifact is cosmetic
        log.warning("could not create the dashboard link artifact: %s", e)
    rid = flow_run.get_id()
    return RunSummary(run_id=str(rid) if rid else str(uuid.uuid4()), flow="refresh", status="completed", db=db,
                      seconds=round(time.monotonic() - started, 3),
                      extra={"path": str(path), "articles": articles, "trigger_run_id": trigger_run_id}).to_json()
