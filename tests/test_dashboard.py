"""`newsmill dashboard` used as a user uses it, in real headless Chromium (Debian's chromium),
driven over the DevTools protocol with mouse clicks and key presses (tests/cdp.py).

What the page shows is checked against the warehouse (SQL over the marts), before and after
filtering by source and date, searching for a person, opening their panel and clicking a bar.
The page must draw its charts from the embedded Chart.js and load nothing from the network.
Screenshots are kept under tests/artifacts/ (not in git) for a human to look at.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsmill.dashboard import write_dashboard
from newsmill.records import FetchedPage, PageResult
from newsmill.warehouse import db, loader
from tests.cdp import CHROMIUM, Browser
from tests.test_marts import build_warehouse

pytestmark = pytest.mark.slow  # every test here starts Prefect, a subprocess or Chromium

ARTIFACTS = Path(__file__).parent / "artifacts"
TYPES = ("PERSON", "ORG", "PLACE", "NORP")


@pytest.fixture
def browser(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install -y chromium (.ci/run does this)")
    opened = []

    def open_page(path: Path) -> Browser:
        b = Browser(tmp_path / f"profile-{len(opened)}", path.as_uri())
        opened.append(b)
        return b

    yield open_page
    for b in opened:
        b.close()


def _add_failures(db_path: str) -> None:
    """Two failed fetches of the ledger's source (one listed by its feed), and its feed's state."""
    now = datetime.now(UTC)
    bad = ["http://ledger.test/2025/03/05/missing", "http://ledger.test/2025/03/05/slow"]
    pages = [PageResult(FetchedPage(bad[0], bad[0], 404, "text/html", None, None, now, 3, "http_404", "HTTP 404",
                                    source="ledger"), error="http_404", detail="HTTP 404"),
             PageResult(FetchedPage(bad[1], None, None, None, None, None, now, 3, "timeout", "read timed out",
                                    source="ledger"), error="timeout", detail="read timed out")]
    with db.writer(db_path, snapshot=True) as con:
        loader.load_batch(con, pages, "run-test-2")
        for u in bad:
            con.execute("INSERT INTO discovered_urls (url, source, via, first_seen_at, last_seen_at) "
                        "VALUES (?, 'ledger', 'http://ledger.test/feed', now(), now())", [u])
        con.execute("INSERT INTO discovery_docs (doc_url, source, kind, status_code, fetched_at, last_ok_at) "
                    "VALUES ('http://ledger.test/feed', 'ledger', 'feed', 200, now(), now())")


def _sql(db_path: str, sql: str, params=None) -> list[tuple]:
    with db.reader(db_path) as con:
        return con.execute(sql, params or {}).fetchall()


def _expect(db_path: str, source: str | None = None, first: str = "0001-01-01", last: str = "9999-12-31") -> dict:
    """What the cards must say for a selection, straight from the marts."""
    where = "day BETWEEN CAST($first AS DATE) AND CAST($last AS DATE)" + (
        " AND coalesce(source, '(URL list)') = $source" if source else "")
    p = {"first": first, "last": last, **({"source": source} if source else {})}
    ((articles, sources, sites),) = _sql(db_path, f"SELECT count(*), count(DISTINCT source), count(DISTINCT site) "
                                                  f"FROM article_days WHERE {where}", p)
    ((quotes,),) = _sql(db_path, f"SELECT count(*) FROM quotes_citable WHERE {where}", p)
    ((entities,),) = _sql(db_path, f"SELECT count(DISTINCT entity_id) FROM entity_mentions_daily WHERE {where} "
                                   f"AND entity_type IN {TYPES}", p)
    people = _sql(db_path, f"SELECT entity, sum(mentions) AS n FROM entity_mentions_daily WHERE {where} "
                           "AND entity_type = 'PERSON' GROUP BY entity ORDER BY n DESC, entity", p)
    return {"articles": articles, "sources": sources, "sites": sites, "quotes": quotes, "entities": entities,
            "people": [e for e, _n in people], "mentions": dict(people)}


def _cards(b: Browser) -> dict:
    return {k: int(b.js(f"document.getElementById('stat-{k}').getAttribute('data-count')"))
            for k in ("articles", "sources", "sites", "entities", "quotes")}


def test_dashboard_filters_search_and_person_panel_match_the_warehouse(db_path, tmp_path, browser):
    build_warehouse(db_path)
    _add_failures(db_path)
    r = subprocess.run([sys.executable, "-m", "newsmill.cli", "dashboard", "--db", db_path, "--out", str(tmp_path / "dash")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    page = Path(r.stdout.strip())
    assert page == tmp_path / "dash" / "index.html"
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?:', page.read_text()), "page loads from the network"

    b = browser(page)
    # --- as loaded: everything --------------------------------------------------------------
    want = _expect(db_path)
    assert want["articles"] == 4 and want["sources"] == 1 and want["sites"] == 2  # the fixture's shape
    assert _cards(b) == {k: want[k] for k in ("articles", "sources", "sites", "entities", "quotes")}
    assert b.js("document.getElementById('daily').getAttribute('data-points')") == "6"  # 3 days x 2 sources
    for t in ("daily", "ent-PERSON", "ent-ORG", "ent-PLACE"):
        assert int(b.js(f"document.getElementById('{t}').getAttribute('data-painted')")) > 200, f"{t} is blank"
    assert b.js("document.getElementById('ent-NORP-empty').hidden") is False  # no groups: the card says so
    assert json.loads(b.js("document.getElementById('ent-PERSON').getAttribute('data-entities')")) == want["people"]
    legend = b.js("Chart.getChart(document.getElementById('daily')).data.datasets.map(d => d.label)")
    assert legend == ["(URL list)", "ledger"]  # sources, never hosts
    quotes = b.js("[...document.querySelectorAll('#quotes tbody tr')].map(r => r.innerText)")
    # the quote panels read quotes_citable: every citable quote and nothing else (the fixture also
    # has quotes without a named speaker or below the calibrated threshold)
    citable = {q for (q,) in _sql(db_path, "SELECT quote FROM quotes_citable")}
    others = {q for (q,) in _sql(db_path, "SELECT quote FROM quotes_with_speakers")} - citable
    assert others and len(citable) >= 3
    assert len(quotes) == want["quotes"] == len(citable) and "This budget keeps every school open" in quotes[-1]  # newest first
    assert {row.split("\t")[2].strip("“”") for row in quotes} == citable
    assert not any(o in row for o in others for row in quotes)
    fresh = {r[0]: r for r in b.js("[...document.querySelectorAll('#freshness tbody tr')].map(r => [...r.cells].map(c => c.innerText))")}
    assert set(fresh) == {"(URL list)", "ledger"}
    ledger = fresh["ledger"]
    assert ledger[1] != "never" and ledger[2] != "never"  # last success, last failure
    counts = json.loads(b.js("document.querySelector('#freshness tr[data-source=ledger] td[data-counts]').getAttribute('data-counts')"))
    assert counts == {"http_404": 1, "new": 2, "timeout": 1}
    assert "1 (0 failing" in ledger[4]
    assert fresh["(URL list)"][2] == "never"
    b.screenshot(ARTIFACTS / "dashboard.png")

    # --- source filter (keyboard on the select, as a user tabbing through the form) -------------
    b.js("document.getElementById('f-source').focus()")
    b.call("Input.dispatchKeyEvent", type="keyDown", text="l", key="l", unmodifiedText="l")
    b.call("Input.dispatchKeyEvent", type="keyUp", key="l")
    b.wait_for("document.getElementById('f-source').selectedOptions[0].text === 'ledger'")
    want = _expect(db_path, source="ledger")
    assert _cards(b) == {k: want[k] for k in ("articles", "sources", "sites", "entities", "quotes")}
    assert want["articles"] == 2 and 1 <= want["quotes"] < len(citable)
    assert b.js("document.getElementById('daily').getAttribute('data-points')") == "3"
    assert json.loads(b.js("document.getElementById('ent-PERSON').getAttribute('data-entities')")) == want["people"]
    assert b.js("[...document.querySelectorAll('#freshness tbody tr')].map(r => r.dataset.source)") == ["ledger"]
    b.js("var s = document.getElementById('f-source'); s.value = ''; s.dispatchEvent(new Event('change'))")

    # --- date range: type a date into "from" (en-US: mm dd yyyy), then the preset buttons -------
    x, y = b.center("#f-from")
    width = b.js("document.getElementById('f-from').getBoundingClientRect().width")
    b.click_at(x - width / 2 + 12, y)  # into the month field, where typing a date starts
    for ch in "03042025":
        b.call("Input.dispatchKeyEvent", type="keyDown", text=ch, key=ch, unmodifiedText=ch)
        b.call("Input.dispatchKeyEvent", type="keyUp", key=ch)
    b.wait_for("document.getElementById('f-from').value === '2025-03-04'")
    want = _expect(db_path, first="2025-03-04")
    assert _cards(b) == {k: want[k] for k in ("articles", "sources", "sites", "entities", "quotes")}
    assert want["articles"] == 3
    assert "2025-03-04 to 2025-03-05" in b.text("#f-summary")
    b.click("#r-all")
    assert _cards(b)["articles"] == 4 and b.js("document.getElementById('f-from').value") == "2025-03-03"

    # --- search a person, open their panel ---------------------------------------------------
    b.type("#entity-search", "ada")
    b.wait_for("document.querySelectorAll('#search-results button').length > 0")
    hits = b.js("[...document.querySelectorAll('#search-results button')].map(x => x.innerText)")
    assert hits == [f"Ada Park (People) · {_expect(db_path)['mentions']['Ada Park']} mentions"]
    b.click("#search-results button")
    b.wait_for("!document.getElementById('person').hidden")
    assert b.js("document.getElementById('person').dataset.entity") == "Ada Park"
    said = _sql(db_path, "SELECT quote, article_url, CAST(day AS VARCHAR) FROM quotes_citable "
                         "WHERE speaker_name = 'Ada Park' ORDER BY day DESC, start_char")
    items = b.js("[...document.querySelectorAll('#person-quotes li')].map(li => [li.querySelector('.quote').innerText, li.querySelector('a').href, li.innerText])")
    assert [(q.strip("“”"), href) for q, href, _t in items] == [(q, url) for q, url, _d in said]
    assert all(d in t for (_q, _h, t), (_q2, _u, d) in zip(items, said))
    ((mentions, articles),) = _sql(db_path, "SELECT sum(mentions), sum(articles) FROM entity_mentions_daily WHERE entity = 'Ada Park'")
    assert b.text("#person-counts").startswith(f"{mentions} mentions in {articles} articles; {len(said)} quotes")
    # Ada Park joins the mentions chart (replacing the default: the most mentioned people)
    totals = json.loads(b.js("document.getElementById('mentions').getAttribute('data-totals')"))
    assert totals == [["Ada Park", mentions]]
    b.screenshot(ARTIFACTS / "dashboard-person.png")

    # --- click the "Acme Corp" bar: it joins the mentions-over-time chart ---------------------
    xy = b.js("""(function () { var c = document.getElementById('ent-ORG'); c.scrollIntoView({block: 'center'});
        var ch = Chart.getChart(c), i = ch.data.labels.indexOf('Acme Corp'), bar = ch.getDatasetMeta(0).data[i];
        var r = c.getBoundingClientRect(); return [r.left + (bar.x + bar.base) / 2, r.top + bar.y]; })()""")
    b.click_at(*xy)
    b.wait_for("document.querySelectorAll('#chosen .chip').length === 2")
    ((acme,),) = _sql(db_path, "SELECT sum(mentions) FROM entity_mentions_daily WHERE entity = 'Acme Corp'")
    assert json.loads(b.js("document.getElementById('mentions').getAttribute('data-totals')")) == [["Ada Park", mentions], ["Acme Corp", acme]]
    assert b.js("document.getElementById('person').dataset.entity") == "Ada Park"  # an organisation has no panel
    # a speaker in the quotes table opens that person's panel
    b.click("#quotes button.speaker")
    b.wait_for("document.getElementById('person').dataset.entity !== 'Ada Park'")
    # removing a chip takes the entity off the chart
    b.click("#chosen .chip[data-entity='Acme Corp'] button")
    b.wait_for("!document.querySelector(\"#chosen .chip[data-entity='Acme Corp']\")")
    assert b.console == [], b.console
    b.screenshot(ARTIFACTS / "dashboard-chosen.png")


def test_dashboard_on_an_empty_warehouse_says_so(db_path, tmp_path, browser):
    with db.writer(db_path, snapshot=True):
        pass  # a migrated warehouse with no articles
    b = browser(write_dashboard(db_path, tmp_path / "dash"))
    assert b.js("document.body.dataset.charts") == "0"
    assert b.js("document.getElementById('daily-empty').hidden") is False
    assert "No quotes in this selection" in b.text("#quotes")
    assert _cards(b) == {"articles": 0, "sources": 0, "sites": 0, "entities": 0, "quotes": 0}


def test_dashboard_escapes_page_content(db_path, tmp_path, browser):
    from newsmill.records import Enrichment, Quote
    from newsmill.tasks.extract import extract_document

    evil = '</script><script>document.body.setAttribute("data-pwned","1")</script>'
    url = "http://evil.test/a"
    html = (f'<html><head><title>Title {evil}</title></head><body><article><h1>Title</h1>'
            f'<p>{"Plain words about nothing in particular. " * 5}</p><p>"Hello {evil}" said Mallory.</p>'
            f'</article></body></html>').encode()
    doc = extract_document(html, url)
    start = doc.text.index("Hello")
    enr = Enrichment(quotes=(Quote(doc.text[start:start + 40], start, start + 40, "direct", "said", "Mallory",
                                   None, None, "Mallory " + evil, confidence=1.0),))
    page = FetchedPage(url, url, 200, "text/html", html, "utf-8", datetime.now(UTC), 1)
    with db.writer(db_path, snapshot=True) as con:
        loader.load_batch(con, [PageResult(page, doc, enr)], "run-x")
    b = browser(write_dashboard(db_path, tmp_path / "dash"))
    assert b.js("document.body.getAttribute('data-pwned')") is None  # shown as text, never run
    assert "</script><script>" in b.text("#quotes")
