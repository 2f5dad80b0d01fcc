"""Regenerate the enrichment goldens: entities, quotes and speakers of a few real pages.

``tests/golden/<site>-<date>/enrichment.json`` holds the text that was enriched (the golden
Document's body, from a page of ../shared/benchmarks/article-extraction, MIT licence:
tests/fixtures/LICENSE-article-extraction) and what ``newsmill.tasks.enrich.enrich_texts`` found
in it with the default options and model: every entity mention (text, label, offsets, canonical
name) and every quote (kind, cue, speaker span, canonical speaker and its type).
``tests/test_enrich_golden.py`` checks that enrichment still finds exactly that.

Run it after any change that alters what enrichment finds (tasks/enrich.py, tasks/entities.py,
tasks/quotes.py, tasks/labels.py, tasks/data/, the model), then read the diff it prints and the
git diff of the JSON files: they are what users will see change in `mentions` and `quotes`.

    python tests/golden/regenerate_enrichment.py             # rewrite, print what changed
    python tests/golden/regenerate_enrichment.py --add NAME  # enrich one more golden page
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILE = "enrichment.json"


def enrich(text: str, language: str | None) -> dict:
    from newsmill.config import EnrichOptions
    from newsmill.tasks.enrich import enrich_texts

    e = enrich_texts([text], EnrichOptions(), [language])[0]
    return {"skipped": e.skipped, "entities": [asdict(m) for m in e.entities], "quotes": [asdict(q) for q in e.quotes]}


def golden_pages() -> list[Path]:
    return sorted(p.parent for p in HERE.glob(f"*/{FILE}"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--add", nargs="*", default=[], metavar="NAME", help="golden page folders to enrich too")
    args = ap.parse_args(argv)
    for name in args.add:
        doc = json.loads((HERE / name / "expected.json").read_text(encoding="utf-8"))["document"]
        (HERE / name / FILE).write_text(json.dumps({"text": doc["text"], "language": doc["language"]}) + "\n")
    for d in golden_pages():
        path = d / FILE
        old = json.loads(path.read_text(encoding="utf-8"))
        new = {"text": old["text"], "language": old["language"], **enrich(old["text"], old["language"])}
        path.write_text(json.dumps(new, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        diff = [k for k in ("skipped", "entities", "quotes") if old.get(k) != new[k]]
        print(f"{d.name}: {len(new['entities'])} mentions, {len(new['quotes'])} quotes, "
              f"{sum(1 for q in new['quotes'] if q['speaker_name'])} with a speaker; "
              + ("changed " + ", ".join(diff) if diff else "unchanged"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
