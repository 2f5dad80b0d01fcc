"""What a successful load tells the world: a Prefect event, a webhook POST, a run summary artifact.

Dashboards hang off a load in two ways. Inside Prefect, the event ``newsmill.warehouse.updated``
can trigger any deployment (see deployments/serve.py: the ``refresh`` deployment). Outside it, a
configured webhook receives the same payload as JSON. Neither ever fails the load: the data is
committed by then, so a dead receiver is recorded in the ``notifications`` table and logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from newsmill import USER_AGENT, __version__
from newsmill.config import Config, NotifyOptions
from newsmill.warehouse import db
from newsmill.warehouse.sql import q

log = logging.getLogger(__name__)

EVENT = "newsmill.warehouse.updated"
RESOURCE_PREFIX = "newsmill.warehouse."
COUNT_KEYS = ("urls", "fetched", "loaded", "new", "updated", "unchanged", "failed")
MAX_IDS = 100  # article ids listed in a payload; the count is always complete


def warehouse_resource_id(db_path: str) -> str:
    return RESOURCE_PREFIX + str(Path(db_path).resolve())


def changed_rows(summary: dict, flow: str) -> bool:
    """Did the run change what dashboards show? An ingest that loaded an article (new or
    updated); a re-enrich that rewrote any article's derived rows."""
    if flow == "reenrich":
        return bool(summary.get("articles") or summary.get("loaded"))
    return bool(summary.get("loaded") or summary.get("new") or summary.get("updated"))


def build_payload(summary: dict, flow: str, source: str | None, started_at: datetime | None = None) -> dict:
    """The JSON both the event and the webhook carry (documented in docs/events-and-dashboards.md)."""
    path = str(Path(summary["db"]).resolve())
    new_ids = list(summary.get("new_articles") or [])
    return {
        "event": EVENT,
        "run_id": summary["run_id"],
        "flow": flow,
        "source": source,
        "status": summary["status"],
        "db": path,
        "snapshot": str(db.snapshot_path(path)),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": summary.get("seconds"),
        "counts": {k: summary.get(k, 0) for k in COUNT_KEYS if k in summary},
        "changed": changed_rows(summary, flow),
        "errors": summary.get("errors") or {},
        "new_article_ids": new_ids[:MAX_IDS],
        "newsmill_version": __version__,
    }


# ---- Prefect event -------------------------------------------------------------------------------

def emit_updated(payload: dict) -> str | None:
    """Emit ``newsmill.warehouse.updated``; returns the event id, or None when events are off."""
    from prefect.events import emit_event

    related = []
    if payload.get("source"):
        related.append({"prefect.resource.id": f"newsmill.source.{payload['source']}",
                        "prefect.resource.role": "source", "prefect.resource.name": payload["source"]})
    event = emit_event(
        EVENT,
        resource={"prefect.resource.id": warehouse_resource_id(payload["db"]),
                  "prefect.resource.name": Path(payload["db"]).name,
                  "newsmill.source": payload.get("source") or "",
                  # what the dashboard refresh trigger matches on (deployments/serve.py)
                  "newsmill.changed": "true" if payload.get("changed") else "false"},
        related=related,
        payload=payload,
    )
    return str(event.id) if event is not None else None


# ---- webhook -------------------------------------------------------------------------------------

@dataclass
class Delivery:
    target: str
    status: str  # sent | failed
    attempts: int
    http_status: int | None
    error: str | None
    elapsed_ms: int


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def post_webhook(url: str, payload: dict, opts: NotifyOptions, session: requests.Session | None = None) -> Delivery:
    """POST ``payload`` as JSON with a timeout per attempt and retries with back-off.

    Returns what happened; never raises for network or HTTP trouble.
    """
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Newsmill-Event": EVENT,
               "X-Newsmill-Delivery": str(uuid.uuid4())}
    if opts.webhook_secret:
        sig = hmac.new(opts.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Newsmill-Signature"] = f"sha256={sig}"
    s = session or requests.Session()
    started = time.monotonic()
    attempts, http_status, error = 0, None, None
    delay = opts.webhook_backoff
    try:
        while True:
            attempts += 1
            retry = False
            try:
                r = s.post(url, data=body, headers=headers, timeout=(opts.webhook_timeout, opts.webhook_timeout),
                           allow_redirects=False)
                http_status = r.status_code
                r.close()
                if 200 <= r.status_code < 300:
                    error = None
                    break
                error = f"HTTP {r.status_code}"
                retry = _retryable(r.status_code)
            except requests.Timeout as e:
                http_status, error, retry = None, f"timeout after {opts.webhook_timeout:g}s ({type(e).__name__})", True
            except requests.ConnectionError as e:
                http_status, error, retry = None, f"connection error: {str(e).splitlines()[0][:300]}", True
            except requests.RequestException as e:  # invalid URL, too many redirects: retrying won't help
                http_status, error, retry = None, f"{type(e).__name__}: {str(e)[:300]}", False
            if not retry or attempts > opts.webhook_retries:
                break
            log.info("webhook %s attempt %d failed (%s); retrying in %.1fs", url, attempts, error, delay)
            time.sleep(delay)
            delay *= 2
    finally:
        if session is None:
            s.close()
    elapsed = int((time.monotonic() - started) * 1000)
    status = "sent" if error is None else "failed"
    if error:
        log.warning("webhook %s failed after %d attempt(s): %s (the load itself succeeded)", url, attempts, error)
    return Delivery(url, status, attempts, http_status, error, elapsed)


def record(db_path: str, run_id: str, channel: str, d: Delivery, payload: dict, lock_timeout: float,
           snapshot: bool) -> bool:
    """Write one ``notifications`` row; False (and a log line) when the warehouse is busy."""
    try:
        with db.writer(db_path, lock_timeout, snapshot=snapshot) as con:
            con.execute(q("marts.sql", "notification_insert"), {
                "notification_id": str(uuid.uuid4()), "run_id": run_id, "channel": channel, "target": d.target,
                "status": d.status, "attempts": d.attempts, "http_status": d.http_status, "error": d.error,
                "payload": json.dumps(payload, default=str), "created_at": datetime.now(UTC),
                "elapsed_ms": d.elapsed_ms})
        return True
    except db.WarehouseError as e:
        log.error("could not record the %s notification of run %s: %s", channel, run_id, e)
        return False


# ---- run summary artifact ------------------------------------------------------------------------

def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "all"


def _md(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def run_details(db_path: str, ids: list[str], limit: int = 10) -> dict[str, list[tuple]]:
    """New articles, top entities and quotes of the articles a run loaded, from the snapshot."""
    with db.reader(db_path) as con:
        return {
            "articles": con.execute(q("marts.sql", "run_articles"), {"ids": ids, "limit": limit}).fetchall(),
            "entities": con.execute(q("marts.sql", "run_top_entities"), {"ids": ids, "limit": limit}).fetchall(),
            "quotes": con.execute(q("marts.sql", "run_quotes"), {"ids": ids, "limit": limit}).fetchall(),
        }


def summary_markdown(payload: dict, details: dict[str, list[tuple]], title: str) -> str:
    c = payload["counts"]
    lines = [f"# {title}", "",
             f"Run `{payload['run_id']}` {payload['status']} in {payload.get('seconds') or 0:.1f}s "
             f"-> `{payload['db']}`", "",
             "| outcome | pages |", "| --- | ---: |"]
    lines += [f"| {k} | {c[k]} |" for k in COUNT_KEYS if k in c]
    if payload["errors"]:
        lines += ["", "**Failures by class:** " + ", ".join(f"{k} {v}" for k, v in payload["errors"].items())]
    lines += ["", f"## New articles ({c.get('new', 0)})", ""]
    if details["articles"]:
        lines += [f"- {day} · {_md(src)} · [{_md(t) or url}]({url})" for t, url, src, day in details["articles"]]
    else:
        lines.append("_none_")
    lines += ["", "## Top entities", ""]
    if details["entities"]:
        lines += ["| entity | type | mentions | articles |", "| --- | --- | ---: | ---: |"]
        lines += [f"| {_md(n)} | {t} | {m} | {a} |" for n, t, m, a in details["entities"]]
    else:
        lines.append("_none_")
    lines += ["", "## New quotes", ""]
    if details["quotes"]:
        lines += [f"- **{_md(sp) or 'unattributed'}**: “{_md(qt)}” ([{_md(t)}]({url}))"
                  for sp, qt, t, url in details["quotes"]]
    else:
        lines.append("_none_")
    return "\n".join(lines) + "\n"


def create_summary_artifacts(payload: dict, details: dict[str, list[tuple]]) -> None:
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    name = payload.get("source") or "urls"
    key = f"{_slug(payload['flow'])}-{_slug(name)}"
    title = f"{payload['flow']} {name}"
    create_markdown_artifact(markdown=summary_markdown(payload, details, title), key=key,
                             description=f"newsmill {title}: counts, new articles, top entities, new quotes")
    c = payload["counts"]
    create_table_artifact(table=[{"outcome": k, "pages": c[k]} for k in COUNT_KEYS if k in c],
                          key=f"{key}-counts", description=f"newsmill {title}: pages by outcome")


# ---- after a load --------------------------------------------------------------------------------

def after_load(summary: dict, cfg: Config, flow: str, source: str | None = None,
               changed_ids: list[str] | None = None) -> dict:
    """Artifact, event and webhook for a completed run; returns what was done, never raises for them."""
    payload = build_payload(summary, flow, source)
    done: dict[str, Any] = {"payload": payload, "event_id": None, "webhook": None, "artifact": False}
    if summary.get("status") != "completed":
        return done
    opts = cfg.notify
    if opts.artifact:
        try:
            ids = changed_ids if changed_ids is not None else list(summary.get("new_articles") or [])
            create_summary_artifacts(payload, run_details(cfg.load.db_path, ids))
            done["artifact"] = True
        except Exception as e:  # noqa: BLE001 - an artifact is a courtesy; the load is committed
            log.warning("could not create the run summary artifact: %s: %s", type(e).__name__, e)
    if opts.events:
        try:
            done["event_id"] = emit_updated(payload)
        except Exception as e:  # noqa: BLE001 - Prefect API trouble must not fail a committed load
            log.warning("could not emit %s: %s: %s", EVENT, type(e).__name__, e)
            record(cfg.load.db_path, payload["run_id"], "event",
                   Delivery(EVENT, "failed", 1, None, f"{type(e).__name__}: {e}"[:500], 0), payload,
                   cfg.load.lock_timeout, cfg.load.snapshot)
    if opts.webhook_url:
        d = post_webhook(opts.webhook_url, payload, opts)
        record(cfg.load.db_path, payload["run_id"], "webhook", d, payload, cfg.load.lock_timeout, cfg.load.snapshot)
        done["webhook"] = d.__dict__
    return done
