"""The paragraph analysis cache: a paragraph seen before is not parsed again, and reusing its
analysis gives exactly what parsing it again gives; the warehouse keeps analyses across runs."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import duckdb

from newsmill.config import load_config
from newsmill.tasks import analyses
from newsmill.tasks.enrich import enrich_texts, load_model

FIXTURES = Path(__file__).parent / "fixtures" / "pages"

WIRE = ("BRUSSELS (Wire) - The European Commission proposed new rules on Tuesday, said Margrethe Larsen.\n"
        "\"We will not wait for another crisis,\" Larsen told reporters in Brussels.\n"
        "The proposal now goes to the member states and the European Parliament.\n")


def test_paragraphs_join_back_exactly():
    for text in ["", "one", "one\n", "a\nb", "a\n\nb\n", "\n\n", "x \n y"]:
        assert "".join(analyses.paragraphs(text)) == text
    assert analyses.paragraphs("a\n\nb") == ["a\n", "\n", "b"]


def test_cache_is_bounded_and_reports_new_and_reused():
    c = analyses.AnalysisCache(max_entries=2)
    c.put(b"k1", b"a1", "m")
    c.put(b"k2", b"a2", "m")
    c.seed([(b"k3", b"a3")])  # from the warehouse: not new
    assert len(c) == 2 and c.get(b"k1", "m") is None  # the least recently used went
    assert c.get(b"k3", "m") == b"a3"
    d = c.drain()
    assert [k for _, k, _ in d.new] == [b"k1", b"k2"] and d.hits == [("m", b"k3")]
    assert not c.drain()
    assert analyses.key("same", "model-1") != analyses.key("same", "model-2")


def test_reused_analyses_give_the_same_enrichment_and_skip_the_parser(monkeypatch):
    nlp = load_model(load_config(env={}).enrich.model)
    cache = analyses.AnalysisCache()
    monkeypatch.setattr(analyses, "CACHE", cache)
    other = "Another site adds its own line about Ursula Kjeldsen, who said nothing.\n"
    texts = [WIRE, other + WIRE]  # the same wire story on a second site, under its own line
    first = enrich_texts(texts)
    assert first[0].quotes and first[0].entities
    new, _ = cache.drain().new, None
    assert len(new) == 4  # the three wire paragraphs once, and the other site's line

    parsed = []
    real_pipe = type(nlp).pipe

    def counting_pipe(self, texts, *a, **kw):
        texts = list(texts)
        parsed.extend(texts)
        return real_pipe(self, texts, *a, **kw)

    monkeypatch.setattr(type(nlp), "pipe", counting_pipe)
    again = enrich_texts(texts + [WIRE.replace("Tuesday", "Wednesday")])
    assert again[:2] == first  # identical entities, quotes, speakers and offsets
    # only the changed paragraph was parsed (as the model sees it: the dateline case-restored)
    assert len(parsed) == 1 and "Wednesday" in parsed[0] and parsed[0].endswith("Margrethe Larsen.\n")
    assert len(cache.drain().hits) == 4

    monkeypatch.setenv("NEWSMILL_ENRICH_CACHE", "0")  # off: every paragraph parsed, same result
    parsed.clear()
    assert enrich_texts(texts) == first and len(parsed) == 4


def test_ingest_stores_analyses_and_a_later_run_reuses_them(site, db_path, monkeypatch):
    from newsmill.flows.ingest import run_ingest

    cache = analyses.AnalysisCache()
    monkeypatch.setattr(analyses, "CACHE", cache)
    html = (FIXTURES / "article.html").read_text(encoding="utf-8")
    cfg = load_config(overrides={"load": {"db_path": db_path},
                                 "fetch": {"per_host_interval": 0, "respect_robots": False}}, env={})
    first = run_ingest([site.add("/a.html", html)], cfg, str(uuid.uuid4()), logging.getLogger("test"))
    assert first.new == 1, first
    con = duckdb.connect(db_path, read_only=True)
    stored = con.execute("SELECT count(*), min(uses), max(uses), any_value(model) FROM analysis_cache").fetchall()[0]
    model = con.execute("SELECT model FROM enrichments").fetchall()[0][0]
    con.close()
    assert stored[0] >= 3 and stored[1:3] == (1, 1) and stored[3] == model

    # a new process (cache emptied) seeded from the warehouse: the same story on another site
    cache._data.clear()
    copy = html.replace('rel="canonical"', 'rel="x-canonical"').replace("<title>", "<title>Copy: ", 1)
    second = run_ingest([site.add("/copy.html", copy)], cfg, str(uuid.uuid4()), logging.getLogger("test"))
    assert second.new == 1, second
    con = duckdb.connect(db_path, read_only=True)
    reused = con.execute("SELECT count(*) FROM analysis_cache WHERE uses = 2").fetchall()[0][0]
    con.close()
    assert reused >= 3  # the story's paragraphs were reused, not parsed again
