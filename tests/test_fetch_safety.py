"""Fetch stage against a real local server: limits, error classes, retries, robots.txt, address checks."""

from __future__ import annotations

import time

import pytest

from newsmill.config import FetchOptions
from newsmill.tasks.fetch import FetchPlan, HostLimiter, fetch_pages
from newsmill.tasks.safety import check_url, is_internal
from tests.siteserver import (PDF, SiteServer, article_html, big_body, flaky, gzip_bomb, redirect_to,
                              slow_drip)



def opts(**kw) -> FetchOptions:
    base = dict(per_host_interval=0, per_host_concurrency=4, retries=1, backoff=0.05, read_timeout=1,
                total_timeout=2, max_bytes=5_000_000)
    base.update(kw)
    return FetchOptions(**base)


def fetch(urls, o=None, plan=None):
    # a fresh limiter per test: the process-wide one would carry other tests' timings
    o = o or opts()
    return {p.url: p for p in fetch_pages(urls, o, plan=plan, limiter=HostLimiter(o.per_host_interval, o.per_host_concurrency))}


@pytest.fixture
def other_host():
    """A second server on another loopback address: an internal host that is not the source's."""
    try:
        server = SiteServer("127.0.0.2").start()
    except OSError as e:  # pragma: no cover - only where 127.0.0.2 is not routed
        pytest.skip(f"cannot bind 127.0.0.2: {e}")
    yield server
    server.stop()


def test_each_misbehaviour_gets_its_exact_error_class(site):
    urls = {
        "ok": site.add("/news/ok.html", article_html("Good story", 1)),
        "404": site.url("/missing"),
        "500": site.add("/boom", "server error", status=500, content_type="text/plain"),
        "pdf": site.add("/report", PDF, content_type="application/pdf"),
        "pdf_as_html": site.add("/report2", PDF, content_type="text/html"),
        "slow": site.add_handler("/slow", slow_drip(5)),
        "loop": site.add_handler("/loop/a", redirect_to("/loop/b")),
        "huge": site.add_handler("/huge", big_body(50)),
        "bomb": site.add_handler("/bomb", gzip_bomb(20)),  # 20 MB inflated, 5 MB allowed
        "ftp": "ftp://127.0.0.1/file.txt",
        "dns": "http://no-such-host.invalid/a",
    }
    site.add_handler("/loop/b", redirect_to("/loop/a"))
    started = time.monotonic()
    pages = fetch(list(urls.values()))
    elapsed = time.monotonic() - started
    got = {k: pages[u].error for k, u in urls.items()}
    assert got == {"ok": None, "404": "http_404", "500": "http_500", "pdf": "not_html", "pdf_as_html": "not_html",
                   "slow": "timeout", "loop": "too_many_redirects", "huge": "too_large", "bomb": "too_large",
                   "ftp": "bad_url", "dns": "dns"}
    assert "redirect loop" in pages[urls["loop"]].error_detail
    assert pages[urls["500"]].attempts == 2 and pages[urls["404"]].attempts == 1  # 5xx retried, 4xx not
    assert len(site.hits_for("/loop/a")) == 1  # the loop stops at its first repeat
    assert elapsed < 7  # the 5 s slow drip is cut at total_timeout (2 s) on each of its 2 attempts
    assert pages[urls["ok"]].size > 500


def test_non_utf8_page_is_decoded(site):
    url = site.add_fixture("/fr/retraites", "pages/latin1.html", content_type="text/html; charset=iso-8859-1")
    page = fetch([url])[url]
    assert page.error is None and page.encoding in ("iso-8859-1", "latin-1", "windows-1252", "cp1252")
    assert "réforme très attendue" in page.html()


def test_429_retry_after_is_honoured(site):
    url = site.add_handler("/busy", flaky(1, status=429, retry_after="1",))
    page = fetch([url], opts(retries=2))[url]
    assert page.error is None and page.attempts == 2
    a, b = site.hits_for("/busy")
    assert b.at - a.at >= 0.8  # waited for Retry-After (1 s, less the server stamps' jitter), not the 0.05 s back-off


def test_retry_after_longer_than_allowed_gives_up_at_once(site):
    url = site.add_handler("/later", flaky(5, status=503, retry_after="3600"))
    page = fetch([url], opts(retries=3, max_retry_after=10))[url]
    assert page.error == "http_503" and page.attempts == 1 and "Retry-After" in page.error_detail


def test_robots_txt_disallow_and_crawl_delay(site):
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\nDisallow: /*?print=\nCrawl-delay: 0.4\n",
             content_type="text/plain")
    ok = [site.add(f"/news/{i}.html", article_html(f"S{i}", i)) for i in range(3)]
    private = site.add("/private/a.html", article_html("Secret", 9))
    printer = site.url("/news/0.html?print=1")
    pages = fetch([*ok, private, printer])
    assert pages[private].error == "robots_disallowed" and pages[printer].error == "robots_disallowed"
    assert all(pages[u].error is None for u in ok)
    assert site.hits_for("/private/a.html") == []  # never requested
    starts = sorted(h.at for h in site.hits)  # robots.txt + 3 articles
    assert len(starts) == 4
    # Crawl-delay 0.4 s kept (the interval is 0 otherwise); the server's stamps can jitter by tens of
    # milliseconds on a loaded machine (one handler thread late, the next on time)
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 0.3


def test_robots_txt_unreachable_means_disallow_and_404_means_allow(site, other_host):
    site.add("/robots.txt", "down", status=503, content_type="text/plain")
    blocked = site.add("/a.html", article_html("A", 1))
    allowed = other_host.add("/b.html", article_html("B", 2))  # other_host has no robots.txt: 404
    pages = fetch([blocked, allowed], opts(retries=0))
    assert pages[blocked].error == "robots_disallowed" and "503" in pages[blocked].error_detail
    assert pages[allowed].error is None


def test_robots_can_be_turned_off(site):
    site.add("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    url = site.add("/a.html", article_html("A", 1))
    assert fetch([url])[url].error == "robots_disallowed"
    assert fetch([url], opts(respect_robots=False))[url].error is None


def test_discovered_url_on_another_internal_host_is_blocked(site, other_host):
    evil = other_host.add("/admin", article_html("Internal admin", 3))
    own = site.add("/news/own.html", article_html("Own", 4))
    plan = FetchPlan(trusted={evil: frozenset({"127.0.0.1"}), own: frozenset({"127.0.0.1"})})
    pages = fetch([evil, own], plan=plan)
    assert pages[evil].error == "blocked_address" and "127.0.0.2" in pages[evil].error_detail
    assert pages[own].error is None
    assert other_host.hits == []  # not even robots.txt was asked for


def test_user_given_internal_url_is_trusted_but_its_redirect_to_another_internal_host_is_not(site, other_host):
    target = other_host.add("/b.html", article_html("B", 5))
    direct = fetch([target])[target]
    assert direct.error is None  # the user named 127.0.0.2 directly: trusted
    hop = site.add_handler("/go", redirect_to(target))
    same_host_hop = site.add_handler("/go-local", redirect_to("/local.html"))
    site.add("/local.html", article_html("Local", 6))
    pages = fetch([hop, same_host_hop])
    assert pages[hop].error == "blocked_address" and "redirect to" in pages[hop].error_detail
    assert pages[same_host_hop].error is None and pages[same_host_hop].final_url.endswith("/local.html")
    assert [h.path for h in other_host.hits].count("/b.html") == 1  # only the direct fetch reached it


def test_address_classes():
    for a in ("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "224.0.0.1",
              "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1"):
        assert is_internal(a), a
    for a in ("93.184.216.34", "8.8.8.8", "2606:4700::1111"):
        assert not is_internal(a), a
    assert check_url("http://169.254.169.254/latest/meta-data", frozenset({"example.com"})).error == "blocked_address"
    assert check_url("http://169.254.169.254/latest/meta-data", None) is None  # user-given
    assert check_url("file:///etc/passwd", None).error == "bad_url"
    assert check_url("gopher://127.0.0.1:6379/_INFO", frozenset()).error == "bad_url"


def test_per_host_interval_and_concurrency_from_server_timestamps(site, other_host):
    a = [site.add(f"/a{i}.html", article_html(f"A{i}", i)) for i in range(4)]
    b = [other_host.add(f"/b{i}.html", article_html(f"B{i}", i + 10)) for i in range(4)]
    o = opts(per_host_interval=0.3, per_host_concurrency=1, concurrency=8, respect_robots=False)
    pages = fetch([x for pair in zip(a, b) for x in pair], o)
    assert all(p.error is None for p in pages.values())
    spans = []
    for server in (site, other_host):
        starts = sorted(h.at for h in server.hits)
        assert len(starts) == 4
        # The server stamps a request when its handler thread runs: on a loaded machine one stamp
        # can come tens of milliseconds late and the next one on time, so a gap the client kept at
        # 0.3 s can read a little shorter here. Without the interval the gaps are milliseconds.
        assert min(y - x for x, y in zip(starts, starts[1:])) >= 0.2
        spans.append((starts[0], starts[-1]))
    # the two hosts were fetched side by side, not one after the other: their spans overlap
    (a0, a1), (b0, b1) = spans
    assert a0 < b1 and b0 < a1
