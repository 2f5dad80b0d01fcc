"""Regenerate the expected outputs of the golden extraction tests.

Each tests/golden/<site>-<date>/ holds ``page.html.gz`` (a page from
../shared/benchmarks/article-extraction, MIT licence: tests/fixtures/LICENSE-article-extraction)
and ``expected.json`` (the page's URL and the Document the extractor made of it). The folder is
named by the page's site and publication date (``aljazeera.com-2019-11-20``), so a failing test
says which page it is. After a deliberate change to the extractor:

    python tests/golden/regenerate.py            # rewrite every expected.json, print what changed
    python tests/golden/regenerate.py --add ID   # copy benchmark page ID in as a new golden pair

Review the printed differences before committing: they are exactly what users will see change.
Enrichment (entities, quotes, speakers) has its own goldens: tests/golden/regenerate_enrichment.py.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks" / "article-extraction"


def extract(page: Path, url: str) -> dict:
    from newsmill.config import ExtractOptions
    from newsmill.tasks.extract import extract_document

    return extract_document(gzip.decompress(page.read_bytes()), url, ExtractOptions()).to_json()


def folder_name(url: str, document: dict) -> str:
    """``<site>-<YYYY-MM-DD>``: the page's host without www., and its publication date."""
    host = (urlsplit(url).hostname or "unknown").lower().removeprefix("www.")
    return f"{host}-{(document.get('published') or 'undated')[:10]}"


def add(pid: str, truth: dict) -> Path:
    page = SHARED / "html" / f"{pid}.html.gz"
    url = truth[pid]["url"]
    d = HERE / folder_name(url, extract(page, url))
    if d.exists():
        raise SystemExit(f"{d.name} exists already (another page of that site and day)")
    d.mkdir()
    shutil.copyfile(page, d / "page.html.gz")
    (d / "expected.json").write_text(json.dumps({"id": pid, "url": url}) + "\n")
    return d


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--add", nargs="*", default=[], metavar="ID", help="benchmark page ids to add")
    args = ap.parse_args(argv)
    if args.add:
        truth = json.loads((SHARED / "ground-truth.json").read_text(encoding="utf-8"))
        for pid in args.add:
            print(f"added {add(pid, truth).name}")
    for d in sorted(p for p in HERE.iterdir() if (p / "page.html.gz").exists()):
        exp_path = d / "expected.json"
        old = json.loads(exp_path.read_text(encoding="utf-8"))
        new = {"id": old["id"], "url": old["url"], "document": extract(d / "page.html.gz", old["url"])}
        changed = [k for k in new["document"] if old.get("document", {}).get(k) != new["document"][k]]
        exp_path.write_text(json.dumps(new, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{d.name}: {'changed ' + ', '.join(changed) if changed else 'unchanged'}")
        if folder_name(old["url"], new["document"]) != d.name:
            print(f"  (its publication date changed: the folder would now be {folder_name(old['url'], new['document'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
