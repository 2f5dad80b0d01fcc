"""Marts (views in 003_marts.sql) and `newsmill export`, on a warehouse loaded by the real loader.

``build_warehouse`` is shared by the dashboard and re-enrich tests: real HTML pages go through the
real extractor and the real loader; only the enrichment is made by hand (entities found by string
search in the extracted text, so their offsets are true), so the marts do not depend on a model.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import UTC, datetime

import duckdb
import pyarrow.parquet as pq
import pytest

from newsmill.records import EntityMention, Enrichment, FetchedPage, PageResult, Quote
from newsmill.tasks.extract import EXTRACTOR_VERSION, extract_document
from newsmill.warehouse import db, loader

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} - {site}</title>
<meta property="og:site_name" content="{site}">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{date}T08:00:00+00:00">
<link rel="canonical" href="{url}">
</head><body><main><article><h1>{title}</h1>
{paras}
</article></main><footer>(c) {site}</footer></body></html>"""

# (source host, site name, date, title, paragraphs, entities [(text, label, canonical)], quotes)
ARTICLES = [
    ("ledger.test", "The Daily Ledger", "2025-03-03", "Council approves new budget",
     ["The city council of Springfield approved the budget on Monday after a long debate about schools.",
      '"This budget keeps every school open," Mayor Ada Park told reporters at City Hall.',
      "Acme Corp, the largest employer in Springfield, welcomed the decision in a statement."],
     [("Springfield", "PLACE", "Springfield"), ("Ada Park", "PERSON", "Ada Park"), ("Acme Corp", "ORG", "Acme Corp"),
      ("Springfield", "PLACE", "Springfield")],
     [("This budget keeps every school open", "Mayor Ada Park", "Ada Park", "told")]),
    ("ledger.test", "The Daily Ledger", "2025-03-04", "Acme Corp plans a new factory",
     ["Acme Corp said on Tuesday that it would build a new factory near Springfield next year.",
      '"We are hiring four hundred people," said Bo Lind, the chief executive of Acme Corp.',
      "Mayor Ada Park said the plant would bring jobs to the region and new tax income for the city."],
     [("Acme Corp", "ORG", "Acme Corp"), ("Springfield", "PLACE", "Springfield"), ("Bo Lind", "PERSON", "Bo Lind"),
      ("Acme Corp", "ORG", "Acme Corp"), ("Ada Park", "PERSON", "Ada Park")],
     [("We are hiring four hundred people", "Bo Lind", "Bo Lind", "said"),
      ("the plant would bring jobs to the region", "Mayor Ada Park", "Ada Park", "said")]),
    ("gazette.test", "Harbour Gazette", "2025-03-04", "Storm closes the harbour",
     ["A storm closed the harbour of Portsmouth on Tuesday and ferries to France were cancelled.",
      '"Nobody should go near the sea wall today," harbour master Cy Vale said in the morning.',
      "The Met Office warned of more wind on Wednesday across the south coast of England."],
     [("Portsmouth", "PLACE", "Portsmouth"), ("France", "PLACE", "France"), ("Cy Vale", "PERSON", "Cy Vale"),
      ("Met Office", "ORG", "Met Office"), ("England", "PLACE", "England")],
     [("Nobody should go near the sea wall today", "harbour master Cy Vale", "Cy Vale", "said")]),
    ("gazette.test", "Harbour Gazette", "2025-03-05", "Ferries sail again after the storm",
     ["Ferries from Portsmouth to France sailed again on Wednesday after the storm had passed.",
      '"The wind has dropped and we are back to normal," a ferry company spokesman said at noon.',
      "Harbour master Cy Vale thanked the crews who had worked through the night in Portsmouth."],
     [("Portsmouth", "PLACE", "Portsmouth"), ("France", "PLACE", "France"), ("Cy Vale", "PERSON", "Cy Vale"),
      ("Portsmouth", "PLACE", "Portsmouth")],
     [("The wind has dropped and we are back to normal", "a ferry company spokesman", None, "said")]),
]


def _enrichment(text: str, ents, quotes) -> Enrichment:
    mentions, pos = [], {}
    for surface, label, name in ents:
        start = text.index(surface, pos.get(surface, 0))
        pos[surface] = start + len(surface)
        mentions.append(EntityMention(surface, label, start, start + len(surface), name))
    qs = []
    for qtext, speaker, speaker_name, cue in quotes:
        qs_start = text.index(qtext)
        sp = text.find(speaker)
        qs.append(Quote(qtext, qs_start, qs_start + len(qtext), "direct" if '"' in text[qs_start - 1: qs_start] else "indirect",
                        cue, speaker, sp if sp >= 0 else None, sp + len(speaker) if sp >= 0 else None,
                        speaker_name, "PERSON" if speaker_name else None, 0.99 if speaker_name else 0.3))
    return Enrichment(tuple(mentions), tuple(qs), model="hand-made-test")


def page_html(host, site, date, title, paras) -> tuple[str, bytes]:
    url = f"http://{host}/{date.replace('-', '/')}/{title.lower().replace(' ', '-')}"
    html = PAGE.format(title=title, site=site, date=date, url=url,
                       paras="\n".join(f"<p>{p}</p>" for p in paras))
    return url, html.encode()


def build_results(articles=ARTICLES, enrich: bool = True) -> list[PageResult]:
    out = []
    for host, site, date, title, paras, ents, quotes in articles:
        url, body = page_html(host, site, date, title, paras)
        # the ledger's pages came through the sources-file entry "ledger"; the gazette's were given as URLs
        page = FetchedPage(url=url, final_url=url, status_code=200, content_type="text/html", body=body,
                           encoding="utf-8", fetched_at=datetime.now(UTC), elapsed_ms=5,
                           source="ledger" if host == "ledger.test" else None)
        doc = extract_document(body, url)
        enr = _enrichment(doc.text, ents, quotes) if enrich else None
        out.append(PageResult(page=page, document=doc, enrichment=enr))
    return out


def build_warehouse(path: str, run_id: str = "run-test-1", enrich: bool = True) -> str:
    results = build_results(enrich=enrich)
    with db.writer(path, snapshot=True) as con:
        loader.start_run(con, run_id, "ingest", len(results), {"extractor": EXTRACTOR_VERSION})
        counts = loader.load_batch(con, results, run_id, EXTRACTOR_VERSION)
        loader.finish_run(con, run_id, counts, "completed")
    assert counts.new == len(ARTICLES)
    return path


@pytest.fixture
def warehouse(db_path):
    return build_warehouse(db_path)


def _rows(path, sql):
    with db.reader(path) as con:
        return con.execute(sql).fetchall()


def test_daily_articles_counts_per_site_and_day(warehouse):
    rows = _rows(warehouse, "SELECT CAST(day AS VARCHAR), site, articles FROM daily_articles ORDER BY 1, 2")
    assert rows == [("2025-03-03", "ledger.test", 1), ("2025-03-04", "gazette.test", 1),
                    ("2025-03-04", "ledger.test", 1), ("2025-03-05", "gazette.test", 1)]


def test_entity_mentions_daily_counts_mentions_and_articles(warehouse):
    rows = _rows(warehouse, "SELECT CAST(day AS VARCHAR), site, entity, mentions, articles FROM entity_mentions_daily "
                            "WHERE entity IN ('Springfield', 'Portsmouth') ORDER BY 1, 3")
    assert rows == [("2025-03-03", "ledger.test", "Springfield", 2, 1),
                    ("2025-03-04", "gazette.test", "Portsmouth", 1, 1),
                    ("2025-03-04", "ledger.test", "Springfield", 1, 1),
                    ("2025-03-05", "gazette.test", "Portsmouth", 2, 1)]


def test_top_entities_rank_per_period_and_kind(warehouse):
    rows = _rows(warehouse, "SELECT entity, mentions, rank FROM top_places WHERE period = 'week' ORDER BY rank, entity")
    # week of 2025-03-03 holds all four articles: Portsmouth 3, Springfield 3, France 2, England 1
    assert rows == [("Portsmouth", 3, 1), ("Springfield", 3, 1), ("France", 2, 3), ("England", 1, 4)]
    orgs = _rows(warehouse, "SELECT entity, mentions FROM top_organisations WHERE period = 'month' AND rank = 1")
    assert orgs == [("Acme Corp", 3)]
    people_day = _rows(warehouse, "SELECT CAST(period_start AS VARCHAR), entity, mentions FROM top_people "
                                  "WHERE period = 'day' AND rank = 1 ORDER BY 1, 2")
    assert people_day == [("2025-03-03", "Ada Park", 1), ("2025-03-04", "Ada Park", 1),
                          ("2025-03-04", "Bo Lind", 1), ("2025-03-04", "Cy Vale", 1), ("2025-03-05", "Cy Vale", 1)]


def test_quotes_with_speakers_link_articles(warehouse):
    rows = _rows(warehouse, "SELECT speaker, title, article_url, quote FROM quotes_with_speakers ORDER BY day, quote")
    assert len(rows) == 5
    assert rows[0] == ("Ada Park", "Council approves new budget",
                       "http://ledger.test/2025/03/03/council-approves-new-budget",
                       "This budget keeps every school open")
    # a speaker without a resolved entity keeps the words the article used
    assert ("a ferry company spokesman", "Ferries sail again after the storm") in [(r[0], r[1]) for r in rows]


def test_quotes_citable_holds_named_confident_quotes_only(warehouse):
    """quotes_citable: a named speaker and confidence >= the calibrated threshold (issue 12)."""
    from newsmill.tasks.quotes import citable_threshold

    allq = _rows(warehouse, "SELECT quote, speaker_name, confidence FROM quotes_with_speakers")
    cit = _rows(warehouse, "SELECT quote FROM quotes_citable")
    want = {q for q, name, conf in allq if name is not None and conf >= citable_threshold()}
    assert want and {q for (q,) in cit} == want
    assert len(cit) < len(allq)  # the unnamed "a ferry company spokesman" quote is not citable
    with db.writer(warehouse, snapshot=True) as con:
        con.execute("UPDATE quotes SET confidence = 0.5 WHERE speaker_name = 'Ada Park'")
    assert all(q not in {x for (x,) in _rows(warehouse, "SELECT quote FROM quotes_citable")}
               for q, name, _c in allq if name == "Ada Park")


def test_unresolved_pronoun_is_never_a_speaker_in_marts(warehouse):
    with db.writer(warehouse, snapshot=True) as con:
        con.execute("UPDATE quotes SET speaker = 'he', speaker_name = NULL, speaker_entity_id = NULL "
                    "WHERE speaker_name = 'Bo Lind'")
    rows = _rows(warehouse, "SELECT speaker, speaker_as_written FROM quotes_with_speakers WHERE speaker_as_written = 'he'")
    assert rows and all(r[0] is None for r in rows)
    assert _rows(warehouse, "SELECT count(*) FROM speakers_by_entity WHERE speaker = 'he'")[0][0] == 0


def test_speakers_by_entity(warehouse):
    rows = _rows(warehouse, "SELECT speaker, quotes, rank FROM speakers_by_entity WHERE entity = 'Acme Corp' ORDER BY rank, speaker")
    assert rows == [("Ada Park", 2, 1), ("Bo Lind", 1, 2)]
    # an entity is not listed as its own speaker
    assert _rows(warehouse, "SELECT count(*) FROM speakers_by_entity WHERE entity = speaker")[0][0] == 0


def test_marts_work_on_a_warehouse_without_enrichment(db_path):
    build_warehouse(db_path, enrich=False)
    assert _rows(db_path, "SELECT sum(articles) FROM daily_articles")[0][0] == 4
    for view in ("entity_mentions_daily", "top_entities", "quotes_with_speakers", "speakers_by_entity"):
        assert _rows(db_path, f"SELECT count(*) FROM {view}")[0][0] == 0


def test_reload_does_not_double_count(warehouse):
    build_results()  # same pages again, a second run
    with db.writer(warehouse, snapshot=True) as con:
        loader.load_batch(con, build_results(), "run-test-2", EXTRACTOR_VERSION)
    assert _rows(warehouse, "SELECT sum(articles) FROM daily_articles")[0][0] == 4
    assert _rows(warehouse, "SELECT count(*) FROM quotes_with_speakers")[0][0] == 5


def _newsmill(*args):
    return subprocess.run([sys.executable, "-m", "newsmill.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_export_parquet_and_csv(warehouse, tmp_path):
    out = tmp_path / "q.parquet"
    r = _newsmill("export", "quotes_with_speakers", "--format", "parquet", "--db", warehouse, "--out", str(out))
    assert r.returncode == 0, r.stderr
    table = pq.read_table(out)
    assert table.num_rows == 5 and "speaker" in table.column_names
    assert "prefect" not in r.stderr.lower()
    r = _newsmill("export", "daily_articles", "--format", "csv", "--db", warehouse, "--out", str(tmp_path / "d.csv"))
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "d.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 and {r["site"] for r in rows} == {"ledger.test", "gazette.test"}
    # ordered (by every column, left to right): the same data always exports to the same file
    keys = [(r["day"], r["source"] == "", r["source"], r["site"]) for r in rows]  # NULL (empty) sorts last
    assert keys == sorted(keys) and [r["site"] for r in rows] == ["ledger.test", "ledger.test", "gazette.test",
                                                                    "gazette.test"]
    # source: the sources-file entry ("" = URLs given directly); site: the host
    assert {(r["source"], r["site"]) for r in rows} == {("ledger", "ledger.test"), ("", "gazette.test")}
    assert str(tmp_path / "d.csv") in r.stdout
    r = _newsmill("export", "top_entities", "--db", warehouse, "--out", str(tmp_path / "exports") + "/")
    assert r.returncode == 0, r.stderr
    assert pq.read_table(tmp_path / "exports" / "top_entities.parquet").num_rows > 0


@pytest.mark.slow
def test_export_reads_the_snapshot_while_a_writer_holds_the_database(warehouse, tmp_path):
    con = duckdb.connect(warehouse)  # a load in progress holds the file read-write
    try:
        r = _newsmill("export", "articles", "--format", "csv", "--db", warehouse, "--out", str(tmp_path / "a.csv"))
    finally:
        con.close()
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "a.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 4


@pytest.mark.slow
def test_export_rejects_unknown_tables_and_formats(warehouse, tmp_path):
    r = _newsmill("export", "nope; DROP TABLE articles", "--db", warehouse, "--out", str(tmp_path / "x.csv"))
    assert r.returncode == 2 and "unknown table" in r.stderr
    r = _newsmill("export", "articles", "--format", "xlsx", "--db", warehouse)
    assert r.returncode == 2
    r = _newsmill("export", "articles", "--db", str(tmp_path / "missing.duckdb"))
    assert r.returncode == 1 and "no warehouse" in r.stderr


@pytest.mark.slow
def test_export_and_dashboard_do_not_import_prefect(warehouse, tmp_path):
    code = ("import sys; from newsmill.cli import main; "
            f"rc1 = main(['export', 'daily_articles', '--format', 'csv', '--db', {warehouse!r}, '--out', {str(tmp_path / 'x.csv')!r}]); "
            f"rc2 = main(['dashboard', '--db', {warehouse!r}, '--out', {str(tmp_path / 'dash')!r}]); "
            "print(rc1, rc2, any(m == 'prefect' or m.startswith('prefect.') for m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "0 0 False"


def test_marts_say_source_and_site_and_never_a_stale_column(warehouse):
    """A source is a sources-file entry, a site a host: every mart that has one says which."""
    with db.reader(warehouse) as con:
        cols = {}
        for view, col in con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                                     "WHERE table_name IN (SELECT view_name FROM duckdb_views() WHERE NOT internal)").fetchall():
            cols.setdefault(view, []).append(col)
        for view in ("top_people", "top_organisations", "top_places", "top_groups", "top_entities"):
            assert "sites" in cols[view] and "sources" not in cols[view], (view, cols[view])
            # what the catalog lists is what a query returns
            assert [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description] == cols[view]
        for view in ("article_days", "daily_articles", "entity_mentions_daily", "quotes_with_speakers"):
            assert {"source", "site"} <= set(cols[view]) and "source_id" not in cols[view], view
        assert con.execute("SELECT DISTINCT source, site FROM article_days ORDER BY ALL").fetchall() == [
            ("ledger", "ledger.test"), (None, "gazette.test")]
