"""The real ingest flow (Prefect test harness) against a real local HTTP server and DuckDB file."""

import pytest

from tests.dbutil import query
from tests.siteserver import PDF, big_body, redirect_to, slow_drip

pytestmark = pytest.mark.slow  # every test here starts Prefect, a subprocess or Chromium



q = query


@pytest.fixture
def fast_config(tmp_path):
    p = tmp_path / "newsmill.toml"
    p.write_text(
        "[fetch]\nretries = 1\nbackoff = 0.05\nread_timeout = 1\ntotal_timeout = 2\n"
        "max_bytes = 5000000\nper_host_interval = 0\nper_host_concurrency = 4\n"
        "[enrich]\nenabled = false\n"
    )
    return str(p)


def test_ingest_end_to_end(prefect_harness, site, db_path, fast_config):
    from newsmill.flows.ingest import ingest

    article = site.add_fixture("/world/pentagon-syria", "pages/article.html")
    latin = site.add_fixture("/fr/retraites", "pages/latin1.html", content_type="text/html; charset=iso-8859-1")
    urls = {
        "ok": article,
        "latin1": latin,
        "redirect": site.add_handler("/short/1", redirect_to("/world/pentagon-syria")),
        "404": site.url("/missing"),
        "500": site.add("/boom", "server error", status=500, content_type="text/plain"),
        "pdf": site.add("/report.pdf", PDF, content_type="application/pdf"),
        "slow": site.add_handler("/slow", slow_drip(5)),
        "huge": site.add_handler("/huge", big_body(20)),
    }
    summary = ingest(urls=list(urls.values()), db=db_path, config_path=fast_config)
    assert summary["status"] == "completed"
    assert summary["errors"] == {"http_404": 1, "http_500": 1, "not_html": 1, "timeout": 1, "too_large": 1}
    assert (summary["new"], summary["failed"]) == (2, 5)  # the redirect lands on the same article

    errors = dict(q(db_path, "select url, coalesce(error, outcome) from fetches"))
    assert errors[urls["404"]] == "http_404"
    assert errors[urls["500"]] == "http_500"
    assert errors[urls["pdf"]] == "not_html"
    assert errors[urls["slow"]] == "timeout"
    assert errors[urls["huge"]] == "too_large"
    assert errors[urls["ok"]] == "new"
    assert errors[urls["redirect"]] == "unchanged"  # same canonical article as /world/pentagon-syria
    assert q(db_path, f"select final_url from fetches where url = '{urls['redirect']}'") == [(article,)]

    title, published, site_name, text, canonical = q(
        db_path, "select title, published_raw, site_name, text, canonical_url from articles where url like '%pentagon%'")[0]
    assert title == "Pentagon Weighs New Syria Options as Talks Stall"
    assert published == "2025-03-04T09:30:00-05:00"
    assert site_name == "The Daily Ledger"
    assert "utm_source" not in canonical
    assert "Nothing is off the table" in text and "Staffan de Mistura" in text
    for junk in ("Subscribe today", "Advertisement", "cheap watches", "All rights reserved", "Related stories"):
        assert junk not in text
    assert q(db_path, "select name from authors") == [("Jane Doe",)]

    fr_title, fr_text, fr_lang = q(db_path, "select title, text, language from articles where url like '%retraites%'")[0]
    assert fr_title.startswith("Café débat") and "réforme très attendue" in fr_text and fr_lang == "fr"

    run = q(db_path, "select status, urls, new, failed, errors from runs")
    assert run[0][:4] == ("completed", 8, 2, 5)

    # a second run: one more runs row and fetches rows, no new article row
    again = ingest(urls=[article, latin], db=db_path, config_path=fast_config)
    assert (again["new"], again["unchanged"]) == (0, 2)
    assert q(db_path, "select count(*) from articles") == [(2,)]
    assert q(db_path, "select count(*) from runs") == [(2,)]
