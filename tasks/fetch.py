"""Fetch stage: HTTP GET of article pages with limits, retries and error classes.

Every URL yields one :class:`FetchedPage`. Failures are not exceptions: they come back with an
``error`` class (``timeout``, ``http_404``, ``not_html``, ``too_large``, ...) that the loader
records in ``fetches``. Transient failures (timeouts, connection errors, 429, 5xx) are retried
here, per URL, with exponential back-off, jitter and ``Retry-After``; only when the retries are
spent does the page come back as failed, so one slow site never fails a whole batch.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from bs4.dammit import EncodingDetector

from newsmill.config import FetchOptions
from newsmill.records import FetchedPage

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
RETRY_STATUS = {429, 500, 502, 503, 504}
_CHUNK = 64 * 1024


class _Terminal(Exception):
    def __init__(self, error: str, detail: str, response: requests.Response | None = None):
        super().__init__(detail)
        self.error = error
        self.detail = detail
        self.response = response


class _Transient(_Terminal):
    def __init__(self, error: str, detail: str, response=None, retry_after: float | None = None):
        super().__init__(error, detail, response)
        self.retry_after = retry_after


def make_session(opts: FetchOptions) -> requests.Session:
    s = requests.Session()
    s.headers.update(
        {
            "User-Agent": opts.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        }
    )
    s.max_redirects = opts.max_redirects
    adapter = requests.adapters.HTTPAdapter(
        pool_connections=max(4, opts.concurrency), pool_maxsize=max(4, opts.concurrency)
    )
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _sniff_html(head: bytes) -> bool:
    h = head.lstrip()[:512].lower()
    if h.startswith(b"%pdf") or h.startswith(b"\x89png") or h.startswith(b"gif8"):
        return False
    return b"<html" in h or b"<!doctype html" in h or b"<head" in h or b"<body" in h or b"<div" in h


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.I)


def detect_encoding(body: bytes, content_type: str | None) -> str:
    """HTTP charset, then <meta charset>, then a statistical guess; always a usable codec name."""
    declared = None
    m = re.search(r"charset\s*=\s*[\"']?([\w:.-]+)", content_type or "", re.I)
    if m:
        declared = m.group(1)
    candidates = []
    if declared:
        candidates.append(declared)
    mm = _META_CHARSET.search(body[:4096])
    if mm:
        candidates.append(mm.group(1).decode("ascii", "ignore"))
    for enc in candidates:
        try:
            body.decode(enc)
            return enc.lower()
        except (LookupError, UnicodeDecodeError):
            continue
    detector = EncodingDetector(body[:200_000], is_html=True)
    for enc in detector.encodings:
        try:
            body.decode(enc)
            return enc.lower()
        except (LookupError, UnicodeDecodeError):
            continue
    return "utf-8"


def _read_body(resp: requests.Response, opts: FetchOptions, deadline: float) -> bytes:
    length = resp.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > opts.max_bytes:
        raise _Terminal("too_large", f"Content-Length {length} exceeds {opts.max_bytes} bytes", resp)
    buf = bytearray()
    # iter_content yields decompressed bytes, so this bounds a gzip bomb as well.
    for chunk in resp.iter_content(_CHUNK):
        buf += chunk
        if len(buf) > opts.max_bytes:
            raise _Terminal("too_large", f"body exceeds {opts.max_bytes} bytes", resp)
        if time.monotonic() > deadline:
            raise _Transient("timeout", f"body not complete after {opts.total_timeout:.0f}s", resp)
    return bytes(buf)


def _attempt(session: requests.Session, url: str, opts: FetchOptions, headers: dict) -> tuple[requests.Response, bytes]:
    deadline = time.monotonic() + opts.total_timeout
    try:
        resp = session.get(
            url,
            timeout=(opts.connect_timeout, opts.read_timeout),
            stream=True,
            allow_redirects=True,
            headers=headers,
        )
    except requests.exceptions.TooManyRedirects as e:
        raise _Terminal("too_many_redirects", str(e)) from None
    except requests.exceptions.InvalidSchema as e:
        raise _Terminal("bad_url", f"unsupported scheme: {e}") from None
    except (requests.exceptions.MissingSchema, requests.exceptions.InvalidURL) as e:
        raise _Terminal("bad_url", str(e)) from None
    except requests.exceptions.Timeout as e:
        raise _Transient("timeout", str(e)) from None
    except requests.exceptions.ConnectionError as e:
        text = str(e)
        kind = "dns" if ("Name or service not known" in text or "NameResolutionError" in text
                         or "nodename nor servname" in text or "getaddrinfo" in text) else "connection"
        raise _Transient(kind, text) from None
    try:
        if resp.status_code == 304:
            return resp, b""
        if resp.status_code >= 400:
            err = f"http_{resp.status_code}"
            detail = f"HTTP {resp.status_code} {resp.reason or ''}".strip()
            if resp.status_code in RETRY_STATUS:
                raise _Transient(err, detail, resp, _retry_after(resp.headers.get("Retry-After")))
            raise _Terminal(err, detail, resp)
        media = _media_type(resp.headers.get("Content-Type"))
        if media and media not in HTML_TYPES and not media.startswith("text/"):
            raise _Terminal("not_html", f"content type {media}", resp)
        try:
            body = _read_body(resp, opts, deadline)
        except requests.exceptions.ConnectionError as e:
            # urllib3 raises read timeouts mid-body as ConnectionError(ReadTimeoutError)
            if "timed out" in str(e).lower():
                raise _Transient("timeout", str(e), resp) from None
            raise _Transient("connection", str(e), resp) from None
        except requests.exceptions.ContentDecodingError as e:
            raise _Terminal("decode_error", str(e), resp) from None
        except requests.exceptions.Timeout as e:
            raise _Transient("timeout", str(e), resp) from None
        if (not media or media.startswith("text/")) and media not in HTML_TYPES and not _sniff_html(body):
            raise _Terminal("not_html", f"content type {media or 'missing'} and no HTML markup", resp)
        if media in HTML_TYPES and not _sniff_html(body) and body[:5] == b"%PDF-":
            raise _Terminal("not_html", "declared HTML but the body is a PDF", resp)
        return resp, body
    finally:
        resp.close()


def fetch_page(
    url: str,
    opts: FetchOptions,
    session: requests.Session | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    sleep=time.sleep,
) -> FetchedPage:
    """Fetch one URL, retrying transient failures; never raises for network or HTTP errors."""
    session = session or make_session(opts)
    started = time.monotonic()
    fetched_at = datetime.now(UTC)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    attempt = 0
    while True:
        attempt += 1
        try:
            resp, body = _attempt(session, url, opts, headers)
        except _Transient as e:
            wait = opts.backoff * (2 ** (attempt - 1)) * (0.5 + random.random())
            if e.retry_after is not None:
                if e.retry_after > opts.max_retry_after:
                    return _failed(url, e, fetched_at, started, attempt)
                wait = max(wait, e.retry_after)
            if attempt > opts.retries:
                return _failed(url, e, fetched_at, started, attempt)
            log.info("retrying %s in %.1fs after %s (%s)", url, wait, e.error, e.detail)
            sleep(wait)
            continue
        except _Terminal as e:
            return _failed(url, e, fetched_at, started, attempt)
        ctype = resp.headers.get("Content-Type")
        not_modified = resp.status_code == 304
        return FetchedPage(
            url=url,
            final_url=resp.url,
            status_code=resp.status_code,
            content_type=ctype,
            body=None if not_modified else body,
            encoding=None if not_modified else detect_encoding(body, ctype),
            fetched_at=fetched_at,
            elapsed_ms=int((time.monotonic() - started) * 1000),
            error="not_modified" if not_modified else None,
            error_detail="HTTP 304: unchanged since the last fetch" if not_modified else None,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            attempts=attempt,
        )


def _failed(url: str, e: _Terminal, fetched_at: datetime, started: float, attempts: int) -> FetchedPage:
    resp = e.response
    return FetchedPage(
        url=url,
        final_url=resp.url if resp is not None else None,
        status_code=resp.status_code if resp is not None else None,
        content_type=resp.headers.get("Content-Type") if resp is not None else None,
        body=None,
        encoding=None,
        fetched_at=fetched_at,
        elapsed_ms=int((time.monotonic() - started) * 1000),
        error=e.error,
        error_detail=e.detail[:500],
        attempts=attempts,
    )


class HostLimiter:
    """Per-host minimum interval and concurrency cap, shared by the fetch threads."""

    def __init__(self, interval: float, per_host: int):
        self.interval = interval
        self.per_host = max(1, per_host)
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._sems: dict[str, threading.Semaphore] = {}

    def _sem(self, host: str) -> threading.Semaphore:
        with self._lock:
            return self._sems.setdefault(host, threading.BoundedSemaphore(self.per_host))

    def acquire(self, host: str, interval: float | None = None) -> None:
        self._sem(host).acquire()
        gap = self.interval if interval is None else interval
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + gap
        if start > now:
            time.sleep(start - now)

    def release(self, host: str) -> None:
        self._sem(host).release()


def fetch_pages(
    urls: Iterable[str],
    opts: FetchOptions,
    validators: dict[str, tuple[str | None, str | None]] | None = None,
    limiter: HostLimiter | None = None,
) -> Iterator[FetchedPage]:
    """Fetch many URLs concurrently under the global and per-host limits, in input order."""
    validators = validators or {}
    limiter = limiter or HostLimiter(opts.per_host_interval, opts.per_host_concurrency)
    session = make_session(opts)

    def one(url: str) -> FetchedPage:
        host = (urlsplit(url).hostname or "").lower()
        limiter.acquire(host)
        try:
            etag, lm = validators.get(url, (None, None))
            return fetch_page(url, opts, session, etag=etag, last_modified=lm)
        finally:
            limiter.release(host)

    with ThreadPoolExecutor(max_workers=max(1, opts.concurrency), thread_name_prefix="fetch") as pool:
        yield from pool.map(one, list(urls))
    session.close()
