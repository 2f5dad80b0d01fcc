"""Discovery from feeds, sitemaps, sitemap indexes and news sitemaps, against a real local server."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsmill.config import FetchOptions
from newsmill.sources import Source
from newsmill.tasks.discover import _check_xml, XMLRefused, discover_source, parse_feed, parse_sitemap
from newsmill.tasks.fetch import FetchPlan, HostLimiter, PoliteFetcher
from tests.siteserver import rss_feed, sitemap, sitemap_index

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
O = FetchOptions(per_host_interval=0, retries=0, backoff=0.05, read_timeout=2, total_timeout=4)


def run(src: Source, validators=None, o: FetchOptions = O):
    fetcher = PoliteFetcher(o, FetchPlan(), HostLimiter(0, 4))
    try:
        return discover_source(src, o, fetcher, validators)
    finally:
        fetcher.close()


def test_rss_feed_urls_are_normalized_and_deduplicated(site):
    feed = site.add("/rss", rss_feed([
        (site.url("/news/a.html?utm_source=rss&utm_medium=feed"), "A"),
        (site.url("/news/a.html#comments"), "A again"),
        (site.url("/news/b.html?id=7&fbclid=xyz"), "B"),
        (site.url("/pics/c.jpg"), "a picture"),
    ]), content_type="application/rss+xml")
    d = run(Source("s", feeds=(feed,)))
    assert [f.url for f in d.found] == [site.url("/news/a.html"), site.url("/news/b.html?id=7")]
    assert d.skipped == {"not_a_page": 1}
    assert d.found[0].lastmod == datetime(2025, 3, 4, 9, 30, tzinfo=UTC) and d.found[0].title == "A"
    assert [(x.kind, x.error, x.urls_found) for x in d.docs] == [("feed", None, 2)]


def test_atom_feed_with_relative_links(site):
    feed = site.add("/atom.xml", (FEEDS / "atom.xml").read_bytes(), content_type="application/atom+xml")
    d = run(Source("s", feeds=(feed,)))
    assert [f.url for f in d.found] == [site.url("/news/atom-1.html"), site.url("/news/atom-2.html")]
    assert d.found[1].lastmod == datetime(2025, 3, 4, 7, 0, tzinfo=UTC)
    assert d.skipped == {"not_a_page": 1}  # the .pdf entry


def test_sitemap_index_children_newest_first_and_gzip(site):
    old = site.add("/sm-2019.xml", sitemap([(site.url("/2019/old.html"), "2019-01-01")]), content_type="application/xml")
    new = site.add("/sm-2025.xml.gz", gzip.compress(sitemap([(site.url("/2025/new.html"), "2025-03-05T10:00:00Z")]).encode()),
                   content_type="application/x-gzip")
    index = site.add("/sitemap.xml", sitemap_index([(old, "2019-01-02"), (new, "2025-03-05")]), content_type="application/xml")
    d = run(Source("s", sitemaps=(index,)))
    assert [(x.kind, x.url) for x in d.docs] == [("sitemapindex", index), ("sitemap", new), ("sitemap", old)]
    assert [f.url for f in d.found] == [site.url("/2025/new.html"), site.url("/2019/old.html")]
    assert d.found[0].lastmod == datetime(2025, 3, 5, 10, tzinfo=UTC)
    # a budget of two sitemap files reads the index and the newest child only
    d2 = run(Source("s", sitemaps=(index,)), o=FetchOptions(per_host_interval=0, retries=0, max_sitemaps=2))
    assert [f.url for f in d2.found] == [site.url("/2025/new.html")] and d2.skipped == {"sitemap_budget": 1}


def test_news_sitemap_dates_titles_and_language_filter(site):
    sm = site.add("/news-sitemap.xml", (FEEDS / "news_sitemap.xml").read_bytes(), content_type="text/xml")
    d = run(Source("s", sitemaps=(sm,)))
    assert len(d.found) == 2
    budget = d.found[0]
    assert budget.title == "Council passes budget after late-night vote" and budget.language == "en"
    assert budget.lastmod == datetime(2025, 3, 5, 7, 15, tzinfo=UTC)
    en_only = run(Source("s", sitemaps=(sm,), language="en"))
    assert [f.url for f in en_only.found] == ["http://127.0.0.1/politics/2025/03/05/budget-vote.html"]
    assert en_only.skipped == {"language": 1}


def test_include_exclude_patterns_and_url_list(site):
    feed = site.add("/rss", rss_feed([(site.url(f"/{sec}/{i}.html"), "x") for sec in ("news", "video") for i in range(2)]),
                    content_type="application/rss+xml")
    d = run(Source("s", feeds=(feed,), urls=(site.url("/news/pinned.html"),), include=("/news/",), exclude=("/1\\.html$",)))
    assert [(f.url, f.via) for f in d.found] == [(site.url("/news/pinned.html"), "urls"), (site.url("/news/0.html"), feed)]
    assert d.skipped == {"include": 2, "exclude": 1}


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity_sitemap.xml"])
def test_xml_bombs_are_refused(site, name):
    url = site.add("/" + name, (FEEDS / name).read_bytes(), content_type="application/xml")
    d = run(Source("s", feeds=(url,)))
    assert d.found == []
    assert [(x.error, "refused" in x.detail) for x in d.docs] == [("parse_error", True)]
    with pytest.raises(XMLRefused):
        _check_xml((FEEDS / name).read_bytes())


def test_broken_documents_are_recorded_not_raised(site):
    not_feed = site.add("/page", "<html><body><p>no feed here</p></body></html>", content_type="text/html")
    missing = site.url("/gone.xml")
    pdf = site.add("/feed.pdf", b"%PDF-1.4 ...", content_type="application/pdf")
    broken_sitemap = site.add("/broken.xml", "<urlset><url><loc>" + site.url("/x.html") + "</loc></url><url><loc>",
                              content_type="application/xml")
    d = run(Source("s", feeds=(not_feed, missing, pdf), sitemaps=(broken_sitemap,)))
    errors = {x.url: x.failure.error if x.failure else None for x in d.docs}
    assert errors == {not_feed: "parse_error", missing: "http_404", pdf: "not_html", broken_sitemap: None}
    assert [f.url for f in d.found] == [site.url("/x.html")]  # <loc> read from the broken sitemap


def test_conditional_get_for_feeds(site):
    feed = site.add("/rss", rss_feed([(site.url("/a.html"), "A")]), content_type="application/rss+xml",
                    headers={"ETag": '"v1"'})
    first = run(Source("s", feeds=(feed,)))
    assert first.docs[0].page.etag == '"v1"' and len(first.found) == 1
    second = run(Source("s", feeds=(feed,)), validators={feed: ('"v1"', None)})
    assert second.docs[0].page.not_modified and second.docs[0].failure is None and second.found == []
    assert site.hits_for("/rss")[-1].headers.get("If-None-Match") == '"v1"'


def test_parsers_directly():
    entries, lang, problem = parse_feed((FEEDS / "atom.xml").read_bytes(), "http://127.0.0.1:1/atom.xml")
    assert problem is None and lang == "en" and len(entries) == 3
    assert entries[0][0].startswith("http://127.0.0.1:1/news/atom-1.html")
    root = _check_xml((FEEDS / "news_sitemap.xml").read_bytes())
    rows = parse_sitemap(root, b"")
    assert [r[3] for r in rows] == ["en", "fr"]
