"""The warehouse's cache of paragraph analyses (table paragraph_analyses, tasks/analyses.py,
warehouse/paragraphs.py): a stored analysis rebuilt in another process gives exactly what a
fresh parse gives; a later run's workers take a wire copy's paragraphs from the warehouse
instead of parsing them; a failed load writes no cache row; another pipeline version misses;
the table stays within its bound."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from datetime import UTC, datetime, timedelta

import pytest

from newsmill.config import EnrichOptions
from newsmill.records import Document, FetchedPage, PageResult
from newsmill.tasks import analyses
from newsmill.tasks.enrich import enrich_texts, load_model
from newsmill.warehouse import db, loader, paragraphs
from tests.dbutil import query
from tests.test_analyses import OTHER, STORY, attrs

ODD = ("Ünïcode naïveté — “curly” quotes, e-mail jane.doe@example.org, https://example.org/a?b=c&d=e\n"
       "   \n\tTabs\tand  double  spaces, 3.5% of $1,200.00 (n't isn't won't)\n"
       "WASHINGTON (Reuters) - Dr. Ana Ruiz-Ortega told the U.N. in New York: \"Enough.\"\n"
       + "x" * 300 + "\n\n\n")


def rows_of(ledger):
    return [(v, k, blob) for (v, k), (_n, blob) in ledger.new.items()]


def test_a_stored_analysis_rebuilt_in_a_fresh_vocab_is_a_fresh_parse():
    """Decoded into a vocabulary that has never seen the paragraph's strings (a fresh worker's),
    every attribute a rule reads is the fresh parse's."""
    import spacy

    nlp = load_model(EnrichOptions().model)
    for text in (STORY, OTHER, ODD):
        for para in analyses.pieces(text):
            fresh = nlp(para)
            blob = analyses.encode(analyses.Analysis.of(fresh), nlp.vocab.strings)
            vocab = spacy.blank("en").vocab
            back = analyses.decode(blob, para, vocab)
            doc = analyses.join(vocab, [back])
            assert doc.text == para
            assert attrs(doc) == attrs(fresh)
            assert [(e.start, e.end, e.label_, e.ent_id_) for e in doc.ents] == \
                [(e.start, e.end, e.label_, e.ent_id_) for e in fresh.ents]
            # the stored form is compact: well under the pickled analysis
            assert len(blob) < 20 * len(fresh) + 200
    # a blob that does not fit the text is refused, not misread
    blob = analyses.encode(analyses.Analysis.of(nlp("One two three.")), nlp.vocab.strings)
    assert analyses.decode(blob, "One two three!!", nlp.vocab) is None
    assert analyses.decode(b"garbage", "One two three.", nlp.vocab) is None


def test_paragraphs_from_the_snapshot_give_the_fresh_enrichment(tmp_path):
    """Enrichment whose every paragraph comes from a snapshot file equals a fresh one, and
    parses nothing; a paragraph not in it is parsed and recorded for the warehouse."""
    opts = EnrichOptions()
    analyses.process_cache().clear()
    first = analyses.Ledger()
    fresh = enrich_texts([STORY, OTHER], opts, ledger=first)
    assert first.parsed == len(set(analyses.pieces(STORY) + analyses.pieces(OTHER))) and not first.used
    path = str(tmp_path / "snap")
    assert analyses.write_snapshot(path, [rows_of(first)[:2], rows_of(first)[2:]]) == first.parsed

    analyses.process_cache().clear()
    stored = dataclasses.replace(opts, paragraph_store=path)
    second = analyses.Ledger()
    assert enrich_texts([STORY, OTHER], stored, ledger=second) == fresh
    assert (second.parsed, second.from_store) == (0, first.parsed)
    assert sum(second.used.values()) == first.parsed

    copy = STORY.replace("on Tuesday", "on Wednesday")
    analyses.process_cache().clear()
    third = analyses.Ledger()
    (warm,) = enrich_texts([copy], stored, ledger=third)
    analyses.process_cache().clear()
    (cold,) = enrich_texts([copy], opts)
    assert warm == cold
    assert third.parsed == 1 and third.from_store == len(analyses.pieces(copy)) - 1
    (new,) = third.new
    # keyed by the text spaCy reads: the case-restored paragraph ("MERIDIAN CITY" -> "Meridian City")
    from newsmill.tasks.entities import case_restored

    assert new[1] == analyses.paragraph_hash(analyses.pieces(case_restored(copy))[0])


def test_another_version_never_reads_the_snapshot(tmp_path):
    nlp = load_model(EnrichOptions().model)
    version = analyses.analysis_version(nlp)
    ledger = analyses.Ledger()
    analyses.analyse(nlp, [STORY], cache=analyses.AnalysisCache(), ledger=ledger)
    path = str(tmp_path / "snap")
    analyses.write_snapshot(path, [[("other-model-1.0/0000", k, b) for _v, k, b in rows_of(ledger)]])
    snap = analyses.Snapshot(path)
    keys = [analyses.paragraph_hash(p) for p in analyses.pieces(STORY)]
    assert snap.rows == len(keys) and snap.get(version, keys) == {}
    again = analyses.Ledger()
    analyses.analyse(nlp, [STORY], cache=analyses.AnalysisCache(), store=snap, ledger=again)
    assert again.parsed == len(keys) and again.from_store == 0


def test_a_missing_or_damaged_snapshot_is_empty(tmp_path):
    assert analyses.Snapshot(str(tmp_path / "none")).get("v", [b"k" * 16]) == {}
    bad = tmp_path / "bad"
    bad.write_bytes(b"NMPARA1\n" + b"\xff" * 40)
    assert analyses.Snapshot(str(bad)).rows == 0
    empty = tmp_path / "empty"
    assert analyses.write_snapshot(str(empty), []) == 0
    assert analyses.Snapshot(str(empty)).get("v", [b"k" * 16]) == {}


# ---- the table ----------------------------------------------------------------------------------

def page(url: str) -> FetchedPage:
    return FetchedPage(url=url, final_url=url, status_code=200, content_type="text/html", body=b"<html>x</html>",
                       encoding="utf-8", fetched_at=datetime.now(UTC), elapsed_ms=5)


def enriched(url: str, text: str, store: str = "x") -> PageResult:
    doc = Document(url=url, canonical_url=url, title="A title", authors=(), published=None, modified=None,
                   site_name="Example", language="en", text=text)
    from newsmill.tasks.enrich import enrich_results

    analyses.process_cache().clear()
    (r,) = enrich_results([PageResult(page(url), doc)], dataclasses.replace(EnrichOptions(), paragraph_store=store))
    return r


def test_the_load_writes_the_batchs_analyses_and_their_use(db_path, tmp_path):
    a = enriched("https://a.example/1", STORY, str(tmp_path / "none"))
    assert {p.analysis is not None for p in a.paragraphs} == {True}
    with db.writer(db_path) as con:
        loader.load_batch(con, [a], "r1")
        path = paragraphs.export(con, db_path, 1000)
    n = len(analyses.pieces(STORY))
    assert query(db_path, "select count(*), sum(hits), sum(tokens) > 0 from paragraph_analyses") == [(n, 0, True)]
    # the wire copy on another site, a run later: every paragraph but one from the warehouse
    b = enriched("https://b.example/9", STORY.replace("on Tuesday", "on Wednesday"), path)
    assert sum(p.analysis is not None for p in b.paragraphs) == 1
    assert sum(p.uses for p in b.paragraphs) == n - 1
    with db.writer(db_path) as con:
        loader.load_batch(con, [b], "r2")
    assert query(db_path, "select count(*), sum(hits) from paragraph_analyses") == [(n + 1, n - 1)]
    paragraphs.discard(path)


def test_a_failed_load_writes_no_cache_row(db_path, tmp_path, monkeypatch):
    a = enriched("https://a.example/1", STORY, str(tmp_path / "none"))
    staged = loader.stage_batch([a], "r1")

    def fail(con, bound):  # after the MERGE, inside the load's transaction
        raise RuntimeError("the load fails after the cache rows were merged")

    monkeypatch.setattr(paragraphs, "evict", fail)
    with db.writer(db_path) as con, pytest.raises(RuntimeError):
        loader.write_rows(con, staged)
    assert query(db_path, "select count(*) from paragraph_analyses") == [(0,)]
    assert query(db_path, "select count(*) from articles") == [(0,)]


def test_the_bound_keeps_the_most_recently_used(db_path):
    t = datetime.now(UTC)

    def row(i: int, minutes: int, analysis: bytes | None = b"x", uses: int = 0) -> dict:
        return {"analysis_version": "v", "paragraph_hash": i.to_bytes(16, "big"), "tokens": 3,
                "analysis": analysis, "uses": uses, "seen_at": t + timedelta(minutes=minutes)}

    def stored(con) -> set[int]:
        return {int.from_bytes(h, "big") for (h,) in con.execute("select paragraph_hash from paragraph_analyses").fetchall()}

    with db.writer(db_path) as con:
        paragraphs.write(con, [row(i, 0) for i in range(10)], 20)
        paragraphs.write(con, [row(i, 1) for i in range(10, 20)], 20)
        paragraphs.write(con, [row(3, 2, None, 2)], 20)  # paragraph 3 reused by a later batch
        assert len(stored(con)) == 20
        paragraphs.write(con, [row(i, 3) for i in range(20, 30)], 20)  # 30 > 20: down to 18
        got = stored(con)
        assert len(got) == 18 and set(range(20, 30)) <= got
        assert got & set(range(10)) == {3}  # the oldest went, but not the one used again
        assert con.execute("select hits from paragraph_analyses where paragraph_hash = ?",
                           [(3).to_bytes(16, "big")]).fetchall() == [(2,)]
        # the use of a paragraph no longer stored inserts nothing; a bound of 0 writes nothing
        paragraphs.write(con, [row(0, 4, None, 1)], 20)
        paragraphs.write(con, [row(99, 4)], 0)
        assert stored(con) == got


# ---- real runs ----------------------------------------------------------------------------------

WIRE = [
    "Meridian City officials said on Tuesday that the harbour bridge would close for repairs in the spring.",
    "\"We have no choice but to act now,\" said Maria Delgado, the city's transport director.",
    "Engineers found corrosion in two of the bridge's main cables during an inspection last month.",
    "The closure is expected to last six weeks, and ferries will run every twenty minutes meanwhile.",
    "Bram Vellacott, who leads the Harbourside Traders Association, said shop owners feared the worst.",
    "\"Six weeks is a long time for a small business,\" Vellacott told reporters outside city hall.",
]


def wire_page(title: str, paras: list[str], marker: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>Published by {marker} on 4 March 2025.</p>{body}</article></body></html>")


@pytest.fixture
def wire_config(tmp_path):
    p = tmp_path / "newsmill.toml"
    p.write_text("[fetch]\nretries = 0\nper_host_interval = 0\nrespect_robots = false\n")
    return str(p)


@pytest.mark.slow
def test_a_later_run_takes_wire_copies_from_the_warehouse(prefect_harness, site, db_path, wire_config, monkeypatch):
    """Run 1 loads a wire story; run 2 (fresh workers) loads copies of it on other pages: their
    paragraphs come from the warehouse, with the enrichment a fresh parse gives. A load that
    fails writes no cache row; another analysis version parses everything again."""
    from newsmill.flows.ingest import ingest

    first = site.add("/a/bridge", wire_page("Bridge to close", WIRE, "Site A"))
    one = ingest(urls=[first], db=db_path, config_path=wire_config)
    assert one["status"] == "completed" and one["new"] == 1
    parsed = one["paragraphs"]["parsed"]
    assert parsed >= len(WIRE) and one["paragraphs"]["reused"] == 0
    stored = query(db_path, "select count(*), sum(hits) from paragraph_analyses")
    assert stored == [(parsed, 0)]
    assert not list(Path(db_path).parent.glob("*.paragraphs-*"))  # the run's snapshot file is gone

    copies = [site.add(f"/b/bridge-{k}", wire_page("Bridge to close", WIRE, f"Site B{k}")) for k in range(2)]
    two = ingest(urls=copies, db=db_path, config_path=wire_config)
    assert two["status"] == "completed" and two["new"] == 2
    # each copy's own line ("Published by Site Bk") is new; the rest came from the warehouse
    # (counted once per chunk: a paragraph repeated within a chunk is analysed once anyway)
    assert two["paragraphs"]["parsed"] == 2
    assert two["paragraphs"]["reused"] >= parsed - 1
    assert query(db_path, "select sum(hits) from paragraph_analyses")[0][0] == two["paragraphs"]["reused"]

    # the same enrichment as a fresh parse: compare with enrich_texts in a cold process cache
    from newsmill.tasks.enrich import enrich_texts

    analyses.process_cache().clear()
    for url in copies:
        text, = query(db_path, "select text from articles where url = ?", [url])[0]
        (cold,) = enrich_texts([text])
        got = query(db_path, "select m.text, m.start_char, m.end_char, m.label from mentions m join articles a "
                    "using (article_id) where a.url = ? order by start_char", [url])
        assert [(m.text, m.start, m.end, m.label) for m in cold.entities] == got
        quotes = query(db_path, "select q.text, speaker_name from quotes q join articles a using (article_id) "
                       "where a.url = ? order by q.start_char", [url])
        assert [(q.text, q.speaker_name) for q in cold.quotes] == quotes
        assert any(name == "Maria Delgado" for _, name in quotes)

    # a load that fails after the cache rows were merged leaves none of them
    def fail(con, bound):
        raise RuntimeError("disk trouble after the merge")

    monkeypatch.setattr(paragraphs, "evict", fail)
    before = query(db_path, "select count(*), sum(hits) from paragraph_analyses")
    third = site.add("/c/bridge", wire_page("Bridge to close", WIRE + ["A new closing line on site C."], "Site C"))
    failed = ingest(urls=[third], db=db_path, config_path=wire_config, return_state=True)
    assert failed.is_failed()
    assert query(db_path, "select count(*), sum(hits) from paragraph_analyses") == before
    monkeypatch.undo()

    # another analysis version (a model upgrade) finds nothing: everything is parsed again
    with db.writer(db_path) as con:
        con.execute("update paragraph_analyses set analysis_version = 'older-model-1.0/0000'")
    four = ingest(urls=[third], db=db_path, config_path=wire_config)
    assert four["status"] == "completed"
    assert four["paragraphs"]["reused"] == 0 and four["paragraphs"]["parsed"] >= parsed + 1


def test_a_paragraph_parsed_again_replaces_its_stored_analysis(db_path):
    """A stored row that did not decode (damaged) is replaced by the worker's fresh parse."""
    now = datetime.now(UTC)
    key = analyses.paragraph_hash("Some paragraph.\n")
    base = {"analysis_version": "v", "paragraph_hash": key, "seen_at": now}
    with db.writer(db_path) as con:
        paragraphs.write(con, [{**base, "tokens": 2, "analysis": b"damaged", "uses": 0}], 100)
        paragraphs.write(con, [{**base, "tokens": 3, "analysis": b"fresh", "uses": 0}], 100)
        paragraphs.write(con, [{**base, "tokens": 0, "analysis": None, "uses": 4}], 100)
        assert con.execute("select tokens, analysis, hits from paragraph_analyses").fetchall() == [(3, b"fresh", 4)]


def test_the_paragraphs_command_shows_and_clears(db_path, capsys):
    from newsmill import cli

    now = datetime.now(UTC)
    nlp = load_model(EnrichOptions().model)
    current = analyses.analysis_version(nlp)
    with db.writer(db_path) as con:
        paragraphs.write(con, [{"analysis_version": v, "paragraph_hash": analyses.paragraph_hash(v), "tokens": 1,
                                "analysis": b"x", "uses": 0, "seen_at": now} for v in (current, "old-model-0.1/00")], 100)
    assert cli.main(["paragraphs", "--db", db_path]) == 0
    out = capsys.readouterr().out
    assert current in out and "old-model-0.1/00" in out
    assert cli.main(["paragraphs", "--db", db_path, "--clear-old"]) == 0
    assert "removed 1 paragraph analyses" in capsys.readouterr().out
    assert query(db_path, "select analysis_version from paragraph_analyses") == [(current,)]
    assert cli.main(["paragraphs", "--db", db_path, "--clear"]) == 0
    assert query(db_path, "select count(*) from paragraph_analyses") == [(0,)]


def test_snapshot_files_of_dead_runs_are_removed(db_path):
    import subprocess

    proc = subprocess.Popen(["true"])
    proc.wait()
    dead = proc.pid  # a process that has exited
    stale = [Path(f"{db_path}.paragraphs-{dead}-0a1b2c3d"), Path(f"{db_path}.paragraphs-{dead}-0a1b2c3d.tmp")]
    for f in stale:
        f.write_bytes(b"x")
    with db.writer(db_path) as con:
        path = paragraphs.export(con, db_path, 100)
    assert not any(f.exists() for f in stale) and Path(path).exists()
    with db.writer(db_path) as con:
        other = paragraphs.export(con, db_path, 100)
    assert other != path and Path(path).exists()  # this process's other run keeps its own
    for p in (path, other):
        paragraphs.discard(p)
        assert not Path(p).exists()
