"""Issue 17, processing side: a page that keeps a parser busy, or makes it raise, is recorded
as that page's outcome; the pages around it are processed as usual."""

from __future__ import annotations

import time

import pytest

from newsmill.config import EnrichOptions, ExtractOptions, FetchOptions
from newsmill.tasks import cpu
from newsmill.tasks import extract as extract_stage
from newsmill.tasks.fetch import HostLimiter, fetch_pages
from tests.siteserver import article_html

FO = FetchOptions(per_host_interval=0, per_host_concurrency=4, retries=0)


def many_attributes(n: int) -> bytes:
    """One element with ``n`` attributes: libxml2's duplicate-attribute check is quadratic."""
    return (f"<html><head><title>x</title></head><body><div {' '.join(f'a{i}=x' for i in range(n))}>"
            "</div><p>text</p></body></html>").encode()


def deep_nesting(n: int) -> bytes:
    return ("<html><body>" + "<div>" * n + "deep" + "</div>" * n + "</body></html>").encode()


def deep_jsonld(n: int) -> bytes:
    return (f'<html><head><script type="application/ld+json">{"[" * n}{"]" * n}</script></head>'
            f'<body>{article_html("JSON-LD", 9)}</body></html>').encode()


def _fetch(site, bodies: dict[str, bytes]) -> list:
    urls = [site.add(path, body) for path, body in bodies.items()]
    return list(fetch_pages(urls, FO, limiter=HostLimiter(0, 4)))


def test_an_exception_for_one_page_is_that_pages_outcome(site, monkeypatch):
    real = extract_stage.extract_page

    def flaky(page, opts=ExtractOptions()):
        if "boom" in page.url:
            raise RecursionError("maximum recursion depth exceeded")
        return real(page, opts)

    monkeypatch.setattr(extract_stage, "extract_page", flaky)
    pages = _fetch(site, {"/a.html": article_html("A", 1).encode(), "/boom.html": article_html("B", 2).encode(),
                          "/c.html": article_html("C", 3).encode()})
    results = cpu.CpuPool(0, ExtractOptions(site_repeats=0), EnrichOptions(enabled=False)).run(pages)
    assert [r.error for r in results] == [None, "internal_error", None]
    assert "RecursionError" in results[1].detail


def test_a_page_over_the_size_budget_is_not_parsed(site):
    pages = _fetch(site, {"/big.html": article_html("Big", 1, paragraphs=200).encode(),
                          "/ok.html": article_html("Ok", 2).encode()})
    results = cpu.CpuPool(0, ExtractOptions(site_repeats=0, max_page_bytes=20_000), EnrichOptions(enabled=False)).run(pages)
    assert [r.error for r in results] == ["too_large", None]


@pytest.mark.slow
def test_a_page_that_keeps_the_parser_busy_is_stopped_and_recorded(site):
    bodies = {f"/ok{i}.html": article_html(f"Story {i}", i).encode() for i in range(6)}
    bodies["/attrs.html"] = many_attributes(200_000)       # ~16 minutes of lxml without the budget
    bodies["/attrs2.html"] = many_attributes(120_000).replace(b"<div", b"<span")
    bodies["/deep.html"] = deep_nesting(100_000)
    bodies["/jsonld.html"] = deep_jsonld(5_000)
    pages = _fetch(site, bodies)
    pool = cpu.CpuPool(2, ExtractOptions(site_repeats=0, page_timeout=10), EnrichOptions(enabled=False))
    started = time.monotonic()
    try:
        results = pool.run(pages)
    finally:
        pool.close()
    elapsed = time.monotonic() - started
    got = {r.page.url.rsplit("/", 1)[1]: r.error for r in results}
    assert got["attrs.html"] == "extract_timeout" and got["attrs2.html"] == "extract_timeout"
    assert all(got[f"ok{i}.html"] is None for i in range(6)), got
    # the others are recorded whatever they come to: never a crash, never a hang
    assert {got["deep.html"], got["jsonld.html"]} <= {None, "extract_timeout", "internal_error", "extract_empty"}
    assert elapsed < 150, elapsed
