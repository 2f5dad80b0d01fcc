"""Issue 17, HTTP side: hostile servers on 127.0.0.0/8 can neither stall a fetch past its
total_timeout, nor crash the fetch stage, nor steer a request to an internal address or a
robots.txt-disallowed path. Every case ends as a recorded outcome with an error class."""

from __future__ import annotations

import time

import pytest

from newsmill.config import FetchOptions
from newsmill.tasks import safety
from newsmill.tasks.fetch import FetchPlan, HostLimiter, fetch_pages
from tests.hostile import raw_redirect, slow_headers
from tests.siteserver import SiteServer, article_html, redirect_to


def opts(**kw) -> FetchOptions:
    base = dict(per_host_interval=0, per_host_concurrency=4, retries=0, backoff=0.05, read_timeout=5,
                connect_timeout=5, total_timeout=1.5)
    base.update(kw)
    return FetchOptions(**base)


def fetch(urls, o=None, plan=None):
    o = o or opts()
    return {p.url: p for p in fetch_pages(urls, o, plan=plan, limiter=HostLimiter(o.per_host_interval,
                                                                                 o.per_host_concurrency))}


def _server(host: str) -> SiteServer:
    try:
        return SiteServer(host).start()
    except OSError as e:  # pragma: no cover - only where 127.0.0.0/8 is not all routed
        pytest.skip(f"cannot bind {host}: {e}")


@pytest.fixture
def internal():
    """An internal service the pages must never reach (another loopback address)."""
    s = _server("127.0.0.5")
    yield s
    s.stop()


@pytest.fixture
def source_site():
    """The source's own site, on a loopback address of its own."""
    s = _server("127.0.0.6")
    yield s
    s.stop()


@pytest.mark.parametrize("handler", [
    slow_headers(8, every=0.3),                      # one header line every 0.3 s
    slow_headers(8, every=0.05),                     # many small header lines
    slow_headers(8, every=0.3, status_first=False),  # the status line itself drips
])
def test_total_timeout_covers_headers(site, handler):
    url = site.add_handler("/drip", handler)
    ok = site.add("/ok.html", article_html("Fine", 1))
    started = time.monotonic()
    pages = fetch([url, ok])
    elapsed = time.monotonic() - started
    assert pages[url].error == "timeout" and "total_timeout" in pages[url].error_detail
    assert pages[ok].error is None
    assert elapsed < 4, elapsed  # 1.5 s budget, not the 8 s the server would take


def test_total_timeout_bounds_every_retry(site):
    url = site.add_handler("/drip", slow_headers(8, every=0.2))
    started = time.monotonic()
    page = fetch([url], opts(retries=1))[url]
    assert page.error == "timeout" and page.attempts == 2
    assert time.monotonic() - started < 6


@pytest.mark.parametrize("location", [
    "http://[::1:bad/",          # requests parses it even without following
    "http://[::1",
    "http://127.0.0.1:99999/a",  # port out of range
    "http://[fe80::1%zz]/",
    "http://\x7f\x00host/",
])
def test_malformed_location_is_a_recorded_bad_url(site, location):
    url = site.add_handler("/go", raw_redirect(location))
    ok = site.add("/ok.html", article_html("Fine", 2))
    pages = fetch([url, ok])
    # refused as unparsable, or (a zone id) as an internal address: never requested, never raised
    assert pages[url].error in ("bad_url", "blocked_address"), (location, pages[url].error, pages[url].error_detail)
    assert pages[ok].error is None


@pytest.mark.parametrize("bad", ["http://[::1", "http://[::1:bad/", "http://host:port/", "http:///nohost",
                                 "http://ex%41mple.com/"])
def test_malformed_given_url_is_a_recorded_bad_url(bad):
    assert fetch([bad])[bad].error == "bad_url"


def _ambiguous(internal: SiteServer, own: SiteServer) -> list[str]:
    i, o = f"{internal.host}:{internal.port}", f"{own.host}:{own.port}"
    return [
        f"http://{i}\\@{o}/admin",             # requests: host {i}; urlsplit: host {o}
        f"http://{i}\\\\@{o}/admin",
        f"http://{i}\\x@{o}/admin",
        f"http://{i}/\\@{o}/admin",            # a path, read alike: goes to {i}, is refused as internal
        f"http://{o}@{i}/admin",               # userinfo, read alike: goes to {i}, refused as internal
    ]


def test_ambiguous_or_internal_links_never_reach_an_internal_host(internal, source_site):
    internal.add("/admin", article_html("Internal admin", 3))
    trusted = frozenset({source_site.host})
    links = _ambiguous(internal, source_site)
    pages = fetch(links, plan=FetchPlan(trusted={u: trusted for u in links}))
    for u in links:
        assert pages[u].error in ("bad_url", "blocked_address"), (u, pages[u].error)
    assert internal.hits == []


def test_ambiguous_or_internal_redirects_never_reach_an_internal_host(internal, source_site):
    internal.add("/admin", article_html("Internal admin", 3))
    trusted = frozenset({source_site.host})
    starts = []
    for n, target in enumerate(_ambiguous(internal, source_site)):
        starts.append(source_site.add_handler(f"/r{n}", raw_redirect(target)))
    # the user's own URL is trusted, its redirects are not
    pages = fetch(starts, plan=FetchPlan(trusted={u: trusted for u in starts[:2]}))
    for u in starts:
        assert pages[u].error in ("bad_url", "blocked_address"), (u, pages[u].error, pages[u].error_detail)
    assert internal.hits == []


def test_ambiguous_url_is_refused_by_the_address_check_itself():
    assert safety.check_url("http://127.0.0.1:18602\\@127.0.0.6:18601/", frozenset({"127.0.0.6"})).error == "bad_url"
    assert safety.check_url("http://10.0.0.1:80\\@example.org/", None).error == "bad_url"
    assert safety.host_of("http://127.0.0.1:18602\\@127.0.0.6:18601/") == ""
    assert safety.check_url("http://127.0.0.6:18601/a", frozenset({"127.0.0.6"})) is None


@pytest.mark.parametrize("target", ["/private/secret.html", "/private/", "/news/x.html?print=1"])
def test_redirect_to_a_robots_disallowed_path_is_not_fetched(site, target):
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\nDisallow: /*?print=\n", content_type="text/plain")
    site.add("/private/secret.html", article_html("Secret", 4))
    site.add("/private/", article_html("Secret index", 5))
    site.add("/news/x.html", article_html("Printable", 6))
    url = site.add_handler("/news/go", redirect_to(target))
    page = fetch([url])[url]
    assert page.error == "robots_disallowed" and "redirect to" in page.error_detail
    assert site.hits_for("/private/secret.html") == [] and site.hits_for("/private/") == []
    assert [h for h in site.hits if "print=" in h.path] == []


def test_redirect_to_another_host_obeys_that_hosts_robots(site, source_site):
    source_site.add("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    source_site.add("/a.html", article_html("Elsewhere", 7))
    url = site.add_handler("/go", redirect_to(source_site.url("/a.html")))
    # both hosts are the source's own (trusted), so only robots.txt can refuse the hop
    page = fetch([url], plan=FetchPlan(trusted={url: frozenset({site.host, source_site.host})}))[url]
    assert page.error == "robots_disallowed"
    assert source_site.hits_for("/a.html") == []


# ---- DNS rebinding: the name is resolved once, for the check, and connected to as checked ------

class _Rebinding:
    """A resolver whose answer for the attacker's names changes after ``honest`` look-ups (a
    TTL-0 rebinding DNS server): first a "public" address, then an internal one. Every other name
    and every numeric address goes to the real resolver."""

    def __init__(self, names: set[str], public: str, internal: str, honest: int):
        import socket

        self.real, self.names = socket.getaddrinfo, names
        self.public, self.internal, self.honest = public, internal, honest
        self.asked: list[tuple[str, str]] = []

    def __call__(self, host, port, *args, **kw):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.lower().rstrip(".") not in self.names:
            return self.real(host, port, *args, **kw)
        answer = self.public if len(self.asked) < self.honest else self.internal
        self.asked.append((name, answer))
        return self.real(answer, port, *args, **kw)


@pytest.fixture
def rebinding(monkeypatch):
    """A public site on 127.0.0.2 and an internal service on 127.0.0.5 on the same port; in these
    tests only 127.0.0.5 counts as internal (127.0.0.2 plays a public address)."""
    public = _server("127.0.0.2")
    try:
        inner = SiteServer("127.0.0.5", public.port).start()
    except OSError as e:  # pragma: no cover
        public.stop()
        pytest.skip(f"cannot bind 127.0.0.5:{public.port}: {e}")
    real_internal = safety.is_internal
    monkeypatch.setattr(safety, "is_internal", lambda a: a.startswith("127.0.0.5") or
                        (real_internal(a) and not a.startswith("127.")))
    for s, who in ((public, "public"), (inner, "INTERNAL")):
        s.add("/a.html", article_html(f"The {who} page", 3))
        s.add("/b.html", article_html(f"The {who} page b", 4))
    yield public, inner
    public.stop()
    inner.stop()


@pytest.mark.parametrize("honest", [1, 2, 3])
@pytest.mark.parametrize("path", ["/a.html", "/hop"])
def test_dns_rebinding_never_reaches_the_internal_address(rebinding, monkeypatch, honest, path):
    """Whichever look-up the answer flips at, the request goes to the address that was checked
    (or is refused): never to the internal one. ``/hop`` redirects to another rebinding name."""
    import socket

    from newsmill.tasks.fetch import fetch_page

    public, inner = rebinding
    port = public.port
    for s in (public, inner):
        s.add_handler("/hop", raw_redirect(f"http://next.rebind.test:{port}/b.html"))
    resolver = _Rebinding({"news.rebind.test", "next.rebind.test"}, "127.0.0.2", "127.0.0.5", honest)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    url = f"http://news.rebind.test:{port}{path}"
    page = fetch_page(url, opts(), trusted_hosts=frozenset({"127.0.0.1"}))  # discovered: not trusted
    assert inner.hits == [], (resolver.asked, [h.path for h in inner.hits])
    assert resolver.asked, "the check resolved the name"
    if page.error is None:
        assert b"The public page" in page.body
        assert {h.host.split(":")[0] for h in public.hits} <= {"news.rebind.test", "next.rebind.test"}  # Host kept
    else:
        assert page.error == "blocked_address", page.error_detail


def test_a_kept_alive_connection_is_not_reused_for_another_checked_address(rebinding, monkeypatch):
    """A connection the user's own URL opened (not checked: its host may be internal) is not reused
    for a discovered URL on that name checked at another address."""
    import socket

    from newsmill.tasks.fetch import fetch_page, make_session

    public, inner = rebinding
    o = opts()
    session = make_session(o)
    answers = iter(["127.0.0.5", "127.0.0.2"])  # the user's fetch connects internal; the check answers public
    real = socket.getaddrinfo

    def resolver(host, port, *a, **kw):
        if str(host) == "news.rebind.test":
            return real(next(answers, "127.0.0.5"), port, *a, **kw)
        return real(host, port, *a, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    url = f"http://news.rebind.test:{public.port}/a.html"
    mine = fetch_page(url, o, session)  # the user's own URL: fetched wherever it resolves
    assert mine.error is None and len(inner.hits) == 1
    found = fetch_page(url.replace("/a.html", "/b.html"), o, session, trusted_hosts=frozenset({"127.0.0.1"}))
    assert found.error is None and b"The public page b" in found.body
    assert len(inner.hits) == 1 and [h.path for h in public.hits] == ["/b.html"]


def _tls_files(tmp_path, name: str):
    """A CA and a server certificate for ``name`` signed by it (PEM files)."""
    x509 = pytest.importorskip("cryptography.x509")
    import datetime

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def cert(subject, issuer, key, signer, ca: bool, san=None):
        b = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
             .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)])).public_key(key.public_key())
             .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
             .not_valid_after(now + datetime.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if san:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        return b.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = cert("newsmill test CA", "newsmill test CA", ca_key, ca_key, True)
    leaf = cert(name, "newsmill test CA", key, ca_key, False, san=name)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    return tmp_path / "ca.pem", tmp_path / "leaf.pem", tmp_path / "key.pem"


@pytest.mark.parametrize("cert_name", ["news.rebind.test", "other.example.test"])
def test_a_pinned_https_connection_keeps_sni_and_checks_the_certificate_by_name(rebinding, monkeypatch, tmp_path,
                                                                                cert_name):
    """Connecting to the checked address does not weaken TLS: the server gets the name as SNI and
    the certificate must be for that name (a certificate for another name fails the fetch)."""
    import socket
    import ssl

    from newsmill.tasks.fetch import fetch_page, make_session

    public, inner = rebinding
    ca, leaf, key = _tls_files(tmp_path, cert_name)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(leaf, key)
    sni: list[str | None] = []
    ctx.sni_callback = lambda sock, name, c: sni.append(name)
    tls = SiteServer("127.0.0.2")
    tls.httpd.socket = ctx.wrap_socket(tls.httpd.socket, server_side=True)
    tls.start()
    try:
        tls.add("/s.html", article_html("The secure public page", 6))
        resolver = _Rebinding({"news.rebind.test"}, "127.0.0.2", "127.0.0.5", 1)
        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        o = opts()
        session = make_session(o)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))  # requests prefers it to session.verify
        got = fetch_page(f"https://news.rebind.test:{tls.port}/s.html", o, session,
                         trusted_hosts=frozenset({"127.0.0.1"}))
    finally:
        tls.stop()
    assert inner.hits == [] and sni and set(sni) == {"news.rebind.test"}
    if cert_name == "news.rebind.test":
        assert got.error is None and b"The secure public page" in got.body
        assert [h.host.split(":")[0] for h in tls.hits] == ["news.rebind.test"]  # the Host header keeps the name
    else:
        assert got.error is not None and "certificate" in (got.error_detail or "").lower(), got.error_detail


@pytest.mark.parametrize("honest", [1, 2, 3, 4, 5])
def test_dns_rebinding_through_the_polite_fetcher_robots_txt_included(rebinding, monkeypatch, honest):
    """The whole fetch of a discovered URL (address check, robots.txt of its host, the page, a
    redirect hop and its robots.txt): every request goes to a checked address."""
    import socket

    public, inner = rebinding
    port = public.port
    for s in (public, inner):
        s.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        s.add_handler("/hop", raw_redirect(f"http://next.rebind.test:{port}/b.html"))
    monkeypatch.setattr(socket, "getaddrinfo",
                        _Rebinding({"news.rebind.test", "next.rebind.test"}, "127.0.0.2", "127.0.0.5", honest))
    urls = [f"http://news.rebind.test:{port}/a.html", f"http://news.rebind.test:{port}/hop"]
    trusted = frozenset({"127.0.0.1"})  # as discovery marks a feed's links: the feed's host only
    got = fetch(urls, opts(respect_robots=True), plan=FetchPlan(trusted={u: trusted for u in urls}))
    assert inner.hits == [], [h.path for h in inner.hits]
    for page in got.values():
        assert page.error is None or page.error in ("blocked_address", "robots_disallowed"), page.error_detail
        if page.error is None:
            assert b"The public page" in page.body


def _broken_answer(raw: bytes):
    def h(req) -> None:
        req.wfile.write(raw)
        req.close_connection = True
    return h


@pytest.mark.parametrize("raw", [b"HTTP/1.1 OK\r\n\r\nUser-agent: *\nAllow: /\n",  # no status code
                                 b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\nUser-agent: *\n",  # cut off
                                 b"garbage\r\n\r\n"])
def test_a_robots_txt_the_client_cannot_read_means_complete_disallow(site, raw):
    """RFC 9309 2.3.1.4: robots.txt unreachable because of the server: assume complete disallow
    (a cut-off or malformed answer may have held the rule that forbids the page)."""
    site.add_handler("/robots.txt", _broken_answer(raw))
    url = site.add("/private/a.html", article_html("Private", 7))
    page = fetch([url])[url]
    assert page.error in ("bad_response", "connection", "timeout") and "robots.txt" in page.error_detail, \
        (page.error, page.error_detail)
    assert site.hits_for("/private/a.html") == []
