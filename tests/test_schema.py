"""warehouse/schema.py is the one place a table's columns are declared: it must match what the
migrations build, and everything that lists columns must come from it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from newsmill.records import Document
from newsmill.warehouse import db, loader, schema
from newsmill.warehouse.sql import q, statements

ROOT = Path(__file__).resolve().parents[1]


def _columns(path: str) -> dict[str, list[tuple[str, str, bool]]]:
    out: dict[str, list[tuple[str, str, bool]]] = {}
    with db.writer(path, 10) as con:
        for t, c, ty, not_null in con.execute(q("meta.sql", "table_columns")).fetchall():
            out.setdefault(t, []).append((c, ty, bool(not_null)))
    return out


def test_spec_matches_the_migrated_warehouse(db_path):
    actual = _columns(db_path)
    spec = {t.name: [(c.name, c.info_type, c.not_null) for c in t.columns] for t in schema.TABLES}
    assert sorted(actual) == sorted(spec), "a table is missing from warehouse/schema.py or from the migrations"
    for name in spec:
        assert actual[name] == spec[name], f"{name}: warehouse/schema.py and the migrations disagree"


def test_stage_schemas_and_sql_column_lists_come_from_the_spec():
    articles = schema.table("articles")
    assert loader.SCHEMAS["stage_articles"] == articles.arrow_schema
    assert loader.SCHEMAS["stage_articles"].field("published_at").type == pa.timestamp("us", tz="UTC")
    merge = q("load.sql", "articles")
    assert "{{" not in merge and all(n in merge for n in articles.names(schema.PAGE, schema.FETCH))
    reenrich = q("reenrich.sql", "articles")
    # re-extraction replaces what comes from the HTML, never the identity or the fetch
    assert "title = s.title" in reenrich and "url = s.url" not in reenrich and "canonical_url" not in reenrich
    for f in ("load.sql", "reenrich.sql", "enrich.sql", "discovery.sql"):
        assert all("{{" not in sql for _, sql in statements(f))


def test_a_new_page_column_needs_only_the_spec(monkeypatch):
    """A PAGE column named like a Document attribute is staged and merged with no other edit."""
    articles = schema.table("articles")
    assert set(loader._DOC_FIELDS) <= {f.name for f in __import__("dataclasses").fields(Document)}
    assert set(loader._DOC_FIELDS) <= set(articles.names(schema.PAGE))
    extra = schema.Column("subtitle", "VARCHAR")
    t = schema.Table(articles.name, articles.doc, articles.columns + (extra,), articles.stage, articles.stage_only)
    monkeypatch.setitem(schema.BY_NAME, "articles", t)
    sql = schema.render("INSERT ({{articles.insert_columns}}) VALUES ({{articles.insert_values}}); "
                        "UPDATE SET {{articles.set_changed}}; UPDATE SET {{articles.set_page}}")
    assert "subtitle) VALUES" in sql and "s.subtitle)" in sql and sql.count("subtitle = s.subtitle") == 2
    assert "subtitle" in t.arrow_schema.names


def test_schema_doc_is_generated_from_the_spec(db_path):
    with db.writer(db_path, 10) as con:
        expected = schema.markdown(schema.views_of(con))
    got = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert got == expected, "docs/schema.md is stale: python -m newsmill.warehouse.schema --docs > docs/schema.md"
