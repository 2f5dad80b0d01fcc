"""`newsmill enrich` as a user runs it, and enrichment loaded by the real ingest flow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow  # every test here starts Prefect, a subprocess or Chromium

FIX = Path(__file__).parent / "fixtures" / "enrich"
NEWSMILL = str(Path(sys.executable).parent / "newsmill")


def test_cli_enrich_prints_one_json_object_per_file(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    art = FIX / "kirby.txt"
    r = subprocess.run([NEWSMILL, "enrich", str(art), str(empty)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [d["path"] for d in lines] == [str(art), str(empty)]
    d = lines[0]
    assert set(d) == {"path", "entities", "quotes", "skipped"} and d["skipped"] is None
    text = art.read_text(encoding="utf-8")
    for ent in d["entities"]:
        assert set(ent) == {"text", "label", "start", "end", "name"}
        assert text[ent["start"]:ent["end"]] == ent["text"]
    assert {"PERSON", "ORG", "PLACE"} <= {e["label"] for e in d["entities"]}
    for q in d["quotes"]:
        assert set(q) == {"text", "start", "end", "kind", "cue", "speaker", "speaker_start", "speaker_end", "speaker_name",
                          "confidence", "part", "parts", "quotation_start", "quotation_end"}
        assert text[q["start"]:q["end"]] == q["text"]
        assert 1 <= q["part"] <= q["parts"] and q["quotation_start"] <= q["start"] < q["end"] <= q["quotation_end"]
        assert q["kind"] in {"direct", "indirect"}
    assert any(q["speaker_name"] == "John Kirby" and q["kind"] == "direct" for q in d["quotes"])
    assert lines[1]["entities"] == [] and lines[1]["quotes"] == []


def test_cli_enrich_unknown_model_is_a_clear_error():
    r = subprocess.run([NEWSMILL, "enrich", "--model", "xx_missing_model", str(FIX / "kirby.txt")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "NEWSMILL_SPACY_MODEL" in r.stderr and "Traceback" not in r.stderr


def _rows(db, sql):
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_ingest_loads_entities_and_quotes_with_canonical_speakers(prefect_harness, site, db_path, tmp_path):
    from newsmill.flows.ingest import ingest

    cfg = tmp_path / "newsmill.toml"
    cfg.write_text("[fetch]\nretries = 0\nper_host_interval = 0\n")
    url = site.add_fixture("/world/pentagon-syria", "pages/article.html")
    summary = ingest(urls=[url], db=db_path, config_path=str(cfg))
    assert summary["status"] == "completed" and summary["new"] == 1

    speakers = _rows(db_path, "select q.speaker, q.speaker_name, e.name, e.type, q.kind from quotes q "
                              "left join entities e on e.entity_id = q.speaker_entity_id")
    assert ("Pentagon spokesman John Kirby", "John Kirby", "John Kirby", "PERSON", "direct") in speakers
    assert any(s[1] == "Vladimir Putin" for s in speakers)
    names = dict(_rows(db_path, "select e.name, count(*) from mentions m join entities e using (entity_id) "
                                "group by e.name"))
    assert names["Vladimir Putin"] >= 2 and names["John Kirby"] >= 2 and names["Bashar al Assad"] >= 2
    assert "Putin" not in names and "Kirby" not in names
    # offsets index the stored article text
    bad = _rows(db_path, "select count(*) from mentions m join articles a using (article_id) "
                         "where substr(a.text, m.start_char + 1, m.end_char - m.start_char) <> m.text")
    assert bad == [(0,)]
    (model, skipped), = _rows(db_path, "select model, skipped from enrichments")
    assert "core_web_sm" in model and skipped is None

    counts = lambda: _rows(db_path, "select (select count(*) from entities), (select count(*) from mentions), "
                                    "(select count(*) from quotes), (select count(*) from enrichments)")[0]
    before = counts()
    assert min(before) > 0
    again = ingest(urls=[url], db=db_path, config_path=str(cfg))
    assert again["status"] == "completed"
    assert counts() == before


def test_installed_program_ingests_urls_given_on_its_command_line(site, tmp_path):
    """The README's first command, as the installed `newsmill` program runs it (not `python -m`,
    whose start-up imports differ): URLs on the command line, the head start, the flow, the load."""
    import os

    from tests.siteserver import article_html

    url = site.add("/n/1.html", article_html("Council votes on the harbour plan", 5))
    db = str(tmp_path / "news.duckdb")
    home = tmp_path / "prefect-home"
    home.mkdir()
    env = {**os.environ, "PREFECT_HOME": str(home), "NEWSMILL_PER_HOST_INTERVAL": "0",
           "NEWSMILL_RESPECT_ROBOTS": "0", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300"}
    r = subprocess.run([NEWSMILL, "ingest", url, "--db", db], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    assert _rows(db, "SELECT status, loaded FROM runs") == [("completed", 1)]
    assert _rows(db, "SELECT count(*) FROM articles") == [(1,)]
