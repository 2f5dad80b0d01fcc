"""The Python API (newsmill.extract / enrich / connect): shapes, errors, and that it imports no Prefect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import newsmill
from newsmill.records import Document, Enrichment
from newsmill.warehouse import db as wdb

FIXTURES = Path(__file__).parent / "fixtures"

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Harbour reopens after the storm - Coast Courier</title>
<meta property="og:site_name" content="Coast Courier">
<meta name="author" content="Rita Moss">
<meta property="article:published_time" content="2024-11-02T07:30:00+01:00">
</head><body><nav><a href="/">Home</a> <a href="/sport">Sport</a></nav>
<article><h1>Harbour reopens after the storm</h1>
<p>The harbour of Kingsbridge reopened on Saturday morning after two days of gales had kept every boat in port.</p>
<p>"We are glad to be back at sea," said Tom Hale, who skippers one of the town's crab boats, as he loaded his pots.</p>
<p>The coastguard said the sea wall had held, although part of the promenade would stay closed for repairs.</p>
</article><footer>Copyright Coast Courier</footer></body></html>"""


@pytest.mark.slow
def test_import_newsmill_and_the_offline_api_load_no_prefect():
    code = ("import sys, newsmill; assert 'trafilatura' not in sys.modules and 'spacy' not in sys.modules; "
            "doc = newsmill.extract(open(sys.argv[1], 'rb').read(), url='https://example.com/a'); "
            "assert doc.text; bad = [m for m in sys.modules if m == 'prefect' or m.startswith('prefect.')]; "
            "print(len(bad))")
    r = subprocess.run([sys.executable, "-c", code, str(FIXTURES / "pages" / "article.html")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0"


def test_extract_returns_a_document_from_text_or_bytes():
    url = "https://coast.example/2024/11/02/harbour-reopens"
    doc = newsmill.extract(PAGE, url=url)
    assert isinstance(doc, Document)
    assert doc.title == "Harbour reopens after the storm"
    assert doc.site_name == "Coast Courier" and doc.authors == ("Rita Moss",)
    assert doc.published == "2024-11-02T07:30:00+01:00"
    assert doc.url == url and doc.canonical_url == url and doc.language == "en"
    assert doc.text.splitlines()[0].startswith("The harbour of Kingsbridge reopened")
    assert "Home" not in doc.text and "Copyright" not in doc.text
    # bytes as received decode by the page's charset; no URL is fine too
    again = newsmill.extract(PAGE.encode("utf-8"))
    assert again.text == doc.text and again.url == "" and again.canonical_url == ""
    assert doc.to_json()["authors"] == ["Rita Moss"]


def test_extract_raises_with_the_error_class_instead_of_returning_none():
    with pytest.raises(newsmill.ExtractionError) as e:
        newsmill.extract("<html><body><nav><a href='/'>Home</a></nav></body></html>", url="https://x.example/")
    assert e.value.error == "extract_empty" and e.value.detail
    assert isinstance(e.value, ValueError)
    with pytest.raises(TypeError, match="html must be str or bytes"):
        newsmill.extract(None)  # type: ignore[arg-type]


def test_extract_takes_options():
    from newsmill.config import ExtractOptions

    with pytest.raises(newsmill.ExtractionError, match="extract_empty"):
        newsmill.extract(PAGE, options=ExtractOptions(min_text_chars=100_000))


def test_enrich_finds_entities_and_quotes_with_true_offsets():
    text = (FIXTURES / "enrich" / "kirby.txt").read_text(encoding="utf-8")
    enr = newsmill.enrich(text)
    assert isinstance(enr, Enrichment) and enr.model and enr.model.startswith("en_core_web_sm")
    for m in enr.entities:
        assert text[m.start:m.end] == m.text
    assert "John Kirby" in {m.name for m in enr.entities if m.label == "PERSON"}
    kirby = [q for q in enr.quotes if q.speaker_name == "John Kirby"]
    assert kirby and all(text[q.start:q.end] == q.text for q in enr.quotes)
    assert any(q.text.startswith("We are looking at every option") for q in kirby)
    # a language without a model: nothing extracted, and it says why
    de = newsmill.enrich("Die Regierung in Berlin hat am Montag neue Regeln beschlossen.", language="de")
    assert de.entities == () and de.quotes == () and de.skipped.startswith("language de")
    assert "no model" in de.skipped
    assert newsmill.enrich("   ").entities == ()
    with pytest.raises(TypeError):
        newsmill.enrich(b"bytes")  # type: ignore[arg-type]


def test_connect_opens_the_snapshot_read_only_and_never_blocks_a_writer(db_path):
    with pytest.raises(newsmill.WarehouseError, match="run `newsmill ingest` first"):
        newsmill.connect(db_path)
    with wdb.writer(db_path, snapshot=False):
        pass
    with pytest.raises(newsmill.WarehouseError, match="no snapshot yet"):
        newsmill.connect(db_path)
    with wdb.writer(db_path, snapshot=True) as con:
        con.execute("INSERT INTO runs (run_id, flow, started_at, status, urls) VALUES ('r1', 'ingest', now(), 'completed', 0)")
    with newsmill.connect(db_path) as con:
        assert con.execute("select run_id from runs").fetchall() == [("r1",)]
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("delete from runs")
        # the warehouse itself stays free for a load while the snapshot is open
        with wdb.writer(db_path, lock_timeout=1) as w:
            w.execute("INSERT INTO runs (run_id, flow, started_at, status, urls) VALUES ('r2', 'ingest', now(), 'running', 0)")
        assert con.execute("select count(*) from runs").fetchall() == [(1,)]  # a snapshot: as of the last run
    snap = str(wdb.snapshot_path(db_path))
    with newsmill.connect(snap) as con:  # the snapshot file itself is accepted too
        assert con.execute("select count(*) from runs").fetchall() == [(1,)]


def test_api_names_are_documented_and_typed():
    import inspect

    for name in ("extract", "enrich", "connect"):
        fn = getattr(newsmill, name)
        sig = inspect.signature(fn)
        assert fn.__doc__ and "aises" in fn.__doc__, name  # says what it raises
        assert sig.return_annotation is not inspect.Signature.empty, name
    assert set(("extract", "enrich", "connect", "Document", "Enrichment")) <= set(dir(newsmill))
    with pytest.raises(AttributeError):
        newsmill.nope  # noqa: B018


def test_ingest_refuses_bad_options_before_prefect_starts(tmp_path):
    code = ("import sys, newsmill\n"
            "for kw in ({'fetch__no_such_key': 1}, {'timeout': 5}, {'load__batch_size': 'many'}):\n"
            "    try:\n        newsmill.ingest(['http://127.0.0.1:9/a'], db=sys.argv[1], **kw)\n"
            "    except newsmill.ConfigError as e:\n        print('ConfigError', e)\n"
            "try:\n    newsmill.ingest([], db=sys.argv[1])\nexcept ValueError as e:\n    print('ValueError', e)\n"
            "print('prefect' in sys.modules)\n")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "n.duckdb")], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert len(out) == 5 and all(line.startswith("ConfigError") for line in out[:3]), out
    assert "section__key" in out[1] and out[3].startswith("ValueError nothing to ingest") and out[4] == "False"


@pytest.mark.slow
def test_ingest_runs_the_flow_and_returns_a_run_summary(prefect_harness, site, tmp_path):
    from newsmill.outcomes import RunSummary

    url = site.add_fixture("/news/pentagon", "pages/article.html")
    dead = site.url("/gone")
    db = tmp_path / "news.duckdb"
    summary = newsmill.ingest([url, dead], db=db, enrich=False, fetch__retries=0, fetch__per_host_interval=0)
    assert isinstance(summary, RunSummary) and summary.status == "completed" and summary.flow == "ingest"
    assert (summary.urls, summary.new, summary.failed, summary.errors) == (2, 1, 1, {"http_404": 1})
    assert summary.failures == [{"url": dead, "error": "http_404", "detail": "HTTP 404 Not Found"}]
    assert {"fetch", "process", "load", "batches"} <= set(summary.extra["timings"])
    with newsmill.connect(db) as con:
        assert con.execute("select count(*) from articles").fetchall() == [(1,)]
        assert con.execute("select status from runs where run_id = ?", [summary.run_id]).fetchall() == [("completed",)]
