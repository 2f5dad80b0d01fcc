"""Issue 17, loading side: pages from a local hostile server cannot overwrite each other's
articles (canonical URLs, normalization), and discovery that lists a URL twice cannot crash."""

from __future__ import annotations

import pytest

from newsmill.config import ConfigError, EnrichOptions, ExtractOptions, FetchOptions, load_config
from newsmill.sources import SourcesError, parse_sources
from newsmill.tasks import cpu
from newsmill.tasks.fetch import FetchPlan, HostLimiter, PoliteFetcher, fetch_pages
from newsmill.tasks.urls import choose_canonical, normalize_url
from newsmill.warehouse import db, loader
from newsmill.warehouse import discovery as wdisc
from tests.dbutil import query
from tests.siteserver import SiteServer, article_html, rss_feed, sitemap, sitemap_index

FO = FetchOptions(per_host_interval=0, per_host_concurrency=4, retries=0, read_timeout=3, total_timeout=5)


def page(title: str, seed: int, canonical: str | None = None) -> str:
    html = article_html(title, seed)
    if canonical is not None:
        html = html.replace("<head>", f'<head><link rel="canonical" href="{canonical}">', 1)
    return html


def ingest(urls: list[str], db_path: str, run_id: str = "r1"):
    """fetch -> extract -> load, the stages of a run without Prefect."""
    pages = list(fetch_pages(urls, FO, limiter=HostLimiter(0, 4)))
    results = cpu.process_pages(pages, ExtractOptions(site_repeats=0), EnrichOptions(enabled=False))
    with db.writer(db_path) as con:
        loader.start_run(con, run_id, "ingest", len(urls), {})
        return loader.load_batch(con, results, run_id)


@pytest.fixture
def other():
    try:
        s = SiteServer("127.0.0.2").start()
    except OSError as e:  # pragma: no cover
        pytest.skip(f"cannot bind 127.0.0.2: {e}")
    yield s
    s.stop()


@pytest.mark.parametrize("bogus", ["javascript:void(0)", "javascript:void(0);", "mailto:news@example.org",
                                   "data:text/html,x", "about:blank", "#", ""])
@pytest.mark.slow
def test_non_http_canonical_links_do_not_merge_articles(site, db_path, bogus):
    a = site.add("/news/a.html", page("First story", 1, bogus))
    b = site.add("/news/b.html", page("Second story", 2, bogus))
    counts = ingest([a, b], db_path)
    assert counts.new == 2
    rows = query(db_path, "SELECT url, title FROM articles ORDER BY url")
    assert rows == [(a, "First story"), (b, "Second story")]
    details = [d for (d,) in query(db_path, "SELECT error_detail FROM fetches ORDER BY url")]
    if bogus.strip("#"):  # a declared non-http canonical is recorded on the fetch row, as ignored
        assert all(d and "ignored: not an http(s) URL" in d and bogus.split(",")[0] in d for d in details), details
    else:  # "" declares nothing, "#" is the page itself
        assert details == [None, None]


NOT_HTTP = ["javascript:void(0)", " JavaScript:history.back() ", "mailto:desk@example.org", "data:text/html,x",
            "about:blank", "ftp://files.example.org/a", "tel:+15551234", "http://[::1"]


@pytest.mark.parametrize("bogus", NOT_HTTP)
@pytest.mark.parametrize("where", ["link", "og"])
def test_a_non_http_canonical_is_kept_as_ignored_by_the_extractor(bogus, where):
    from newsmill.tasks.extract import extract_document
    from newsmill.tasks.urls import choose_canonical

    tag = (f'<link rel="canonical" href="{bogus}">' if where == "link"
           else f'<meta property="og:url" content="{bogus}">')
    url = "http://127.0.0.7:8080/world/story-14.html"
    doc = extract_document(page("A harbour story", 7).replace("<head>", "<head>" + tag, 1), url)
    assert doc.canonical_url == url  # keyed by its own URL
    assert doc.canonical_ignored == bogus.strip()
    key, why = choose_canonical(doc.canonical_ignored or doc.canonical_url, url)
    assert key == url and "not an http(s) URL" in why


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["same_path", "other_path", "www"])
def test_a_page_cannot_claim_another_sites_article(site, other, db_path, variant):
    victim = site.add("/news/v.html", page("Victim story", 3))
    ingest([victim], db_path, "r1")
    claimed = {"same_path": victim, "other_path": victim + "?x=1",
               "www": victim.replace("127.0.0.1", "www.127.0.0.1")}[variant]
    evil = other.add("/evil.html", page("Evil replacement", 4, claimed))
    counts = ingest([evil], db_path, "r2")
    assert counts.new == 1  # loaded, under its own URL
    titles = dict(query(db_path, "SELECT url, title FROM articles"))
    assert titles[victim] == "Victim story" and titles[evil] == "Evil replacement"
    detail = query(db_path, "SELECT error_detail FROM fetches WHERE url = ?", [evil])[0][0]
    assert "ignored" in detail


def test_a_site_canonical_to_its_own_other_host_is_honoured():
    assert choose_canonical("https://www.example.com/a", "https://m.example.com/a?utm_source=x") == (
        "https://www.example.com/a", None)
    # two blogs on one hosting suffix are two sites
    assert choose_canonical("https://victim.blogspot.com/p", "https://evil.blogspot.com/p")[1] is not None


@pytest.mark.slow
def test_an_existing_foreign_article_is_never_overwritten(site, other, db_path):
    """Even an article keyed before the canonical rule (or by any other path) keeps its owner."""
    victim = site.add("/news/v.html", page("Victim story", 5))
    ingest([victim], db_path, "r1")
    evil = other.add("/e.html", page("Evil", 6))
    pages = list(fetch_pages([evil], FO, limiter=HostLimiter(0, 4)))
    results = cpu.process_pages(pages, ExtractOptions(site_repeats=0), EnrichOptions(enabled=False))
    import dataclasses
    forged = [dataclasses.replace(r, document=dataclasses.replace(r.document, canonical_url=victim)) for r in results]
    rows = loader.stage_batch(forged, "r2")
    rows["stage_articles"][0]["article_id"] = loader.article_id_for(victim)  # as if keyed by the victim
    for f in rows["stage_fetches"]:
        f["article_id"] = loader.article_id_for(victim)
    with db.writer(db_path) as con:
        counts = loader.write_rows(con, rows)
    assert counts.errors == {"canonical_conflict": 1}
    assert query(db_path, "SELECT title FROM articles") == [("Victim story",)]


@pytest.mark.slow
@pytest.mark.parametrize("param", ["sid", "id", "p", "story", "articleid", "itemid"])
def test_query_parameters_that_name_the_article_are_kept(site, db_path, param):
    urls = [site.add("/story.php", "") and site.url(f"/story.php?{param}={i}") for i in (1, 2, 3)]

    def h(req):
        n = int(req.path.rsplit("=", 1)[1])
        req.send_html(page(f"Story number {n}", 10 + n).encode())
    site.add_handler("/story.php", h)
    counts = ingest(urls, db_path)
    assert counts.new == 3
    assert query(db_path, "SELECT count(*) FROM articles")[0][0] == 3


def test_tracking_parameters_are_still_dropped():
    assert normalize_url("http://ex.org/story.php?sid=2&utm_source=rss&fbclid=abc&gclid=1#top") == \
        "http://ex.org/story.php?sid=2"
    assert normalize_url("http://ex.org/a?b=2&a=1") == normalize_url("http://ex.org/a?a=1&b=2")
    assert normalize_url("javascript:void(0)") is None


def _discover(sources_text: str, db_path: str):
    from newsmill.flows.discovery import discover_step  # no Prefect import: plain functions
    from newsmill.config import Config, LoadOptions
    import dataclasses
    cfg = dataclasses.replace(load_config(env={}), fetch=FO, load=LoadOptions(db_path=db_path))
    srcs = parse_sources(sources_text)
    import logging
    with db.writer(db_path) as con:
        loader.start_run(con, "d1", "ingest", 0, {})
    return discover_step(srcs, cfg, "d1", logging.getLogger("t"), limiter=HostLimiter(0, 4), force=True)


def test_discovery_listing_a_url_twice_does_not_crash(site, db_path):
    arts = [site.add(f"/n/{i}.html", page(f"S{i}", i)) for i in range(3)]
    feed = site.add("/rss", rss_feed([(u, "t") for u in arts] + [(arts[0] + "?utm_source=x", "dup")]),
                    content_type="application/rss+xml")
    site.add("/sm.xml", sitemap(arts + [arts[1] + "#frag"]), content_type="application/xml")
    idx = site.url("/index.xml")
    # an index naming itself, a child twice, and a child that normalizes to the same URL
    site.add("/index.xml", sitemap_index([idx, site.url("/sm.xml"), site.url("/sm.xml?utm_campaign=x"),
                                          site.url("/sm.xml")]), content_type="application/xml")
    text = f'''
[[source]]
name = "one"
feeds = ["{feed}", "{feed}"]
sitemaps = ["{idx}"]
[[source]]
name = "two"
feeds = ["{feed}"]
urls = ["{arts[2]}"]
'''
    out = _discover(text, db_path)
    assert sorted(set(out.urls)) == sorted(arts)
    assert len(out.urls) == len(set(out.urls))
    assert query(db_path, "SELECT count(*), count(DISTINCT url) FROM discovered_urls")[0] == (3, 3)


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e400", "1e30"])
def test_non_finite_numbers_are_refused_in_config_and_sources(value, tmp_path):
    for key in ("per_host_interval", "total_timeout", "revisit_after", "max_crawl_delay"):
        p = tmp_path / "c.toml"
        p.write_text(f"[fetch]\n{key} = {value}\n")
        with pytest.raises(ConfigError, match=key):
            load_config(str(p), env={})
    with pytest.raises(ConfigError):
        load_config(env={"NEWSMILL_PER_HOST_INTERVAL": value})
    for key in ("interval", "revisit_after", "schedule"):
        with pytest.raises(SourcesError, match=key):
            parse_sources(f'[[source]]\nname = "a"\nurls = ["http://x.org/a"]\n{key} = {value}\n')
        with pytest.raises(SourcesError, match=key):
            parse_sources(f'[defaults]\n{key} = {value}\n[[source]]\nname = "a"\nurls = ["http://x.org/a"]\n')


def test_limiter_releases_the_host_when_waiting_fails():
    lim = HostLimiter(0, 1)
    lim.acquire("h:80", 0)
    lim.release("h:80")
    for bad in (float("inf"), float("nan"), -1.0):
        with pytest.raises(ValueError):
            lim.acquire("h:80", bad)
    lim.acquire("h:80", 0)  # the slot was given back: this does not hang
    lim.release("h:80")


BAD_URLS = ["http://[::1", "https://[fe80::1%zz]/x", "http://a:b:c:99999/", "http://[::1]:bad/"]
URL_SLOTS = {
    "json-ld author": lambda u: f'<script type="application/ld+json">{{"@type": "NewsArticle", "author": ["{u}"]}}</script>',
    "meta author": lambda u: f'<meta name="author" content="{u}">',
    "article:author": lambda u: f'<meta property="article:author" content="{u}">',
    "og:url": lambda u: f'<meta property="og:url" content="{u}">',
    "canonical": lambda u: f'<link rel="canonical" href="{u}">',
    "og:image": lambda u: f'<meta property="og:image" content="{u}">',
}


@pytest.mark.parametrize("slot", list(URL_SLOTS))
@pytest.mark.parametrize("bad", BAD_URLS)
def test_an_unparsable_url_anywhere_in_the_page_never_stops_extraction(slot, bad):
    """A page writes URLs in many places; one the standard parser refuses is no value, not a crash."""
    from newsmill.tasks.extract import extract_document

    html = page("A ferry story", 9).replace("<head>", "<head>" + URL_SLOTS[slot](bad), 1)
    for url in ("http://127.0.0.9/2024/05/06/ferry.html", bad, None):
        doc = extract_document(html, url)
        assert doc.title == "A ferry story" and doc.text
