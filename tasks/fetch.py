"""Fetch stage: HTTP GET of article pages with limits, retries and error classes.

Every URL yields one :class:`FetchedPage`. Failures are not exceptions: they come back with an
``error`` class (``timeout``, ``http_404``, ``not_html``, ``too_large``, ...) that the loader
records in ``fetches``. Transient failures (timeouts, connection errors, 429, 5xx) are retried
here, per URL, with exponential back-off, jitter and ``Retry-After``; only when the retries are
spent does the page come back as failed, so one slow site never fails a whole batch.

Redirects are followed here, hop by hop, so that every ``Location`` passes the address check of
:mod:`newsmill.tasks.safety` (a redirect to another internal host is ``blocked_address``) and a
loop stops at its first repeat. :func:`fetch_pages` adds politeness: robots.txt (cached per host,
with its crawl-delay), a per-host minimum interval and concurrency cap shared by every fetch of the
process (feeds, sitemaps, robots.txt and articles alike), and a global concurrency cap.
"""

from __future__ import annotations

import email.utils
import heapq
import itertools
import logging
import random
import re
import socket
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
import urllib3.util.connection

from newsmill.config import FetchOptions
from newsmill.outcomes import ErrorClass
from newsmill.records import FetchedPage
from newsmill.tasks import safety
from newsmill.tasks.encoding import detect_encoding

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
RETRY_STATUS = {429, 500, 502, 503, 504}
REDIRECT_STATUS = {301, 302, 303, 307, 308}
# Binary types that are never a feed, a sitemap or robots.txt.
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/")
_BINARY_TYPES = {"application/pdf", "application/zip", "application/octet-stream-binary",
                 "application/msword", "application/vnd.ms-excel"}
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: parse at least the first 500 KiB
_CHUNK = 64 * 1024


class _Terminal(Exception):
    def __init__(self, error: ErrorClass, detail: str, response: requests.Response | None = None):
        super().__init__(detail)
        self.error = error
        self.detail = detail
        self.response = response


class _Transient(_Terminal):
    def __init__(self, error: str, detail: str, response=None, retry_after: float | None = None):
        super().__init__(error, detail, response)
        self.retry_after = retry_after


class _Watchdog:
    """Enforces ``total_timeout`` on everything a fetch does on the network.

    requests' timeouts are per socket operation: a server that sends one header line a second
    never trips a 20 s read timeout. So each fetch attempt registers a deadline here, the
    connections it uses register their sockets under it (see :class:`_WatchedHTTPConnection`),
    and one daemon thread shuts those sockets down when the deadline passes; the blocked read
    then fails at once and the attempt is recorded as ``timeout``.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._socks: dict[int, list[socket.socket]] = {}
        self._fired: set[int] = set()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def begin(self, deadline: float) -> int:
        with self._cond:
            token = next(self._ids)
            self._socks[token] = []
            heapq.heappush(self._heap, (deadline, token))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="fetch-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()
            return token

    def add(self, token: int, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._cond:
            if token in self._fired:
                _shutdown(sock)
            elif token in self._socks:
                self._socks[token].append(sock)

    def end(self, token: int) -> bool:
        """Stop watching; True when the deadline had passed and sockets were shut down."""
        with self._cond:
            self._socks.pop(token, None)
            fired = token in self._fired
            self._fired.discard(token)
            return fired

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                deadline, token = self._heap[0]
                now = time.monotonic()
                if deadline > now:
                    self._cond.wait(deadline - now)
                    continue
                heapq.heappop(self._heap)
                socks = self._socks.get(token)
                if socks is None:
                    continue  # the attempt finished in time
                self._fired.add(token)
                for sock in socks:
                    _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


_WATCHDOG = _Watchdog()
_current = threading.local()  # .token: the deadline of the attempt this thread is running


def _watch(sock) -> None:
    token = getattr(_current, "token", None)
    if token is not None:
        _WATCHDOG.add(token, sock)


def _pinned(conn) -> tuple[str, ...] | None:
    """The addresses the request this thread is making was checked at, when ``conn`` is the
    connection for it (same host and port; a proxy's connection is not), else None."""
    pin: safety.Vetted | None = getattr(_current, "pin", None)
    if pin is None or not pin.addresses:
        return None
    if (conn.host or "").strip("[]").lower().rstrip(".") != pin.target.host or conn.port != pin.target.port:
        return None
    return pin.addresses


def _connect_pinned(conn, addresses: tuple[str, ...]) -> socket.socket:
    """Connect to the first of ``addresses`` that answers, never resolving the name again; the
    Host header, TLS SNI and certificate check still use the name (urllib3 takes them from
    ``conn.host``)."""
    err: Exception | None = None
    for address in addresses:
        try:
            return urllib3.util.connection.create_connection(
                (address, conn.port), conn.timeout, source_address=conn.source_address,
                socket_options=conn.socket_options)
        except TimeoutError as e:
            raise urllib3.exceptions.ConnectTimeoutError(
                conn, f"Connection to {conn.host} ({address}) timed out. (connect timeout={conn.timeout})") from e
        except OSError as e:
            err = e
    raise urllib3.exceptions.NewConnectionError(conn, f"Failed to establish a new connection to the checked "
                                                      f"address(es) {', '.join(addresses)}: {err}")


class _PinnedConnection:
    """Connections that go where the address check said (see :class:`safety.Vetted`), and that
    the fetch deadline watches."""

    def _new_conn(self) -> socket.socket:
        addresses = _pinned(self)
        if addresses is None:
            return super()._new_conn()
        return _connect_pinned(self, addresses)

    def connect(self) -> None:
        super().connect()
        _watch(self.sock)

    def request(self, *args, **kwargs):
        addresses = _pinned(self)
        if addresses is not None and self.sock is not None and _peer(self.sock) not in addresses:
            # a kept-alive connection opened for another request, to an address this one was
            # not checked at: open a new one
            self.close()
            self.connect()
        _watch(self.sock)  # a kept-alive connection: its socket serves this attempt now
        return super().request(*args, **kwargs)


def _peer(sock) -> str | None:
    try:
        return str(sock.getpeername()[0])
    except (OSError, IndexError, TypeError):
        return None


class _WatchedHTTPConnection(_PinnedConnection, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_PinnedConnection, urllib3.connection.HTTPSConnection):
    pass


class _WatchedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _Adapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


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
    adapter = _Adapter(
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


# how page bytes become text (browsers' WHATWG rules) lives in .encoding


def _limit_for(kind: str, opts: FetchOptions) -> int:
    if kind == "xml":
        return opts.max_xml_bytes
    if kind == "robots":
        return ROBOTS_MAX_BYTES
    return opts.max_bytes


def _read_body(resp: requests.Response, opts: FetchOptions, deadline: float, limit: int | None = None,
               truncate: bool = False) -> bytes:
    limit = opts.max_bytes if limit is None else limit
    length = resp.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > limit and not truncate:
        raise _Terminal(ErrorClass.TOO_LARGE, f"Content-Length {length} exceeds {limit} bytes", resp)
    buf = bytearray()
    # read1 returns as soon as any bytes arrive (iter_content would wait for a whole chunk, so a
    # slow drip of a few bytes a second would never reach the deadline check), and it returns
    # decompressed bytes with each inflate step bounded, so a gzip bomb stops at the limit too.
    raw = resp.raw
    while True:
        try:
            chunk = raw.read1(_CHUNK, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError as e:
            raise _Transient(ErrorClass.TIMEOUT, f"read timed out: {e}", resp) from None
        except urllib3.exceptions.DecodeError as e:
            raise _Terminal(ErrorClass.PARSE_ERROR, f"cannot decode the {resp.headers.get('Content-Encoding')} body: {e}", resp) from None
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError, OSError) as e:
            raise _Transient(ErrorClass.CONNECTION, f"connection broken mid-body: {e}", resp) from None
        if not chunk:
            break
        buf += chunk
        if len(buf) > limit:
            if truncate:
                return bytes(buf[:limit])
            raise _Terminal(ErrorClass.TOO_LARGE, f"body exceeds {limit} bytes", resp)
        if time.monotonic() > deadline:
            raise _Transient(ErrorClass.TIMEOUT, f"body not complete after {opts.total_timeout:.0f}s", resp)
    return bytes(buf)


def gunzip_limited(data: bytes, limit: int) -> bytes:
    """Inflate a gzip file body (``sitemap.xml.gz``) without ever holding more than ``limit`` bytes."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as e:
        raise _Terminal(ErrorClass.PARSE_ERROR, f"bad gzip data: {e}") from None
    if len(out) > limit or d.unconsumed_tail:
        raise _Terminal(ErrorClass.TOO_LARGE, f"gzip body inflates beyond {limit} bytes")
    return out


def _get(session: requests.Session, url: str, opts: FetchOptions, headers: dict,
         deadline: float | None = None, pin: safety.Vetted | None = None) -> requests.Response:
    connect, read = opts.connect_timeout, opts.read_timeout
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Transient(ErrorClass.TIMEOUT, f"no complete response within total_timeout {opts.total_timeout:g}s")
        connect, read = min(connect, left), min(read, left)
    outer, _current.pin = getattr(_current, "pin", None), pin
    try:
        return session.get(url, timeout=(connect, read), stream=True, allow_redirects=False, headers=headers)
    except requests.exceptions.InvalidSchema as e:
        raise _Terminal(ErrorClass.BAD_URL, f"unsupported scheme: {e}") from None
    except (requests.exceptions.MissingSchema, requests.exceptions.InvalidURL, requests.exceptions.InvalidHeader) as e:
        raise _Terminal(ErrorClass.BAD_URL, str(e)) from None
    except ValueError as e:
        # requests parses a redirect's Location even with allow_redirects=False (to offer the
        # next request): a malformed one ("http://[::1:bad/") raises here
        raise _Terminal(ErrorClass.BAD_URL, f"unparsable URL or Location header: {e}") from None
    except requests.exceptions.Timeout as e:
        raise _Transient(ErrorClass.TIMEOUT, str(e)) from None
    except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as e:
        if deadline is not None and time.monotonic() >= deadline:
            raise _Transient(ErrorClass.TIMEOUT, f"no complete response within total_timeout "
                             f"{opts.total_timeout:g}s (connect and headers included)") from None
        text = str(e)
        kind = ErrorClass.DNS if ("Name or service not known" in text or "NameResolutionError" in text
                         or "nodename nor servname" in text or "getaddrinfo" in text
                         or "Failed to resolve" in text) else ErrorClass.CONNECTION
        raise _Transient(kind, text) from None
    except requests.exceptions.RequestException as e:
        raise _Terminal(ErrorClass.BAD_RESPONSE, f"{type(e).__name__}: {e}") from None
    finally:
        _current.pin = outer


def _follow(session: requests.Session, url: str, opts: FetchOptions, headers: dict,
            trusted: frozenset[str], pace=None, deadline: float | None = None,
            hop_check=None, first: safety.Vetted | None = None) -> requests.Response:
    """GET ``url`` and its redirects one hop at a time; every hop passes the address check and
    ``hop_check(url)`` (robots.txt) before it is requested, and is connected to the address it
    was checked at (``first``: the check of ``url`` already made)."""
    seen = {url}
    current = url
    vetted = first
    if vetted is None:
        v = safety.vet(url, trusted)
        if isinstance(v, safety.Refusal):
            raise _Terminal(v.error, v.detail)
        vetted = v
    for hop in range(opts.max_redirects + 1):
        if hop and pace is not None:
            pace(current)  # a redirect hop is one more request to a host: keep its interval
        resp = _get(session, current, opts, headers, deadline, vetted)
        if resp.status_code not in REDIRECT_STATUS or not resp.headers.get("Location"):
            return resp
        resp.close()
        location = resp.headers["Location"].strip()
        try:
            target = urljoin(current, location)
        except ValueError as e:
            raise _Terminal(ErrorClass.BAD_URL, f"redirect to an unparsable Location {location[:200]!r}: {e}", resp) from None
        checked = safety.vet(target, trusted)
        refusal = checked if isinstance(checked, safety.Refusal) else None
        if refusal is None and hop_check is not None:
            refusal = hop_check(target)
        if refusal is not None:
            raise _Terminal(refusal.error, f"redirect to {target}: {refusal.detail}", resp)
        if target in seen:
            raise _Terminal(ErrorClass.TOO_MANY_REDIRECTS, f"redirect loop: {current} -> {target}", resp)
        seen.add(target)
        current, vetted = target, checked
    raise _Terminal(ErrorClass.TOO_MANY_REDIRECTS, f"more than {opts.max_redirects} redirects from {url}", resp)


def _attempt(session: requests.Session, url: str, opts: FetchOptions, headers: dict,
             trusted: frozenset[str] | None = None, kind: str = "html", pace=None,
             hop_check=None, first: safety.Vetted | None = None) -> tuple[requests.Response, bytes]:
    deadline = time.monotonic() + opts.total_timeout
    if trusted is None:
        trusted = frozenset({safety.host_of(url)})
    token = _WATCHDOG.begin(deadline)
    outer, _current.token = getattr(_current, "token", None), token
    try:
        resp, body = _attempt_watched(session, url, opts, headers, trusted, kind, pace, hop_check, deadline, first)
        if _WATCHDOG.end(token):  # the socket was shut mid-body: what arrived is a truncated page
            raise _Transient(ErrorClass.TIMEOUT, f"body not complete after total_timeout {opts.total_timeout:g}s", resp)
        return resp, body
    except _Terminal as e:
        # the watchdog shut the socket: whatever broke next (a closed connection, a truncated
        # gzip stream) is the deadline's doing
        if _WATCHDOG.end(token) and e.error != ErrorClass.TIMEOUT:
            raise _Transient(ErrorClass.TIMEOUT, f"no complete response within total_timeout "
                             f"{opts.total_timeout:g}s (connect, headers and body): {e.detail}",
                             e.response) from None
        raise
    finally:
        _WATCHDOG.end(token)
        _current.token = outer


def _attempt_watched(session, url, opts, headers, trusted, kind, pace, hop_check,
                     deadline, first=None) -> tuple[requests.Response, bytes]:
    resp = _follow(session, url, opts, headers, trusted, pace, deadline, hop_check, first)
    try:
        if resp.status_code == 304:
            return resp, b""
        if resp.status_code >= 400:
            err = ErrorClass.http(resp.status_code)
            detail = f"HTTP {resp.status_code} {resp.reason or ''}".strip()
            if resp.status_code in RETRY_STATUS:
                raise _Transient(err, detail, resp, _retry_after(resp.headers.get("Retry-After")))
            raise _Terminal(err, detail, resp)
        if resp.status_code >= 300:
            raise _Terminal(ErrorClass.http(resp.status_code), f"HTTP {resp.status_code} without a usable Location", resp)
        media = _media_type(resp.headers.get("Content-Type"))
        if kind == "html" and media and media not in HTML_TYPES and not media.startswith("text/"):
            raise _Terminal(ErrorClass.NOT_HTML, f"content type {media}", resp)
        if kind != "html" and (media in _BINARY_TYPES or media.startswith(_BINARY_PREFIXES)):
            raise _Terminal(ErrorClass.NOT_HTML, f"content type {media} is not a feed, sitemap or robots.txt", resp)
        try:
            body = _read_body(resp, opts, deadline, _limit_for(kind, opts), truncate=(kind == "robots"))
        except requests.exceptions.ConnectionError as e:
            # urllib3 raises read timeouts mid-body as ConnectionError(ReadTimeoutError)
            if "timed out" in str(e).lower():
                raise _Transient(ErrorClass.TIMEOUT, str(e), resp) from None
            raise _Transient(ErrorClass.CONNECTION, str(e), resp) from None
        except requests.exceptions.ContentDecodingError as e:
            raise _Terminal(ErrorClass.PARSE_ERROR, f"cannot decode the {resp.headers.get('Content-Encoding')} body: {e}", resp) from None
        except requests.exceptions.Timeout as e:
            raise _Transient(ErrorClass.TIMEOUT, str(e), resp) from None
        if kind == "xml" and body[:2] == b"\x1f\x8b":
            body = gunzip_limited(body, opts.max_xml_bytes)
        if kind != "html":
            return resp, body
        if (not media or media.startswith("text/")) and media not in HTML_TYPES and not _sniff_html(body):
            raise _Terminal(ErrorClass.NOT_HTML, f"content type {media or 'missing'} and no HTML markup", resp)
        if media in HTML_TYPES and not _sniff_html(body) and body[:5] == b"%PDF-":
            raise _Terminal(ErrorClass.NOT_HTML, "declared HTML but the body is a PDF", resp)
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
    trusted_hosts: frozenset[str] | None = None,
    kind: str = "html",
    source: str | None = None,
    pace=None,
    hop_check=None,
) -> FetchedPage:
    """Fetch one URL, retrying transient failures; never raises for network or HTTP errors.

    ``trusted_hosts=None``: the user gave this URL, so its own host may be internal (redirects to
    any *other* internal host are refused). Otherwise the URL was discovered and it, and every
    redirect, must be public or on one of ``trusted_hosts``. ``kind`` is ``html`` (an article),
    ``xml`` (a feed or sitemap, gzip files inflated) or ``robots``. ``pace(url)``, when given,
    is called before every request after the first (retries, redirect hops) and waits for the
    host's turn, so that retries keep the per-host interval too. ``hop_check(url)`` returns a
    :class:`~newsmill.tasks.safety.Refusal` for a redirect target that must not be requested
    (robots.txt).
    """
    started = time.monotonic()
    fetched_at = datetime.now(UTC)
    vetted = safety.vet(url, trusted_hosts)
    if isinstance(vetted, safety.Refusal):
        return _failed(url, _Terminal(vetted.error, vetted.detail), fetched_at, started, 0, source)
    session = session or make_session(opts)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    attempt = 0
    while True:
        attempt += 1
        if attempt > 1 and pace is not None:
            pace(url)
        try:
            # every attempt connects where this check found the host (retries included)
            resp, body = _attempt(session, url, opts, headers, trusted_hosts, kind, pace, hop_check, vetted)
        except _Transient as e:
            wait = opts.backoff * (2 ** (attempt - 1)) * (0.5 + random.random())
            if e.retry_after is not None:
                if e.retry_after > opts.max_retry_after:
                    e.detail += f" (Retry-After {e.retry_after:.0f}s exceeds fetch.max_retry_after)"
                    return _failed(url, e, fetched_at, started, attempt, source)
                wait = max(wait, e.retry_after)
            if attempt > opts.retries:
                return _failed(url, e, fetched_at, started, attempt, source)
            log.info("retrying %s in %.1fs after %s (%s)", url, wait, e.error, e.detail)
            sleep(wait)
            continue
        except _Terminal as e:
            return _failed(url, e, fetched_at, started, attempt, source)
        ctype = resp.headers.get("Content-Type")
        not_modified = resp.status_code == 304
        return FetchedPage(
            url=url,
            final_url=resp.url,
            status_code=resp.status_code,
            content_type=ctype,
            body=None if not_modified else body,
            encoding=None if (not_modified or kind != "html") else detect_encoding(body, ctype),
            fetched_at=fetched_at,
            elapsed_ms=int((time.monotonic() - started) * 1000),
            error_detail="HTTP 304: unchanged since the last fetch" if not_modified else None,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            attempts=attempt,
            source=source,
            not_modified=not_modified,
        )


def _failed(url: str, e: _Terminal, fetched_at: datetime, started: float, attempts: int,
            source: str | None = None) -> FetchedPage:
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
        error=ErrorClass(e.error),
        error_detail=e.detail[:500],
        attempts=attempts,
        source=source,
    )


def refused(url: str, error: ErrorClass | str, detail: str, source: str | None = None) -> FetchedPage:
    """A page that was never requested (robots.txt, address check), as a recorded failure."""
    return FetchedPage(url=url, final_url=None, status_code=None, content_type=None, body=None,
                       encoding=None, fetched_at=datetime.now(UTC), elapsed_ms=0, error=ErrorClass(error),
                       error_detail=detail[:500], attempts=0, source=source)


class HostLimiter:
    """Per-host minimum interval and concurrency cap, shared by the fetch threads.

    The interval is between request *starts* to one host (``host:port``), whatever kind of
    request it is, and it is kept across calls when the process-wide limiter is used.
    """

    def __init__(self, interval: float, per_host: int):
        self.interval = interval
        self.per_host = max(1, per_host)
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._sems: dict[str, threading.Semaphore] = {}

    def _sem(self, host: str) -> threading.Semaphore:
        with self._lock:
            return self._sems.setdefault(host, threading.BoundedSemaphore(self.per_host))

    def acquire(self, host: str, interval: float | None = None) -> None:
        sem = self._sem(host)
        sem.acquire()
        try:
            self.wait_turn(host, interval)
        except BaseException:
            sem.release()  # never keep a host's slot when waiting for the turn failed
            raise

    def wait_turn(self, host: str, interval: float | None = None) -> None:
        """Sleep until ``interval`` seconds after the host's previous request start, and claim it."""
        gap = self.interval if interval is None else interval
        if not (0 <= gap < 86400 * 366):  # also catches nan: validated config never gets here
            raise ValueError(f"host interval must be finite seconds >= 0, got {gap!r}")
        with self._lock:
            # The gap is measured back from this request to the previous start, so a gap learnt
            # late (a robots.txt Crawl-delay) applies to the very next request.
            now = time.monotonic()
            last = self._last.get(host)
            start = now if last is None else max(now, last + gap)
            self._last[host] = start
        if start > now:
            time.sleep(start - now)

    def release(self, host: str) -> None:
        self._sem(host).release()


_SHARED_LIMITERS: dict[int, HostLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(opts: FetchOptions) -> HostLimiter:
    """The process-wide limiter, so that a feed fetch and the article fetches after it, in
    separate calls, still keep the per-host interval."""
    with _SHARED_LOCK:
        lim = _SHARED_LIMITERS.get(opts.per_host_concurrency)
        if lim is None:
            lim = _SHARED_LIMITERS[opts.per_host_concurrency] = HostLimiter(
                opts.per_host_interval, opts.per_host_concurrency)
        return lim


def host_key(url: str) -> str:
    """``host:port`` as the limiter and the robots cache key it: one server, one budget."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 0
    return f"{(parts.hostname or '').lower()}:{port}"


@dataclass(frozen=True)
class FetchPlan:
    """Per-URL trust and per-host politeness for one call of :func:`fetch_pages`.

    ``trusted``: url -> hosts that may be internal for it; a URL not in it was given by the user.
    ``host_interval``: ``host:port`` -> minimum seconds between requests (a source's ``interval``).
    ``sources``: url -> source name, recorded with the fetch.
    """

    trusted: Mapping[str, frozenset[str]] = field(default_factory=dict)
    host_interval: Mapping[str, float] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)


class PoliteFetcher:
    """One URL at a time under robots.txt, the address check and the shared host limiter."""

    def __init__(self, opts: FetchOptions, plan: FetchPlan | None = None,
                 limiter: HostLimiter | None = None, session: requests.Session | None = None):
        from newsmill.tasks.robots import shared_robots

        self.opts = opts
        self.plan = plan or FetchPlan()
        self.limiter = limiter or shared_limiter(opts)
        self.session = session or make_session(opts)
        self.robots = shared_robots(opts) if opts.respect_robots else None

    def interval(self, key: str, crawl_delay: float | None = None) -> float:
        base = self.plan.host_interval.get(key, self.opts.per_host_interval)
        if crawl_delay:
            base = max(base, min(crawl_delay, self.opts.max_crawl_delay))
        return base

    def fetch(self, url: str, validators: tuple[str | None, str | None] = (None, None), kind: str = "html",
              trusted: frozenset[str] | None = None, source: str | None = None) -> FetchedPage:
        """One URL; never raises for anything about that URL: an exception no branch foresaw (a
        library meeting input it cannot handle) is recorded as ``internal_error`` with its type."""
        try:
            return self._fetch(url, validators, kind, trusted, source)
        except Exception as e:  # noqa: BLE001 - recorded as the URL's outcome, logged with its traceback
            log.exception("fetching %s raised", url)
            return refused(url, ErrorClass.INTERNAL_ERROR, f"{type(e).__name__}: {e}",
                           self.plan.sources.get(url, source))

    def _robots_refusal(self, url: str, trusted: frozenset[str] | None) -> safety.Refusal | None:
        decision = self.robots.decide(url, self, trusted)
        return None if decision.allowed else safety.Refusal(decision.error, decision.detail)

    def _fetch(self, url: str, validators: tuple[str | None, str | None], kind: str,
               trusted: frozenset[str] | None, source: str | None) -> FetchedPage:
        trusted = self.plan.trusted.get(url, trusted)
        source = self.plan.sources.get(url, source)
        refusal = safety.check_url(url, trusted)
        if refusal is not None:
            return refused(url, refusal.error, refusal.detail, source)
        key = host_key(url)
        delay = None
        if self.robots is not None and kind != "robots":
            decision = self.robots.decide(url, self, trusted)
            if not decision.allowed:
                return refused(url, decision.error, decision.detail, source)
            delay = decision.crawl_delay
        gap = self.interval(key, delay)

        def pace(next_url: str) -> None:
            k = host_key(next_url)
            self.limiter.wait_turn(k, gap if k == key else self.interval(k))

        # robots.txt of each redirect hop too: an allowed URL must not bounce to a disallowed one
        # (a hop is trusted as the fetch's hops are: its own URL's host when the user gave it)
        hop_trust = trusted if trusted is not None else frozenset({safety.host_of(url)})
        hop_check = ((lambda hop: self._robots_refusal(hop, hop_trust))
                     if (self.robots is not None and kind != "robots") else None)
        etag, lm = validators
        if kind == "robots":
            # robots.txt is asked for while a page of that host, or a redirect to it, may hold the
            # host's slots: it keeps the interval but takes no slot, so it can never wait on itself
            self.limiter.wait_turn(key, gap)
            return fetch_page(url, self.opts, self.session, trusted_hosts=trusted, kind=kind, source=source,
                              pace=pace)
        self.limiter.acquire(key, gap)
        try:
            return fetch_page(url, self.opts, self.session, etag=etag, last_modified=lm,
                              trusted_hosts=trusted, kind=kind, source=source, pace=pace, hop_check=hop_check)
        finally:
            self.limiter.release(key)

    def close(self) -> None:
        self.session.close()


def fetch_pages(
    urls: Iterable[str],
    opts: FetchOptions,
    validators: dict[str, tuple[str | None, str | None]] | None = None,
    limiter: HostLimiter | None = None,
    plan: FetchPlan | None = None,
) -> Iterator[FetchedPage]:
    """Fetch many URLs concurrently under the global and per-host limits, in input order."""
    validators = validators or {}
    fetcher = PoliteFetcher(opts, plan, limiter)

    def one(url: str) -> FetchedPage:
        return fetcher.fetch(url, validators.get(url, (None, None)))

    pool = ThreadPoolExecutor(max_workers=max(1, opts.concurrency), thread_name_prefix="fetch")
    try:
        yield from pool.map(one, list(urls))
    finally:
        # a consumer that stops early (the run is ending) does not wait for the rest of the
        # batch: requests not begun are dropped, the ones under way end within their timeouts
        pool.shutdown(wait=True, cancel_futures=True)
        fetcher.close()
