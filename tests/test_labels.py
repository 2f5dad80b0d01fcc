"""One vocabulary of entity types: newsmill.tasks.labels, in Python and in the warehouse's SQL."""

import re
from pathlib import Path

import duckdb

from newsmill.tasks import labels
from newsmill.tasks.labels import EntityType
from newsmill.warehouse import db

ROOT = Path(__file__).resolve().parent.parent


def test_model_labels_map_to_newsmill_types():
    assert labels.from_model("GPE") is labels.PLACE
    assert labels.from_model("LOC") is labels.PLACE
    assert labels.from_model("FAC") is labels.PLACE
    assert labels.from_model("NORP") is labels.NORP  # a nationality is never an organisation
    assert labels.from_model("PER") is labels.PERSON
    assert labels.from_model("person") is labels.PERSON  # GUM's vocabulary
    assert labels.from_model("organization") is labels.ORG
    assert labels.from_model("DATE") is None and labels.from_model("") is None
    assert labels.spacy_label("PLACE") == "GPE" and labels.spacy_label(labels.ORG) == "ORG"


# A type literal in SQL: compared with, or listed for, a type/label column.
_TYPE_CONTEXT = re.compile(r"\b(?:entity_type|type|label|speaker_label)\s*(?:=|<>|!=|IN\s*\()\s*((?:'[^']*'\s*,?\s*)+)",
                           re.IGNORECASE)


def _type_literals(sql: str) -> set[str]:
    sql = re.sub(r"--[^\n]*", "", sql)
    return {lit for m in _TYPE_CONTEXT.finditer(sql) for lit in re.findall(r"'([^']*)'", m.group(1))}


def test_every_type_literal_in_the_warehouse_sql_is_a_newsmill_type(tmp_path):
    """The views as they stand after every migration, and the queries in warehouse/sql."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    db.migrate(con)
    views = [r[0] for r in con.execute("SELECT sql FROM duckdb_views() WHERE NOT internal").fetchall()]
    con.close()
    found = set()
    for sql in views + [p.read_text(encoding="utf-8") for p in sorted((ROOT / "warehouse" / "sql").glob("*.sql"))]:
        found |= _type_literals(sql)
    assert {"PERSON", "ORG", "PLACE", "NORP"} <= found  # the pattern still sees the marts
    assert found <= {t.value for t in EntityType}, found - {t.value for t in EntityType}


def test_enrichment_labels_are_newsmill_types():
    from newsmill.tasks.enrich import enrich_texts

    e = enrich_texts(["The Chinese delegation met Angela Merkel in Berlin, said Siemens."], languages=["en"])[0]
    got = {m.label for m in e.entities}
    assert got and got <= {t.value for t in EntityType}
