"""The loader against a real DuckDB file: idempotency, atomicity, migrations, clear errors."""

from datetime import UTC, datetime

import duckdb
import pytest

from newsmill.records import Document, EntityMention, Enrichment, FetchedPage, PageResult, Quote
from newsmill.warehouse import db, loader
from tests.dbutil import query


def page(url, body=b"<html>x</html>", error=None, status=200):
    return FetchedPage(url=url, final_url=url, status_code=status, content_type="text/html",
                       body=None if error else body, encoding="utf-8", fetched_at=datetime.now(UTC),
                       elapsed_ms=5, error=error, error_detail=f"detail {error}" if error else None)


def doc(url, text="Body text of the article. " * 10, title="A title", authors=("Jane Doe",), published="2025-03-04"):
    return Document(url=url, canonical_url=url, title=title, authors=authors, published=published,
                    modified=None, site_name="Example News", language="en", text=text)


rows = query


def load(path, results, run_id="r1"):
    with db.writer(path) as con:
        return loader.load_batch(con, results, run_id)


def test_idempotent_load_and_update(db_path):
    a = PageResult(page("https://example.com/a"), doc("https://example.com/a"))
    b = PageResult(page("https://example.com/b"), doc("https://example.com/b", authors=("Ann Lee", "Bo Chan")))
    bad = PageResult(page("https://example.com/c", error="http_404", status=404), error="http_404", detail="HTTP 404")
    c1 = load(db_path, [a, b, bad], "r1")
    assert (c1.new, c1.updated, c1.unchanged, c1.failed) == (2, 0, 0, 1)
    assert c1.errors == {"http_404": 1}
    c2 = load(db_path, [a, b, bad], "r2")
    assert (c2.new, c2.updated, c2.unchanged, c2.failed) == (0, 0, 2, 1)
    assert rows(db_path, "select count(*) from articles") == [(2,)]
    assert rows(db_path, "select count(*) from fetches") == [(6,)]
    assert rows(db_path, "select count(*) from article_authors") == [(3,)]
    assert rows(db_path, "select count(*) from raw_pages") == [(1,)]  # same body bytes: stored once
    first_seen = rows(db_path, "select first_seen_at, updated_at from articles where url like '%/a'")

    a2 = PageResult(page("https://example.com/a", body=b"<html>y</html>"),
                    doc("https://example.com/a", text="A corrected body. " * 10, authors=("Jane Q. Doe",)))
    c3 = load(db_path, [a2], "r3")
    assert (c3.new, c3.updated) == (0, 1)
    got = rows(db_path, "select text, first_seen_at, updated_at, last_run_id from articles where url like '%/a'")[0]
    assert got[0].startswith("A corrected body.")
    assert got[1] == first_seen[0][0] and got[2] > first_seen[0][1] and got[3] == "r3"
    assert rows(db_path, "select a.name from article_authors aa join authors a using (author_id) "
                         "join articles using (article_id) where url like '%/a'") == [("Jane Q. Doe",)]
    outcomes = rows(db_path, "select run_id, outcome, count(*) from fetches group by all order by all")
    assert outcomes == [("r1", "failed", 1), ("r1", "new", 2), ("r2", "failed", 1), ("r2", "unchanged", 2),
                        ("r3", "updated", 1)]


def test_same_article_twice_in_one_batch(db_path):
    a = PageResult(page("https://example.com/a?utm_source=x"), doc("https://example.com/a"))
    a_again = PageResult(page("https://example.com/a"), doc("https://example.com/a"))
    c = load(db_path, [a, a_again])
    assert c.new == 1
    assert rows(db_path, "select count(*) from articles") == [(1,)]
    assert rows(db_path, "select count(distinct article_id) from fetches") == [(1,)]


def test_failed_batch_leaves_nothing(db_path, monkeypatch):
    a = PageResult(page("https://example.com/a"), doc("https://example.com/a"))
    load(db_path, [a])
    b = PageResult(page("https://example.com/b"), doc("https://example.com/b"))
    staged = loader.stage_batch([b], "r2")
    staged["stage_fetches"][0]["outcome"] = None
    staged["stage_fetches"][0]["fetch_id"] = None  # violates NOT NULL after the articles MERGE ran
    with db.writer(db_path) as con, pytest.raises(duckdb.Error):
        loader.write_rows(con, staged)
    assert rows(db_path, "select url from articles") == [("https://example.com/a",)]
    assert rows(db_path, "select count(*) from fetches") == [(1,)]


def test_enrichment_replaced_not_duplicated(db_path):
    text = 'Vladimir Putin spoke. "We will win," Putin said.'
    enr = Enrichment(
        entities=(EntityMention("Vladimir Putin", "PERSON", 0, 14, "Vladimir Putin"),
                  EntityMention("Putin", "PERSON", 30, 35, "Vladimir Putin")),
        quotes=(Quote("We will win,", 22, 34, "direct", "said", "Putin", 36, 41, "Vladimir Putin", "PERSON"),),
        model="test")
    r = PageResult(page("https://example.com/a"), doc("https://example.com/a", text=text * 5), enr)
    load(db_path, [r])
    r2 = PageResult(page("https://example.com/b"), doc("https://example.com/b", text=text * 6), enr)
    load(db_path, [r, r2])
    assert rows(db_path, "select name, type from entities") == [("Vladimir Putin", "PERSON")]
    assert rows(db_path, "select count(*) from mentions") == [(4,)]
    assert rows(db_path, "select count(*), count(speaker_entity_id) from quotes") == [(2, 2)]
    # the article changes: its enrichment is replaced as a whole
    r3 = PageResult(page("https://example.com/a"), doc("https://example.com/a", text="Other text. " * 20),
                    Enrichment(model="test"))
    load(db_path, [r3])
    assert rows(db_path, "select count(*) from mentions m join articles a using (article_id) where a.url like '%/a'") == [(0,)]
    assert rows(db_path, "select count(*) from quotes") == [(1,)]


def test_migrations_recorded_and_newer_schema_refused(db_path):
    with db.writer(db_path):
        pass
    assert rows(db_path, "select max(version) from schema_migrations") == [(db.SCHEMA_VERSION,)]
    con = duckdb.connect(db_path)
    con.execute("insert into schema_migrations (version, name) values (999, 'from_the_future')")
    con.close()
    with pytest.raises(db.WarehouseError, match="schema version 999, newer than this newsmill"):
        with db.writer(db_path):
            pass


def test_not_a_database_and_foreign_database(tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 1000)
    with pytest.raises(db.WarehouseError, match="not a usable DuckDB database|cannot open database"):
        with db.writer(str(junk)):
            pass
    other = str(tmp_path / "other.duckdb")
    con = duckdb.connect(other)
    con.execute("create table customers(id int)")
    con.close()
    with pytest.raises(db.WarehouseError, match="not a newsmill warehouse"):
        with db.writer(other):
            pass


def test_unwritable_directory(tmp_path):
    with pytest.raises(db.WarehouseError, match="does not exist"):
        with db.writer(str(tmp_path / "missing" / "x.duckdb")):
            pass


def test_snapshot_published_for_readers(db_path):
    a = PageResult(page("https://example.com/a"), doc("https://example.com/a"))
    with db.writer(db_path, snapshot=True) as con:
        loader.load_batch(con, [a], "r1")
    snap = db.snapshot_path(db_path)
    assert snap.exists()
    # a reader on the snapshot does not block the writer
    with db.reader(db_path) as rcon:
        assert rcon.execute("select count(*) from articles").fetchall() == [(1,)]
        with db.writer(db_path, lock_timeout=2) as wcon:
            loader.load_batch(wcon, [PageResult(page("https://example.com/b"), doc("https://example.com/b"))], "r2")
    with db.reader(db_path) as rcon:
        assert rcon.execute("select count(*) from articles").fetchall() == [(1,)]  # snapshot not republished
    with db.writer(db_path, snapshot=True):
        pass
    with db.reader(db_path) as rcon:
        assert rcon.execute("select count(*) from articles").fetchall() == [(2,)]
