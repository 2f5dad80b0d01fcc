"""Golden pairs: benchmark pages (folders named by site and date) and the Document the extractor made of them, reviewed.

A failure means the extractor's output changed. If the change is intended, run
``python tests/golden/regenerate.py``, review the fields it reports as changed, and commit.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsmill.config import ExtractOptions
from newsmill.tasks.extract import extract_document

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "page.html.gz").exists())


def test_there_are_golden_pairs():
    assert len(CASES) >= 10


@pytest.mark.parametrize("name", CASES)
def test_golden_page(name):
    expected = json.loads((GOLDEN / name / "expected.json").read_text(encoding="utf-8"))
    html = gzip.decompress((GOLDEN / name / "page.html.gz").read_bytes())
    got = extract_document(html, expected["url"], ExtractOptions()).to_json()
    want = expected["document"]
    for field in ("title", "authors", "published", "modified", "site_name", "language", "canonical_url",
                  "section", "image", "description"):
        assert got[field] == want[field], f"{name}: {field} changed (regenerate if intended)"
    assert got["text"] == want["text"], f"{name}: body text changed (regenerate if intended)"


def test_golden_expectations_are_sane():
    """The reviewed expectations themselves: no junk author, plausible dates, a real body."""
    for name in CASES:
        doc = json.loads((GOLDEN / name / "expected.json").read_text(encoding="utf-8"))["document"]
        assert len(doc["text"]) > 500, name
        assert all(a and a.lower() not in {"published", "staff", "admin"} for a in doc["authors"]), name
        assert doc["published"] is None or "1994" <= doc["published"][:4] <= "2020", name
        assert doc["title"] and " | " not in doc["title"], name
