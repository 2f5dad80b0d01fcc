"""Re-runs skip work on what did not change (no timed assertions: bench/pipeline.py measures).

- a page whose body is byte-for-byte the one its article was built from is not extracted or
  enriched again, even when the site sends no ETag (recorded as unchanged, with the reason);
- a changed body, or an enrichment by another model, is processed again;
- a lazy CPU pool never starts its workers when no page has a body (all 304s).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from newsmill.config import load_config
from newsmill.outcomes import FetchOutcome
from newsmill.records import FetchedPage
from newsmill.tasks import cpu

FIXTURES = Path(__file__).parent / "fixtures" / "pages"


def _rows(db: str, sql: str) -> list[tuple]:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_unchanged_bodies_are_not_processed_again(site, db_path):
    from newsmill.flows.ingest import run_ingest

    html = (FIXTURES / "article.html").read_text(encoding="utf-8")
    urls = [site.add("/a.html", html), site.add("/b.html", html.replace("<title>", "<title>B ", 1)
                                                      .replace('rel="canonical"', 'rel="x-canonical"'))]
    # German: enrichment skipped on purpose (no German model), which counts as done
    de = site.add("/de.html", (FIXTURES / "i18n-de.html").read_bytes())
    cfg = load_config(overrides={"load": {"db_path": db_path},
                                 "fetch": {"per_host_interval": 0, "respect_robots": False}}, env={})
    log = logging.getLogger("test")
    first = run_ingest(urls + [de], cfg, str(uuid.uuid4()), log)
    assert first.new == 3 and first.failed == 0, first
    assert _rows(db_path, "SELECT count(*) FROM enrichments")[0][0] == 3
    assert _rows(db_path, "SELECT e.skipped IS NOT NULL FROM enrichments e JOIN articles a USING (article_id) "
                          f"WHERE a.url = '{de}'") == [(True,)]

    second = run_ingest(urls + [de], cfg, str(uuid.uuid4()), log)
    assert second.new == 0 and second.updated == 0 and second.unchanged == 3 and second.failed == 0
    skipped = _rows(db_path, "SELECT url, status_code, outcome, error FROM fetches "
                             "WHERE error_detail LIKE 'body unchanged%' ORDER BY url")
    assert [(u, s, o, e) for u, s, o, e in skipped] == [(urls[0], 200, "unchanged", None),
                                                         (urls[1], 200, "unchanged", None),
                                                         (de, 200, "unchanged", None)]

    # another model's enrichment is redone; a changed body is extracted again
    con = duckdb.connect(db_path)
    con.execute("UPDATE enrichments SET model = 'old-model', enriched_at = TIMESTAMPTZ '2020-01-01 00:00:00+00' "
                "WHERE article_id = (SELECT article_id FROM articles WHERE url = ?)", [urls[0]])
    con.close()
    site.add("/b.html", html.replace("<title>", "<title>B ", 1).replace('rel="canonical"', 'rel="x-canonical"')
             .replace("</p>", " A late correction.</p>", 1))
    third = run_ingest(urls, cfg, str(uuid.uuid4()), log)
    assert third.updated == 1 and third.unchanged == 1, third
    model = _rows(db_path, "SELECT e.model, e.enriched_at > TIMESTAMPTZ '2021-01-01 00:00:00+00' FROM enrichments e "
                           "JOIN articles a USING (article_id) WHERE a.url = '%s'" % urls[0])
    assert model[0][0] != "old-model" and model[0][1]
    assert "late correction" in _rows(db_path, "SELECT text FROM articles WHERE url = '%s'" % urls[1])[0][0]


def _page(url: str, body: bytes | None, not_modified: bool = False) -> FetchedPage:
    return FetchedPage(url=url, final_url=url, status_code=304 if body is None else 200, content_type="text/html",
                       body=body, encoding="utf-8" if body else None, fetched_at=datetime.now(UTC),
                       elapsed_ms=1, not_modified=not_modified)


def test_lazy_pool_starts_no_workers_for_304s_and_skip_unchanged_compares_bytes():
    cfg = load_config(env={})
    pool = cpu.CpuPool(2, cfg.extract, cfg.enrich, lazy=True)
    try:
        results = pool.run([_page("http://x/1", None, not_modified=True), _page("http://x/2", None, not_modified=True)])
        assert [r.outcome for r in results] == [FetchOutcome.NOT_MODIFIED, FetchOutcome.NOT_MODIFIED]
        assert [r.failure for r in results] == [None, None]
        assert pool._pool is None  # no worker process was started
    finally:
        pool.close()

    import hashlib

    body = b"<html><body><p>same</p></body></html>"
    pages = [_page("http://x/1", body), _page("http://x/2", body + b" "), _page("http://x/3", body)]
    out = cpu.skip_unchanged(pages, {"http://x/1": hashlib.sha256(body).hexdigest(),
                                     "http://x/2": hashlib.sha256(body).hexdigest()})
    assert [p.not_modified for p in out] == [True, False, False] and [p.error for p in out] == [None, None, None]
    assert out[0].body is None and out[1].body == body + b" " and out[2].body == body
