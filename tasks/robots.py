"""robots.txt: fetched once per host and cached, parsed by Protego (Scrapy's parser).

Protego understands what news sites actually write (``*`` and ``$`` wildcards, ``Allow`` overriding
``Disallow`` by specificity, ``Crawl-delay``), which the standard library's parser does not. Status
handling follows RFC 9309: a 4xx robots.txt means "no rules" (crawl everything); a 429, a 5xx or an
unreachable server means "assume complete disallow" for now, recorded as ``robots_disallowed``
(or as the network error class when the host cannot be reached at all).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from newsmill.config import FetchOptions
from newsmill.outcomes import ErrorClass

if TYPE_CHECKING:
    from newsmill.tasks.fetch import PoliteFetcher

log = logging.getLogger(__name__)

# RFC 9309 2.3.1.4: a robots.txt that cannot be had because of the network or the server means
# "assume complete disallow"; an answer the client could not read (cut off, malformed) is one.
_NETWORK_ERRORS = {ErrorClass.TIMEOUT, ErrorClass.CONNECTION, ErrorClass.DNS, ErrorClass.BAD_RESPONSE,
                   ErrorClass.INTERNAL_ERROR}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    error: str | None = None  # robots_disallowed, or the network error class
    detail: str = ""
    crawl_delay: float | None = None


@dataclass
class _Entry:
    parser: Protego | None  # None: no usable rules
    allow_all: bool
    failure: tuple[str, str] | None  # (error class, detail) when the server was unreachable
    fetched: float


def robots_url(url: str) -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, "/robots.txt", "", ""))


class RobotsCache:
    """robots.txt per ``scheme://host:port``, fetched once per ``ttl`` seconds through the
    polite fetcher (so the robots request keeps the host interval too)."""

    def __init__(self, agent: str, ttl: float):
        self.agent = agent
        self.ttl = ttl
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._entries: dict[str, _Entry] = {}

    def _host_lock(self, key: str) -> threading.Lock:
        with self._lock:
            return self._host_locks.setdefault(key, threading.Lock())

    def entry(self, url: str, fetcher: "PoliteFetcher", trusted: frozenset[str] | None = None) -> _Entry:
        key = robots_url(url)
        with self._host_lock(key):  # one fetch per host even when many threads ask at once
            e = self._entries.get(key)
            if e is not None and time.monotonic() - e.fetched < self.ttl:
                return e
            e = self._load(key, url, fetcher, trusted)
            self._entries[key] = e
            return e

    def _load(self, key: str, url: str, fetcher: "PoliteFetcher", trusted: frozenset[str] | None) -> _Entry:
        # robots.txt is fetched under the trust of the URL it is asked for: its address is
        # checked (and connected to as checked) like the article's own, since a name can answer
        # another address for the second request than for the first (DNS rebinding).
        page = fetcher.fetch(key, kind="robots", trusted=trusted)
        now = time.monotonic()
        code = page.status_code
        if page.ok:
            text = page.body.decode("utf-8", errors="replace")
            try:
                return _Entry(Protego.parse(text), False, None, now)
            except Exception as exc:  # Protego on hostile input: treat as "no rules", say so
                log.warning("robots.txt at %s could not be parsed (%s); crawling without rules", key, exc)
                return _Entry(None, True, None, now)
        if page.error in _NETWORK_ERRORS:
            return _Entry(None, False, (page.error, f"robots.txt unreachable: {page.error_detail}"), now)
        if code is not None and 400 <= code < 500 and code != 429:
            return _Entry(None, True, None, now)
        if code == 429 or (code is not None and code >= 500):
            return _Entry(None, False, (ErrorClass.ROBOTS_DISALLOWED,
                                        f"robots.txt answered HTTP {code}: RFC 9309 says assume "
                                        "complete disallow until it is reachable"), now)
        # Anything else (too large, not text, redirect refused): no rules we can read.
        log.info("robots.txt at %s unusable (%s: %s); crawling without rules", key, page.error, page.error_detail)
        return _Entry(None, True, None, now)

    def decide(self, url: str, fetcher: "PoliteFetcher", trusted: frozenset[str] | None = None) -> Decision:
        """May ``url`` be fetched? ``trusted``: as for the URL's own fetch (None: the user gave it)."""
        e = self.entry(url, fetcher, trusted)
        if e.failure is not None:
            return Decision(False, e.failure[0], e.failure[1])
        if e.parser is None:
            return Decision(True)
        delay = e.parser.crawl_delay(self.agent)
        if not e.parser.can_fetch(url, self.agent):
            return Decision(False, ErrorClass.ROBOTS_DISALLOWED, f"robots.txt disallows {urlsplit(url).path or '/'} "
                            f"for user-agent {self.agent}", delay)
        return Decision(True, crawl_delay=float(delay) if delay else None)


_SHARED: dict[tuple[str, float], RobotsCache] = {}
_SHARED_LOCK = threading.Lock()


def shared_robots(opts: FetchOptions) -> RobotsCache:
    with _SHARED_LOCK:
        key = (opts.robots_agent, opts.robots_ttl)
        cache = _SHARED.get(key)
        if cache is None:
            cache = _SHARED[key] = RobotsCache(opts.robots_agent, opts.robots_ttl)
        return cache


def clear_shared() -> None:
    """Forget every host's robots.txt kept for this process (tests: servers reuse ports)."""
    with _SHARED_LOCK:
        _SHARED.clear()
