"""What can come of a URL and of a run, as types.

:class:`ErrorClass` names why a URL gave no article; its values are the strings the warehouse
stores in ``fetches.error`` and ``runs.errors`` (unchanged since schema v1), so SQL and
dashboards keep working. :class:`FetchOutcome` is what a fetch came to (``fetches.outcome``).
:class:`RunSummary` is the one result every flow returns and the CLI prints.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)
_HTTP = re.compile(r"http_[1-5]\d\d")
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class ErrorClass(StrEnum):
    """Why a URL (or a feed/sitemap) gave nothing; stored as its value.

    ``http_<status>`` exists for every HTTP status (``ErrorClass.http(404)``); the other members
    are listed here. Transient classes (:attr:`transient`) are retried by the fetch stage and
    picked up again by discovery on a later run; the rest are terminal.
    """

    TIMEOUT = "timeout"  # connect or read time ran out (transient)
    CONNECTION = "connection"  # refused, reset, TLS failure (transient)
    DNS = "dns"  # the host does not resolve
    BAD_URL = "bad_url"  # not an http(s) URL, or one that cannot be requested
    BLOCKED_ADDRESS = "blocked_address"  # resolves to a private, loopback or link-local address
    ROBOTS_DISALLOWED = "robots_disallowed"  # robots.txt forbids it for our user agent
    TOO_MANY_REDIRECTS = "too_many_redirects"
    BAD_RESPONSE = "bad_response"  # the server's answer broke the HTTP client (malformed headers, ...)
    TOO_LARGE = "too_large"  # body over fetch.max_bytes (or the XML limit)
    NOT_HTML = "not_html"  # a PDF, an image, JSON, ...
    PARSE_ERROR = "parse_error"  # undecodable body, broken XML, HTML that does not parse
    EXTRACT_EMPTY = "extract_empty"  # parsed, but no article text in it
    EXTRACT_TIMEOUT = "extract_timeout"  # parsing/extraction ran past extract.page_timeout: worker stopped
    ENRICH_TIMEOUT = "enrich_timeout"  # entity/quote extraction ran past its budget: worker stopped
    CANONICAL_CONFLICT = "canonical_conflict"  # its canonical URL is another site's article: not overwritten
    RAW_PAGE_CORRUPT = "raw_page_corrupt"  # reenrich: the kept HTML does not decompress
    INTERNAL_ERROR = "internal_error"  # an unexpected exception for this URL (a bug: report it)
    UNKNOWN = "unknown"  # no class was given (a bug: report it)

    @classmethod
    def _missing_(cls, value: object) -> ErrorClass | None:
        # one pseudo-member per HTTP status, made on first use, so http_404 is an ErrorClass too.
        # An undeclared class is kept as it is (a failure must never be lost to a typo), loudly.
        if isinstance(value, str) and _NAME.fullmatch(value):
            if not _HTTP.fullmatch(value):
                log.warning("error class %r is not declared in newsmill.outcomes.ErrorClass", value)
            member = str.__new__(cls, value)
            member._name_ = value.upper()
            member._value_ = value
            return cls._value2member_map_.setdefault(value, member)
        return None

    @classmethod
    def http(cls, status: int) -> ErrorClass:
        """The class of an HTTP error status: ``http(404)`` is ``http_404``."""
        return cls(f"http_{status}")

    @property
    def transient(self) -> bool:
        """Worth another try later: time-outs, lost connections, 429 and 5xx."""
        return self in (ErrorClass.TIMEOUT, ErrorClass.CONNECTION, ErrorClass.DNS) or \
            self.value == "http_429" or self.value.startswith("http_5")


class FetchOutcome(StrEnum):
    """What one fetch of a URL came to; ``fetches.outcome`` stores :attr:`stored`."""

    NEW = "new"  # an article the warehouse did not have
    UPDATED = "updated"  # a known article whose text or title changed
    UNCHANGED = "unchanged"  # fetched and extracted, same content (or a second URL of an article)
    NOT_MODIFIED = "not_modified"  # HTTP 304, or the very body the article was built from
    FAILED = "failed"  # no article: see the ErrorClass

    @property
    def stored(self) -> str:
        """The value kept in ``fetches.outcome`` (a 304 is recorded as ``unchanged``)."""
        return FetchOutcome.UNCHANGED.value if self is FetchOutcome.NOT_MODIFIED else self.value


class RunStatus(StrEnum):
    """What a run came to; ``runs.status`` stores the value. The CLI's exit status and the Prefect
    flow run's final state follow it: completed 0 / Completed, failed 1 / Failed, interrupted
    130 (Ctrl-C) or 143 (SIGTERM) / Cancelled."""

    RUNNING = "running"  # still going, or its process died (until it is marked interrupted)
    COMPLETED = "completed"  # every batch loaded and the readers' snapshot published
    FAILED = "failed"  # stopped by an error (the message says which); its committed batches are kept
    INTERRUPTED = "interrupted"  # stopped by a signal, or its process is gone; committed batches kept


# Keys every summary has, in the order the CLI prints them.
COUNTS = ("urls", "fetched", "loaded", "new", "updated", "unchanged", "failed")


@dataclass
class RunSummary:
    """The result of any flow run (ingest, reenrich, scale-out worker and merge).

    Counts are articles (``new``, ``updated``, ``unchanged``, ``loaded`` = new + updated) or URLs
    (``urls`` asked, ``fetched`` with HTTP 2xx, ``failed``). ``errors`` counts failures by
    :class:`ErrorClass` value; ``failures`` lists the first of them as
    ``{"url", "error", "detail"}``. ``extra`` holds what only one flow reports (a shard, the
    staging folder, quotes found, ...); :meth:`to_json` flattens it into the top level.
    """

    run_id: str
    flow: str
    status: str  # a RunStatus value: running | completed | failed | interrupted
    db: str | None
    urls: int = 0
    fetched: int = 0
    loaded: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    new_articles: list[str] = field(default_factory=list)
    seconds: float = 0.0
    discovered: int = 0  # article URLs the sources' feeds/sitemaps/lists gave this run
    sources: dict[str, dict] = field(default_factory=dict)  # per source: found, due, skipped, ...
    extra: dict[str, Any] = field(default_factory=dict)

    def add_counts(self, counts: Any) -> None:
        """Take the counts of a :class:`newsmill.warehouse.loader.BatchCounts` total."""
        self.fetched, self.new, self.updated = counts.fetched, counts.new, counts.updated
        self.unchanged, self.failed, self.loaded = counts.unchanged, counts.failed, counts.loaded
        self.errors = {str(k): v for k, v in sorted(counts.errors.items())}
        self.new_articles = list(counts.new_articles)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        extra = d.pop("extra")
        d["errors"] = {str(k): v for k, v in d["errors"].items()}
        return {**d, **extra}
