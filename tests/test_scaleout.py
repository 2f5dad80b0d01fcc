"""Scale-out: two worker processes stage Parquet batches, one loader merges them.

The same pages loaded by the single-process ingest flow and by two `scaleout-worker` flow runs in
separate processes (against the session's Prefect API) + the `scaleout-load` flow must give the
same article rows, and merging again must change nothing.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from newsmill.config import load_config
from newsmill.warehouse import loader, staging

ROOT = Path(__file__).resolve().parents[1]
CORPUS = next((p for p in (ROOT.parent / "shared" / "benchmarks" / "article-extraction" / "html",
                           Path("/work/shared/benchmarks/article-extraction/html")) if p.is_dir()), None)

pytestmark = pytest.mark.slow


def _pages(n: int) -> list[tuple[str, bytes]]:
    assert CORPUS is not None, "../shared/benchmarks/article-extraction is missing"
    return [(p.name.split(".")[0], gzip.decompress(p.read_bytes())) for p in sorted(CORPUS.glob("*.html.gz"))[:n]]


def _table(db: str, sql: str) -> list[tuple]:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


ARTICLES = "SELECT article_id, content_hash, canonical_url, title, text, word_count, language FROM articles ORDER BY 1"
ENRICHED = "SELECT article_id, content_hash, model, skipped, entities, quotes FROM enrichments ORDER BY 1"
MENTIONS = "SELECT article_id, entity_id, start_char, end_char FROM mentions ORDER BY ALL"
AUTHORS = "SELECT article_id, author_id, position FROM article_authors ORDER BY ALL"
COUNTS = ("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM fetches), (SELECT count(*) FROM raw_pages), "
          "(SELECT count(*) FROM mentions), (SELECT count(*) FROM quotes), (SELECT count(*) FROM article_authors), "
          "(SELECT count(*) FROM entities), (SELECT count(*) FROM sources)")


@pytest.fixture
def served(site, tmp_path):
    urls = []
    for pid, html in _pages(10):
        urls.append(site.add(f"/news/{pid[:12]}.html", html))
    urls.append(site.add("/gone.html", b"gone", status=404))  # a failure travels through staging too
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
    # several batches per worker, no politeness delay for the test host
    (tmp_path / "cfg.toml").write_text("[fetch]\nper_host_interval = 0\nper_host_concurrency = 4\n"
                                       "respect_robots = false\n[load]\nbatch_size = 3\n")
    return urls


def test_shards_partition_the_urls():
    from newsmill.flows.scaleout import shard_urls

    urls = [f"http://h{i % 7}.example/a/{i}" for i in range(200)]
    for by in ("host", "url"):
        parts = [shard_urls(urls, i, 3, by) for i in range(3)]
        assert sorted(sum(parts, [])) == sorted(urls)
        assert all(parts), by
    by_host = [shard_urls(urls, i, 3, "host") for i in range(3)]
    hosts = [{u.split("/")[2] for u in part} for part in by_host]
    assert not (hosts[0] & hosts[1]) and not (hosts[1] & hosts[2]) and not (hosts[0] & hosts[2])
    with pytest.raises(ValueError):
        shard_urls(urls, 3, 3)


def test_two_workers_load_the_same_rows_as_one_process(served, tmp_path, prefect_harness):
    from prefect.settings import PREFECT_API_URL

    from newsmill.flows.ingest import ingest
    from newsmill.flows.scaleout import merge

    cfg_path = str(tmp_path / "cfg.toml")
    single_db = str(tmp_path / "single.duckdb")
    summary = ingest(urls=served, db=single_db, config_path=cfg_path)
    assert summary["status"] == "completed" and summary["new"] == 10 and summary["failed"] == 1

    stage_dir = tmp_path / "staging"
    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value(), PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-m", "newsmill.flows.scaleout", "worker",
                               "--urls-file", str(tmp_path / "urls.txt"), "--staging", str(stage_dir),
                               "--shard", f"{i}/2", "--shard-by", "url", "--config", cfg_path],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for i in range(2)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
        outs.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(o["shard"][0] for o in outs) == [0, 1]
    assert all(o["urls"] > 0 for o in outs), outs  # both processes did part of the work
    assert sum(o["urls"] for o in outs) == 11
    assert len({o["run_id"] for o in outs}) == 2
    # a crashed worker's half-written batch is never merged
    (stage_dir / outs[0]["run_id"] / ".tmp-batch-00099-dead").mkdir()

    scaled_db = str(tmp_path / "scaled.duckdb")
    first = merge(str(stage_dir), scaled_db, cfg_path)
    assert first["merged"] == first["batches"] == sum(o["batches"] for o in outs) >= 4
    assert first["new"] == 10 and first["failed"] == 1

    for sql in (ARTICLES, ENRICHED, MENTIONS, AUTHORS):
        single, scaled = _table(single_db, sql), _table(scaled_db, sql)
        diff = [(i, [c for c, (x, y) in enumerate(zip(a, b)) if x != y]) for i, (a, b) in enumerate(zip(single, scaled))
                if a != b]
        assert len(single) == len(scaled) and not diff, f"{sql}: rows differ in (row, columns) {diff[:5]}"
    assert len(_table(scaled_db, ARTICLES)) == 10
    assert _table(single_db, COUNTS) == _table(scaled_db, COUNTS)
    runs = _table(scaled_db, "SELECT run_id, flow, status, new FROM runs ORDER BY 1")
    assert sorted(r[0] for r in runs) == sorted(o["run_id"] for o in outs)
    assert {r[1] for r in runs} == {"scaleout-worker"} and sum(r[3] for r in runs) == 10

    # merging again is a no-op: nothing new, nothing duplicated, run records untouched
    before = _table(scaled_db, COUNTS)
    again = merge(str(stage_dir), scaled_db, cfg_path)
    assert again["merged"] == 0 and again["skipped"] == first["batches"] and again["new"] == 0
    assert _table(scaled_db, COUNTS) == before
    assert _table(scaled_db, "SELECT run_id, flow, status, new FROM runs ORDER BY 1") == runs

    # a later worker run reads the warehouse's snapshot: byte-identical pages are staged as
    # unchanged without extraction, and merging them adds fetch rows only
    stage2 = tmp_path / "staging2"
    p = subprocess.run([sys.executable, "-m", "newsmill.flows.scaleout", "worker", "--urls-file",
                        str(tmp_path / "urls.txt"), "--staging", str(stage2), "--shard", "0/1",
                        "--db", scaled_db, "--config", cfg_path],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    assert json.loads(p.stdout.strip().splitlines()[-1])["articles"] == 0  # nothing re-extracted
    third = merge(str(stage2), scaled_db, cfg_path)
    assert third["new"] == third["updated"] == 0 and third["unchanged"] == 10 and third["failed"] == 1
    assert _table(scaled_db, ARTICLES) == _table(single_db, ARTICLES)
    assert _table(scaled_db, "SELECT count(*) FROM fetches")[0][0] == 22


def test_staging_round_trip_and_partial_batch_refused(tmp_path):
    from datetime import UTC, datetime

    from newsmill.records import Document, FetchedPage, PageResult
    from newsmill.warehouse import db

    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    results = []
    for i in range(3):
        page = FetchedPage(url=f"http://s.example/{i}", final_url=f"http://s.example/{i}", status_code=200,
                           content_type="text/html", body=f"<p>{i}</p>".encode(), encoding="utf-8",
                           fetched_at=now, elapsed_ms=5, etag=f'"e{i}"')
        doc = Document(url=page.url, canonical_url=page.url, title=f"T{i}", authors=("Ann Lee",),
                       published="2026-01-01", modified=None, site_name="S", language="en", text=f"Body {i} " * 30)
        results.append(PageResult(page=page, document=doc))
    rows = loader.stage_batch(results, "run-1", now=now, extractor_version="x")
    path = staging.write_batch(rows, tmp_path / "st", "run-1", 0, {"flow": "scaleout-worker"})
    manifest, back = staging.read_batch(path)
    assert manifest["rows"]["stage_articles"] == 3
    for name in loader.SCHEMAS:
        assert back[name] == rows[name], name

    cfg = load_config(overrides={"load": {"db_path": str(tmp_path / "w.duckdb")}})
    with db.writer(cfg.load.db_path) as con:
        # a warehouse that holds part of a batch's fetch rows is an inconsistency worth stopping on
        one = {k: v for k, v in back.items()}
        one["stage_fetches"] = back["stage_fetches"][:1]
        loader.write_rows(con, {**{k: [] for k in loader.SCHEMAS}, "stage_fetches": one["stage_fetches"]})
        with pytest.raises(staging.StagingError, match="partly present"):
            staging.merge_all(con, tmp_path / "st")
    with pytest.raises(staging.StagingError, match="no staging folder"):
        staging.list_batches(tmp_path / "nowhere")
