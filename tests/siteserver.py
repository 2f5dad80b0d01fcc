"""A real HTTP server on 127.0.0.1 serving fixture pages and misbehaving endpoints.

Routes are registered per test: static bodies, or handlers that misbehave on purpose (slow drip,
redirect loop, gzip bomb, Retry-After). Every request is logged with its arrival time so that tests
can check politeness from the server's side.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
# a minimal PDF, for "not HTML" outcomes
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Hit:
    path: str
    at: float
    headers: dict
    host: str


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)


Handler = Callable[["RequestHandler"], None]


class SiteServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.routes: dict[str, Response | Handler] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        server = self

        class _H(RequestHandler):
            site = server

        self.httpd = ThreadingHTTPServer((host, port), _H)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str = b"", status: int = 200,
            content_type: str = "text/html; charset=utf-8", headers: dict | None = None) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        h = {"Content-Type": content_type, **(headers or {})}
        self.routes[path] = Response(status, body, h)
        return self.url(path)

    def add_handler(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def add_fixture(self, path: str, name: str, **kw) -> str:
        data = (FIXTURES / name).read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        return self.add(path, data, **kw)

    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def start(self) -> "SiteServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class RequestHandler(BaseHTTPRequestHandler):
    site: SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        site = self.site
        path = self.path
        with site._lock:
            site.hits.append(Hit(path, time.monotonic(), dict(self.headers), self.headers.get("Host", "")))
        route = site.routes.get(path) or site.routes.get(path.split("?")[0])
        if route is None:
            self.send_plain(404, b"not found")
            return
        if callable(route):
            route(self)
            return
        etag = route.headers.get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(route.status)
        for k, v in route.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        self.wfile.write(route.body)

    def send_html(self, body: bytes, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_plain(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# ---- misbehaving handlers --------------------------------------------------------------------

def slow_drip(seconds: float, chunk: bytes = b"<p>x</p>", every: float = 0.2) -> Handler:
    def h(req: RequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Connection", "close")  # no length: the body ends when we stop
        req.end_headers()
        req.close_connection = True
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end:
                req.wfile.write(chunk)
                req.wfile.flush()
                time.sleep(every)
        except (BrokenPipeError, ConnectionResetError):
            pass
    return h


def slow_page(body: bytes, seconds: float) -> Handler:
    """An HTML page that answers after ``seconds``."""
    def h(req: RequestHandler) -> None:
        time.sleep(seconds)
        req.send_html(body)
    return h


def redirect_to(location: str, status: int = 302) -> Handler:
    def h(req: RequestHandler) -> None:
        req.send_plain(status, b"", {"Location": location})
    return h


def gzip_bomb(decompressed_mb: int = 200) -> Handler:
    payload = gzip.compress(b"<html><body>" + b"A" * (decompressed_mb * 1024 * 1024), 9)

    def h(req: RequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Encoding", "gzip")
        req.send_header("Content-Length", str(len(payload)))
        req.end_headers()
        req.wfile.write(payload)
    return h


def big_body(mb: int = 50) -> Handler:
    block = b"<p>" + b"x" * 1020 + b"</p>"

    def h(req: RequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        # no Content-Length: the client must stop reading by itself
        req.send_header("Connection", "close")
        req.end_headers()
        try:
            for _ in range(mb * 1024):
                req.wfile.write(block)
        except (BrokenPipeError, ConnectionResetError):
            pass
        req.close_connection = True
    return h


def flaky(failures: int, status: int = 503, retry_after: str | None = "1", then: Response | None = None) -> Handler:
    """Fail ``failures`` times with ``status`` (and Retry-After), then serve ``then``."""
    state = {"n": 0}

    def h(req: RequestHandler) -> None:
        state["n"] += 1
        if state["n"] <= failures:
            req.send_plain(status, b"busy", {"Retry-After": retry_after} if retry_after else None)
            return
        r = then or Response(200, b"<html><body><p>ok</p></body></html>", {"Content-Type": "text/html"})
        req.send_response(r.status)
        for k, v in r.headers.items():
            req.send_header(k, v)
        req.send_header("Content-Length", str(len(r.body)))
        req.end_headers()
        req.wfile.write(r.body)
    return h


# ---- generated news sites (feeds, sitemaps, articles) ------------------------------------------

_WORDS = ("council budget river bridge school hospital minister election harbour festival museum "
          "railway library court tariff vaccine drought stadium senate reform").split()


def article_html(title: str, seed: int = 0, published: str | None = "2025-03-04T09:30:00+00:00",
                 lang: str = "en", paragraphs: int = 5) -> str:
    """A plausible, distinct news article page (distinct text per ``seed``)."""
    paras = []
    for i in range(paragraphs):
        w = [_WORDS[(seed * 7 + i * 3 + k) % len(_WORDS)] for k in range(6)]
        paras.append(f"<p>Officials said on Tuesday that the {w[0]} and the {w[1]} plan number {seed}-{i} "
                     f"would change how the {w[2]} is run, after months of debate about the {w[3]}, "
                     f"the {w[4]} and the {w[5]} in the city.</p>")
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{meta}'
            f'</head><body><article><h1>{title}</h1>{"".join(paras)}</article></body></html>')


def rss_feed(items: list[tuple[str, ...]], title: str = "Test feed") -> str:
    """RSS 2.0 with (link, title) or (link, title, RFC 822 pubDate) items."""
    body = "".join(f"<item><title>{it[1]}</title><link>{it[0]}</link><guid>{it[0]}</guid>"
                   f"<pubDate>{it[2] if len(it) > 2 else 'Tue, 04 Mar 2025 09:30:00 GMT'}</pubDate></item>"
                   for it in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.invalid/</link><description>d</description>{body}</channel></rss>")


def sitemap(urls: list[str | tuple[str, str]], news: bool = False) -> str:
    """A urlset; entries are a URL or (URL, lastmod). ``news`` adds Google News tags."""
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    out = []
    for e in urls:
        u, lastmod = (e, None) if isinstance(e, str) else e
        extra = f"<lastmod>{lastmod}</lastmod>" if lastmod and not news else ""
        if news:
            extra += ("<news:news><news:publication><news:name>Test</news:name><news:language>en</news:language>"
                      f"</news:publication><news:publication_date>{lastmod or '2025-03-04'}</news:publication_date>"
                      "<news:title>T</news:title></news:news>")
        out.append(f"<url><loc>{u}</loc>{extra}</url>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>'
            + "".join(out) + "</urlset>")


def sitemap_index(sitemaps: list[str | tuple[str, str]]) -> str:
    out = []
    for e in sitemaps:
        u, lastmod = (e, None) if isinstance(e, str) else e
        out.append(f"<sitemap><loc>{u}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</sitemap>")
    return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(out) + "</sitemapindex>")
