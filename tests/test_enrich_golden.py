"""Enrichment goldens: the entities, quotes and speakers of a few real pages, reviewed.

A failure means enrichment's output changed. If the change is intended, run
``python tests/golden/regenerate_enrichment.py``, review what it and ``git diff`` report, and commit.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from newsmill.config import EnrichOptions
from newsmill.tasks.enrich import enrich_texts

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.parent.name for p in GOLDEN.glob("*/enrichment.json"))


def test_there_are_enrichment_goldens():
    assert len(CASES) >= 4


@pytest.fixture(scope="module")
def found() -> dict[str, dict]:
    goldens = {name: json.loads((GOLDEN / name / "enrichment.json").read_text(encoding="utf-8")) for name in CASES}
    results = enrich_texts([g["text"] for g in goldens.values()], EnrichOptions(),
                           [g["language"] for g in goldens.values()])
    return {name: {"golden": g, "got": r} for (name, g), r in zip(goldens.items(), results)}


@pytest.mark.parametrize("name", CASES)
def test_entities_unchanged(found, name):
    g, got = found[name]["golden"], found[name]["got"]
    assert got.skipped == g["skipped"]
    assert [asdict(m) for m in got.entities] == g["entities"], f"{name}: mentions changed (regenerate if intended)"


@pytest.mark.parametrize("name", CASES)
def test_quotes_and_speakers_unchanged(found, name):
    g, got = found[name]["golden"], found[name]["got"]
    assert [asdict(q) for q in got.quotes] == g["quotes"], f"{name}: quotes or speakers changed (regenerate if intended)"


def test_goldens_are_worth_having():
    """The pages chosen carry quotes with resolved speakers and entity mentions whose offsets hold."""
    for name in CASES:
        g = json.loads((GOLDEN / name / "enrichment.json").read_text(encoding="utf-8"))
        assert g["entities"] and all(g["text"][m["start"]:m["end"]] == m["text"] for m in g["entities"]), name
        assert all(g["text"][q["start"]:q["end"]] == q["text"] for q in g["quotes"]), name
    assert sum(1 for name in CASES for q in json.loads((GOLDEN / name / "enrichment.json").read_text())["quotes"]
               if q["speaker_name"]) >= 5
