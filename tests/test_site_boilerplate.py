"""Lines a site repeats in every article are dropped, judged against the warehouse's other pages."""

import pytest
from datetime import UTC, datetime

import duckdb

from newsmill.records import Document, FetchedPage, PageResult
from newsmill.tasks.boilerplate import strip_site_repeats
from tests.siteserver import article_html

FURNITURE = "The Daily Ledger is an independent newspaper funded by readers like you since 1901."


def result(url: str, text: str) -> PageResult:
    page = FetchedPage(url=url, final_url=url, status_code=200, content_type="text/html", body=b"x",
                       encoding="utf-8", fetched_at=datetime.now(UTC), elapsed_ms=1)
    doc = Document(url=url, canonical_url=url, title="t", authors=(), published=None, modified=None,
                   site_name=None, language="en", text=text)
    return PageResult(page=page, document=doc)


def story(n: int) -> str:
    return "\n".join(f"Paragraph {i} of story {n} says something different about topic {n * 31 + i}."
                     for i in range(6))


def test_repeated_line_dropped_only_with_enough_evidence():
    others = [(f"https://www.ledger.test/s{i}", story(i) + "\n" + FURNITURE) for i in range(4)]
    new = result("https://ledger.test/new", story(99) + "\n" + FURNITURE)
    [out] = strip_site_repeats([new], {"ledger.test": others})
    assert FURNITURE not in out.document.text and out.document.text == story(99)
    # two other articles are not enough to call a line the site's furniture
    [kept] = strip_site_repeats([new], {"ledger.test": others[:2]})
    assert kept.document.text == new.document.text
    # another site's repeated lines say nothing about this one
    [other_site] = strip_site_repeats([new], {"elsewhere.test": others})
    assert other_site.document.text == new.document.text


def test_copies_of_the_same_story_are_not_boilerplate():
    text = story(7) + "\n" + FURNITURE
    copies = [(f"https://ledger.test/copy{i}", text) for i in range(4)]
    [out] = strip_site_repeats([result("https://ledger.test/original", text)], {"ledger.test": copies})
    assert out.document.text == text
    # the article's own earlier version is never evidence against itself
    mine = [("https://ledger.test/new", story(99) + "\n" + FURNITURE)] * 4
    [same] = strip_site_repeats([result("https://ledger.test/new", story(99) + "\n" + FURNITURE)], {"ledger.test": mine})
    assert FURNITURE in same.document.text


@pytest.mark.slow
def test_ingest_strips_furniture_learned_from_earlier_loads(prefect_harness, site, db_path, tmp_path):
    from newsmill.flows.ingest import ingest

    cfg = tmp_path / "c.toml"
    cfg.write_text("[fetch]\nper_host_interval = 0\n[enrich]\nenabled = false\n")

    def page(n: int) -> str:
        html = article_html(f"Story number {n}", seed=n)
        return site.add(f"/news/{n}", html.replace("</article>", f"<p>{FURNITURE}</p></article>"))

    first = [page(n) for n in range(4)]
    assert ingest(urls=first, db=db_path, config_path=str(cfg))["new"] == 4
    later = page(10)
    assert ingest(urls=[later], db=db_path, config_path=str(cfg))["new"] == 1
    con = duckdb.connect(db_path, read_only=True)
    texts = dict(con.execute("select url, text from articles").fetchall())
    con.close()
    assert all(FURNITURE in texts[u] for u in first)  # nothing to compare with when they loaded
    assert FURNITURE not in texts[later] and "plan number 10-0" in texts[later]
