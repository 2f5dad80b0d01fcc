"""The discovery step of the ingest flow: sources -> the URLs this run fetches, with their trust.

Network work (feeds, sitemaps, robots.txt) happens without holding the database; the warehouse
is opened twice, briefly: to read feed validators and when each source was last polled, then to
record what was found and pick the URLs that are due (new, changed, or worth a retry).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsmill.config import Config
from newsmill.sources import Source
from newsmill.tasks.discover import Discovery, discover_source
from newsmill.tasks.fetch import FetchPlan, HostLimiter, PoliteFetcher, host_key
from newsmill.warehouse import db
from newsmill.warehouse import discovery as wdisc


@dataclass
class DiscoveryOutcome:
    urls: list[str]  # what to fetch: the user's URLs first, then due URLs interleaved by host
    plan: FetchPlan
    found: int = 0  # article URLs the sources listed this run
    sources: dict[str, dict] = field(default_factory=dict)  # per source: found, due, skipped, ...
    failures: list[dict] = field(default_factory=list)  # feeds/sitemaps that could not be read


def interleave(urls: list[str]) -> list[str]:
    """Round-robin over hosts, so one slow host's interval does not hold a whole batch."""
    queues: OrderedDict[str, list[str]] = OrderedDict()
    for u in urls:
        queues.setdefault(host_key(u), []).append(u)
    out: list[str] = []
    while queues:
        for key in list(queues):
            out.append(queues[key].pop(0))
            if not queues[key]:
                del queues[key]
    return out


def _doc_row(d, run_id: str) -> dict:
    p = d.page
    f = d.failure
    return {"doc_url": d.url, "source": d.source, "kind": d.kind, "status_code": p.status_code,
            "not_modified": p.not_modified, "error": f.error if f else None,
            "error_detail": f.detail if f else p.error_detail,
            "urls_found": d.urls_found, "etag": p.etag, "last_modified": p.last_modified,
            "content_hash": d.content_hash, "fetched_at": p.fetched_at, "run_id": run_id}


def _slow_down(host_interval: dict[str, float], url: str, interval: float | None) -> None:
    """A source's own ``interval`` holds for its hosts (the slowest source of a host wins)."""
    if interval is not None:
        k = host_key(url)
        host_interval[k] = max(host_interval.get(k, interval), interval)


def _read(active: list[Source], cfg: Config, validators: dict, host_interval: dict[str, float],
          limiter: HostLimiter | None) -> list[Discovery]:
    """Read the due sources' feeds, sitemaps and URL lists, politely, without holding the database."""
    fo = cfg.fetch
    for s in active:
        for u in (*s.feeds, *s.sitemaps, *s.urls):
            _slow_down(host_interval, u, s.interval)
    fetcher = PoliteFetcher(fo, FetchPlan(host_interval=host_interval), limiter)
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(len(active), fo.concurrency)),
                                thread_name_prefix="discover") as pool:
            return list(pool.map(lambda s: discover_source(s, fo, fetcher, validators.get(s.name)), active))
    finally:
        fetcher.close()


def _choose(con, d: Discovery, s: Source, cfg: Config, run_id: str, now: datetime, plan: FetchPlan,
            chosen: list[str]) -> dict:
    """The URLs of one source that are due this run (into ``chosen`` and ``plan``); its stats."""
    fo = cfg.fetch
    rows = wdisc.due(con, s.name, run_id, limit=s.max_urls or fo.max_urls_per_source,
                     revisit_after=s.revisit_after if s.revisit_after is not None else fo.revisit_after, now=now)
    given = {f.url for f in d.found if f.via == "urls"}
    reasons: dict[str, int] = {}
    for url, reason in rows:
        reasons[reason] = reasons.get(reason, 0) + 1
        plan.sources[url] = s.name
        if url not in given:  # the source's own URL list is the user's word: trusted
            plan.trusted[url] = s.hosts
        _slow_down(plan.host_interval, url, s.interval)
        chosen.append(url)
    return {
        "polled": True, "found": len(d.found), "due": len(rows), "reasons": reasons,
        "skipped": dict(sorted(d.skipped.items())),
        "docs": len(d.docs), "docs_unchanged": sum(1 for x in d.docs if x.page.not_modified),
        "docs_failed": sum(1 for x in d.docs if x.failure is not None),
    }


def discover_step(sources: list[Source], cfg: Config, run_id: str, log: logging.Logger | logging.LoggerAdapter,
                  user_urls: list[str] | None = None, limiter: HostLimiter | None = None,
                  force: bool = False) -> DiscoveryOutcome:
    """Discover, record and choose. ``force`` polls every source whatever its schedule."""
    now = datetime.now(UTC)
    with db.writer(cfg.load.db_path, cfg.load.lock_timeout) as con:
        polled = wdisc.last_polled(con)
        validators = {s.name: wdisc.doc_validators(con, s.name) for s in sources}
    stats: dict[str, dict] = {}
    active = []
    for s in sources:
        reason = None if force else s.not_due(polled.get(s.name), now)  # the one due-check
        if reason:
            stats[s.name] = {"polled": False, "reason": reason}
            log.info("source %s not due (schedule %s)", s.name, s.schedule)
        else:
            active.append(s)
    plan = FetchPlan(trusted={}, host_interval={}, sources={})
    discs = _read(active, cfg, validators, plan.host_interval, limiter)
    docs = [_doc_row(doc, run_id) for d in discs for doc in d.docs]
    failures = [{**doc.failure.to_json(), "source": d.source, "kind": doc.kind}
                for d in discs for doc in d.docs if doc.failure is not None]
    found_rows = [{"url": f.url, "source": f.source, "via": f.via, "lastmod": f.lastmod, "title": f.title,
                   "language": f.language, "seen_at": now, "run_id": run_id} for d in discs for f in d.found]
    by_source, chosen = {s.name: s for s in active}, []
    with db.writer(cfg.load.db_path, cfg.load.lock_timeout) as con:
        wdisc.record(con, docs, found_rows)
        for d in discs:
            stats[d.source] = st = _choose(con, d, by_source[d.source], cfg, run_id, now, plan, chosen)
            log.info("source %s: %d URLs listed, %d due (%s)", d.source, st["found"], st["due"],
                     ", ".join(f"{k} {v}" for k, v in sorted(st["reasons"].items())) or "none")
        wdisc.mark_due(con, chosen, now)
    user = list(dict.fromkeys(user_urls or []))
    given_by_user = set(user)
    rest = [u for u in dict.fromkeys(chosen) if u not in given_by_user]
    return DiscoveryOutcome(urls=user + interleave(rest), plan=plan, found=len(found_rows),
                            sources=stats, failures=failures)
