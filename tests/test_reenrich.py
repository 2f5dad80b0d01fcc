"""`reenrich`: re-extraction and re-enrichment from kept HTML, no network, atomic per batch."""

from __future__ import annotations

import subprocess
import sys

import pytest

from newsmill.config import EnrichOptions
from newsmill.tasks.enrich import model_version
from newsmill.tasks.extract import EXTRACTOR_VERSION
from newsmill.warehouse import db
from tests.test_marts import build_warehouse

pytestmark = pytest.mark.slow


def _q(path, sql, params=None):
    with db.reader(path, prefer_snapshot=False) as con:
        return con.execute(sql, params or {}).fetchall()


def _exec(path, sql):
    with db.writer(path, snapshot=True) as con:
        con.execute(sql)


def _config(tmp_path, batch_size=2) -> str:
    p = tmp_path / "newsmill.toml"
    p.write_text(f"[load]\nbatch_size = {batch_size}\n")
    return str(p)


def test_reenrich_replaces_derived_rows_and_records_versions(prefect_harness, db_path, tmp_path):
    from newsmill.flows.reenrich import reenrich

    build_warehouse(db_path)
    before = dict(_q(db_path, "SELECT article_id, first_seen_at FROM articles"))
    fetches = _q(db_path, "SELECT count(*) FROM fetches")[0][0]
    # an older extractor left a different text and no byline behind for one article
    _exec(db_path, "UPDATE articles SET text = 'old text', content_hash = 'old', extractor_version = 'old-1' "
                   "WHERE title = 'Storm closes the harbour'")
    summary = reenrich(db=db_path, config_path=_config(tmp_path))
    assert summary["status"] == "completed"
    assert (summary["articles"], summary["changed"], summary["unchanged"], summary["failed"]) == (4, 1, 3, 0)
    run = _q(db_path, "SELECT flow, status, extractor_version, model, urls, updated, unchanged FROM runs "
                      "WHERE run_id = $r", {"r": summary["run_id"]})
    assert run == [("reenrich", "completed", EXTRACTOR_VERSION, model_version(EnrichOptions()), 4, 1, 3)]
    # identity and history untouched; derived rows rewritten by this run with the real model
    assert dict(_q(db_path, "SELECT article_id, first_seen_at FROM articles")) == before
    assert _q(db_path, "SELECT count(*) FROM fetches")[0][0] == fetches
    text = _q(db_path, "SELECT text, extractor_version FROM articles WHERE title = 'Storm closes the harbour'")[0]
    assert text[0].startswith("A storm closed the harbour") and text[1] == EXTRACTOR_VERSION
    enr = _q(db_path, "SELECT DISTINCT run_id, model FROM enrichments")
    assert enr == [(summary["run_id"], model_version(EnrichOptions()))]
    assert _q(db_path, "SELECT count(*) FROM enrichments")[0][0] == 4
    # the hand-made test enrichment is gone; spaCy found entities in the same texts
    assert summary["mentions"] > 0
    assert _q(db_path, "SELECT count(*) FROM mentions")[0][0] == summary["mentions"]
    names = {r[0] for r in _q(db_path, "SELECT e.name FROM mentions JOIN entities e USING (entity_id)")}
    assert {"Portsmouth", "France"} <= names
    # the paragraphs' analyses were kept; running it again takes them from the warehouse (the
    # process's own cache emptied, as in a new process) and changes nothing but the run
    from newsmill.tasks import analyses

    stored, hits = _q(db_path, "SELECT count(*), sum(hits) FROM paragraph_analyses")[0]
    assert stored > 0
    analyses.process_cache().clear()
    again = reenrich(db=db_path, config_path=_config(tmp_path))
    assert _q(db_path, "SELECT count(*) FROM paragraph_analyses")[0][0] == stored
    assert _q(db_path, "SELECT sum(hits) FROM paragraph_analyses")[0][0] >= hits + stored
    assert (again["changed"], again["unchanged"], again["mentions"]) == (0, 4, summary["mentions"])
    assert _q(db_path, "SELECT count(*) FROM mentions")[0][0] == summary["mentions"]


def test_reenrich_since_and_corrupt_pages(prefect_harness, db_path, tmp_path):
    from newsmill.flows.reenrich import reenrich

    build_warehouse(db_path)
    _exec(db_path, "UPDATE articles SET first_seen_at = TIMESTAMPTZ '2020-01-01 00:00:00+00' "
                   "WHERE source_id = 'gazette.test'")
    # one kept page is damaged: that article is reported and left as it was
    _exec(db_path, "UPDATE raw_pages SET html_gz = '\\x00\\x01'::BLOB WHERE raw_html_id = "
                   "(SELECT raw_html_id FROM articles WHERE title = 'Council approves new budget')")
    old_mentions = _q(db_path, "SELECT count(*) FROM mentions m JOIN articles a USING (article_id) "
                               "WHERE a.title = 'Council approves new budget'")[0][0]
    summary = reenrich(db=db_path, since="2024-06-01", config_path=_config(tmp_path))
    assert summary["urls"] == 2  # the two ledger.test articles, first seen after the date
    assert (summary["articles"], summary["failed"], summary["errors"]) == (1, 1, {"raw_page_corrupt": 1})
    assert _q(db_path, "SELECT count(*) FROM mentions m JOIN articles a USING (article_id) "
                       "WHERE a.title = 'Council approves new budget'")[0][0] == old_mentions
    # gazette articles (first seen in 2020) kept their hand-made enrichment
    assert {r[0] for r in _q(db_path, "SELECT DISTINCT e.model FROM enrichments e JOIN articles a USING (article_id) "
                                      "WHERE a.source_id = 'gazette.test'")} == {"hand-made-test"}


def test_reenrich_cli_checks_arguments_before_starting_prefect(tmp_path):
    r = subprocess.run([sys.executable, "-m", "newsmill.cli", "reenrich", "--since", "yesterday",
                        "--db", str(tmp_path / "x.duckdb")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--since wants a date" in r.stderr
    r = subprocess.run([sys.executable, "-m", "newsmill.cli", "reenrich", "--db", str(tmp_path / "x.duckdb")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "no warehouse" in r.stderr
