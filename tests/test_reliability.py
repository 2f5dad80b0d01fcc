"""Sources over several real local sites through the real ingest flow; a killed run, two runs at
once, and broken databases through the real CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.dbutil import query
from tests.siteserver import (PDF, Response, SiteServer, article_html, big_body, flaky, gzip_bomb, redirect_to,
                              rss_feed, sitemap, sitemap_index, slow_drip, slow_page)

pytestmark = pytest.mark.slow  # every test here starts Prefect, a subprocess or Chromium

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
NEWSMILL = [sys.executable, "-m", "newsmill.cli"]


q = query


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def min_gap(server: SiteServer) -> float:
    starts = sorted(h.at for h in server.hits)
    return min(b - a for a, b in zip(starts, starts[1:]))


@pytest.fixture
def sites():
    servers = [SiteServer().start(), SiteServer().start(), SiteServer().start()]
    try:
        servers.append(SiteServer("127.0.0.2").start())
    except OSError as e:  # pragma: no cover
        pytest.skip(f"cannot bind 127.0.0.2: {e}")
    yield servers
    for s in servers:
        s.stop()


def test_sources_over_several_sites(prefect_harness, sites, tmp_path):
    from newsmill.flows.ingest import ingest

    a, b, c, evil = sites
    # site A: a feed of good articles and of every kind of trouble
    a.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    for i in range(4):
        a.add(f"/news/a{i}.html", article_html(f"Story A{i}", i))
    a.add_fixture("/news/latin1.html", "pages/latin1.html", content_type="text/html; charset=iso-8859-1")
    a.add_handler("/news/busy.html", flaky(1, status=429, retry_after="1", then=Response(
        200, article_html("Busy story", 40).encode(), {"Content-Type": "text/html"})))
    a.add("/private/a.html", article_html("Private", 41))
    evil.add("/admin.html", article_html("Internal admin page", 42))
    a.add("/boom", "server error", status=500, content_type="text/plain")
    a.add_handler("/slow", slow_drip(5))
    a.add_handler("/loop/a", redirect_to("/loop/b"))
    a.add_handler("/loop/b", redirect_to("/loop/a"))
    a.add("/report", PDF, content_type="application/pdf")
    a.add_handler("/huge", big_body(50))
    a.add_handler("/bomb", gzip_bomb(20))
    a.add("/news/empty.html", "<html><body><p>Short.</p></body></html>")
    dead = f"http://127.0.0.1:{closed_port()}/news/dead.html"
    outcomes = {  # URL as fetched -> the exact recorded outcome
        a.url("/news/a0.html"): "new", a.url("/news/a1.html"): "new", a.url("/news/a2.html"): "new",
        a.url("/news/a3.html"): "new", a.url("/news/latin1.html"): "new", a.url("/news/busy.html"): "new",
        a.url("/private/a.html"): "robots_disallowed", evil.url("/admin.html"): "blocked_address",
        a.url("/missing.html"): "http_404", a.url("/boom"): "http_500", a.url("/slow"): "timeout",
        a.url("/loop/a"): "too_many_redirects", a.url("/report"): "not_html", a.url("/huge"): "too_large",
        a.url("/bomb"): "too_large", a.url("/news/empty.html"): "extract_empty", dead: "connection",
        "http://no-such-host.invalid/news/x.html": "dns",
    }
    feed_items = [(u + "?utm_source=rss" if "a0" in u else u, "t") for u in outcomes]
    a.add("/feed.xml", rss_feed(feed_items), content_type="application/rss+xml")
    # site B: a sitemap index over a sitemap (with an ETag) and a news sitemap
    b.add("/sm-1.xml", sitemap([(b.url(f"/b/{i}.html"), "2025-03-04") for i in range(3)]),
          content_type="application/xml", headers={"ETag": '"sm1-v1"'})
    b.add("/sm-news.xml", sitemap([(b.url("/b/news.html"), "2025-03-05T08:00:00Z")], news=True), content_type="application/xml")
    b.add("/sitemap.xml", sitemap_index([(b.url("/sm-1.xml"), "2025-03-04"), (b.url("/sm-news.xml"), "2025-03-05")]),
          content_type="application/xml")
    for i in range(3):
        b.add(f"/b/{i}.html", article_html(f"Story B{i}", 10 + i))
    b.add("/b/news.html", article_html("Story B news", 19))
    # site C: an article list, a sitemap, and a feed that is an XML bomb
    c.add("/c/0.html", article_html("Story C0", 20))
    c.add("/c/1.html", article_html("Story C1", 21))
    c.add("/sitemap.xml", sitemap([c.url("/c/1.html")]), content_type="application/xml")
    c.add("/bomb.xml", (FEEDS / "billion_laughs.xml").read_bytes(), content_type="application/rss+xml")

    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "site-a"\nfeeds = ["{a.url("/feed.xml")}"]\n\n'
        f'[[source]]\nname = "site-b"\nsitemaps = ["{b.url("/sitemap.xml")}"]\ninterval = 0.4\n\n'
        f'[[source]]\nname = "site-c"\nurls = ["{c.url("/c/0.html")}"]\nsitemaps = ["{c.url("/sitemap.xml")}"]\n'
        f'feeds = ["{c.url("/bomb.xml")}"]\n')
    config = tmp_path / "newsmill.toml"
    config.write_text("[fetch]\nretries = 1\nbackoff = 0.05\nread_timeout = 1\ntotal_timeout = 1.5\n"
                      "max_bytes = 5000000\nper_host_interval = 0.25\n[enrich]\nenabled = false\n")
    db = str(tmp_path / "news.duckdb")

    s1 = ingest(urls=[], db=db, config_path=str(config), sources_file=str(sources))
    print("\nRUN 1", json.dumps({k: s1[k] for k in ("discovered", "urls", "fetched", "new", "updated", "unchanged",
                                                    "failed", "errors", "sources")}))
    assert s1["status"] == "completed"
    recorded = dict(q(db, "select url, coalesce(error, outcome) from fetches"))
    assert {u: recorded.get(u) for u in outcomes} == outcomes
    good_b = [b.url(f"/b/{i}.html") for i in range(3)] + [b.url("/b/news.html")]
    assert all(recorded[u] == "new" for u in good_b + [c.url("/c/0.html"), c.url("/c/1.html")])
    assert q(db, "select count(*), count(distinct canonical_url) from articles") == [(12, 12)]
    assert s1["errors"] == {"blocked_address": 1, "connection": 1, "dns": 1, "extract_empty": 1, "http_404": 1,
                            "http_500": 1, "not_html": 1, "robots_disallowed": 1, "timeout": 1,
                            "too_large": 2, "too_many_redirects": 1}
    assert (s1["new"], s1["discovered"]) == (12, 24)  # 18 + 4 + 2 listed
    assert s1["sources"]["site-c"]["docs_failed"] == 1
    bomb = [f for f in s1["failures"] if f["url"] == c.url("/bomb.xml")]
    assert bomb and bomb[0]["error"] == "parse_error"
    assert q(db, f"select error from discovery_docs where doc_url = '{c.url('/bomb.xml')}'") == [("parse_error",)]
    status, errors, discovered = q(db, "select status, errors, discovered from runs")[0]
    assert status == "completed" and json.loads(errors) == s1["errors"] and discovered == 24
    # each new article was fetched once; nothing was sent to the internal host or the private path
    for server, path in [(a, f"/news/a{i}.html") for i in range(4)] + [(b, f"/b/{i}.html") for i in range(3)]:
        assert len(server.hits_for(path)) == 1, path
    assert evil.hits == [] and a.hits_for("/private/a.html") == []
    # politeness, from the servers' clocks: every request to a host (robots.txt, feeds, sitemaps,
    # articles, retries, redirect hops) at least the interval after the previous one
    # server-side arrival times jitter by some 10-50 ms on a busy machine; without the limiter
    # the gaps would be ~0 (8 concurrent fetches)
    assert min_gap(a) >= 0.2 and min_gap(c) >= 0.2
    assert min_gap(b) >= 0.34  # site-b's own interval

    # Second run: one article changed (the feed dates it later), one is new; nothing else changed.
    a.add("/news/a1.html", article_html("Story A1, updated", 31))
    a.add("/news/a4.html", article_html("Story A4", 4))
    feed_items = [(u, t, "Wed, 05 Mar 2025 12:00:00 GMT") if u.endswith("/a1.html") else (u, t) for u, t in feed_items]
    a.add("/feed.xml", rss_feed(feed_items + [(a.url("/news/a4.html"), "t", "Wed, 05 Mar 2025 13:00:00 GMT")]),
          content_type="application/rss+xml")
    before = {id(s): len(s.hits) for s in (a, b, c)}
    s2 = ingest(urls=[], db=db, config_path=str(config), sources_file=str(sources))
    print("RUN 2", json.dumps({k: s2[k] for k in ("discovered", "urls", "fetched", "new", "updated", "unchanged",
                                                    "failed", "errors", "sources")}))
    new_hits = {srv.base: sorted({h.path for h in srv.hits[before[id(srv)]:]}) for srv in (a, b, c)}
    # only what changed, and the transient failures (5xx, timeout, connection) once more
    assert new_hits[a.base] == ["/boom", "/feed.xml", "/news/a1.html", "/news/a4.html", "/slow"]
    assert new_hits[b.base] == ["/sitemap.xml", "/sm-1.xml", "/sm-news.xml"]  # sm-1 answered 304
    assert new_hits[c.base] == ["/bomb.xml", "/sitemap.xml"]
    assert s2["sources"]["site-b"]["docs_unchanged"] == 1
    assert (s2["new"], s2["updated"]) == (1, 1)
    assert s2["errors"] == {"connection": 1, "dns": 1, "http_500": 1, "timeout": 1}
    assert q(db, "select count(*), count(distinct canonical_url) from articles") == [(13, 13)]
    assert q(db, "select title from articles where url like '%/news/a1.html'") == [("Story A1, updated",)]


# ---- the real CLI in subprocesses -------------------------------------------------------------

def _env(tmp_path, name: str) -> dict:
    home = tmp_path / f"prefect-{name}"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db",
                # two Prefect temporary servers starting at once on a busy 2-core machine
                "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
                "NEWSMILL_FLOW_RETRIES": "0", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    return env


def test_corrupted_wrong_version_and_locked_databases_give_clear_errors(tmp_path, site):
    url = site.add("/a.html", article_html("A", 1))
    env = _env(tmp_path, "x")
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"DUCK" + os.urandom(64 * 1024))
    newer = str(tmp_path / "newer.duckdb")
    from newsmill.warehouse import db as wdb
    with wdb.writer(newer) as con:
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')")
    locked = str(tmp_path / "locked.duckdb")
    with wdb.writer(locked):
        pass
    holder = duckdb.connect(locked)  # another process's write lock, as DuckDB sees it
    try:
        cases = {
            "corrupt": [str(corrupt), "not a valid DuckDB database file"],
            "newer": [newer, "schema version 999, newer than this newsmill knows"],
            "locked": [locked, "is in use by another process"],
        }
        for name, (path, message) in cases.items():
            r = subprocess.run(NEWSMILL + ["ingest", url, "--db", path, "--no-enrich"], capture_output=True,
                               text=True, timeout=120, env={**env, "NEWSMILL_LOCK_TIMEOUT": "1"})
            assert r.returncode == 1, (name, r.stderr)
            assert message in r.stderr, (name, r.stderr)
            assert "Traceback" not in r.stderr + r.stdout, (name, r.stderr)
            if name == "corrupt":
                assert "restore it from its snapshot" in r.stderr
    finally:
        holder.close()
    assert site.hits == []  # nothing was fetched for a database that cannot take the result


@pytest.fixture
def slow_site():
    """A site whose articles take 0.25 s each, with a feed of 16 of them."""
    server = SiteServer().start()
    for i in range(16):
        server.add_handler(f"/s/{i}.html", slow_page(article_html(f"Slow story {i}", 50 + i).encode(), 0.25))
    server.add("/feed.xml", rss_feed([(server.url(f"/s/{i}.html"), f"S{i}") for i in range(16)]),
               content_type="application/rss+xml")
    yield server
    server.stop()


def _files(tmp_path, site: SiteServer, name: str = "slow") -> tuple[str, str]:
    sources = tmp_path / f"{name}.toml"
    sources.write_text(f'[[source]]\nname = "{name}"\nfeeds = ["{site.url("/feed.xml")}"]\n')
    config = tmp_path / "cfg.toml"
    config.write_text("[fetch]\nper_host_interval = 0\nper_host_concurrency = 2\nconcurrency = 2\nretries = 0\n"
                      "[load]\nbatch_size = 2\nlock_timeout = 120\n[enrich]\nenabled = false\n")
    return str(sources), str(config)


def test_kill_9_mid_run_then_rerun_loses_and_duplicates_nothing(tmp_path, slow_site):
    sources, config = _files(tmp_path, slow_site)
    db = str(tmp_path / "news.duckdb")
    args = NEWSMILL + ["ingest", "--sources", sources, "--db", db, "--config", config, "--json"]
    proc = subprocess.Popen(args, env=_env(tmp_path, "a"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    articles = lambda: [h for h in slow_site.hits if h.path.startswith("/s/")]  # noqa: E731
    while len(articles()) < 7 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    first = len(articles())
    assert 7 <= first < 16

    killed = q(db, "select run_id, status from runs")
    assert [s for _, s in killed] == ["running"]
    loaded_before = q(db, "select count(*) from articles")[0][0]
    assert 0 < loaded_before < 16

    r = subprocess.run(args, env=_env(tmp_path, "b"), capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    summary = json.loads(r.stdout)
    assert summary["status"] == "completed" and summary["errors"] == {}
    assert q(db, "select count(*), count(distinct canonical_url), count(distinct url) from articles") == [(16, 16, 16)]
    # the rerun fetched what the killed run had not loaded, not the loaded ones again
    assert summary["new"] == 16 - loaded_before
    per_article = [len(slow_site.hits_for(f"/s/{i}.html")) for i in range(16)]
    print(f"\nKILL: {first} article requests before SIGKILL, {loaded_before} loaded; rerun new "
          f"{summary['new']}, article requests in all {sum(per_article)}")
    assert all(1 <= n <= 2 for n in per_article) and sum(per_article) == first + (16 - loaded_before)
    assert dict(q(db, "select status, count(*) from runs group by status")) == {"interrupted": 1, "completed": 1}
    assert "killed or crashed" in q(db, "select message from runs where status = 'interrupted'")[0][0]
    assert q(db, "select count(*) from fetches where outcome = 'new'") == [(16,)]


def test_two_processes_on_one_database(tmp_path, slow_site):
    other = SiteServer().start()
    try:
        for i in range(6):
            other.add(f"/o/{i}.html", article_html(f"Other story {i}", 80 + i))
        other.add("/feed.xml", rss_feed([(other.url(f"/o/{i}.html"), "o") for i in range(6)]),
                  content_type="application/rss+xml")
        s1, config = _files(tmp_path, slow_site, "slow")
        s2, _ = _files(tmp_path, other, "other")
        db = str(tmp_path / "news.duckdb")
        procs = [subprocess.Popen(NEWSMILL + ["ingest", "--sources", s, "--db", db, "--config", config, "--json"],
                                  env=_env(tmp_path, n), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n, s in (("p1", s1), ("p2", s2))]
        outs = [p.communicate(timeout=240) for p in procs]
    finally:
        other.stop()
    print("\nTWO: lock waits logged:", sum("locked by another process; waiting" in err for _, err in outs),
          "seconds:", [json.loads(o)["seconds"] for o, _ in outs if o.strip()])
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
        assert json.loads(out)["status"] == "completed"
    assert sorted(json.loads(o)["new"] for o, _ in outs) == [6, 16]
    assert q(db, "select count(*), count(distinct canonical_url) from articles") == [(22, 22)]
    assert q(db, "select status, count(*) from runs group by status") == [("completed", 2)]
    assert q(db, "select count(*) from fetches") == [(22,)]
