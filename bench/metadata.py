"""Metadata accuracy (title, authors, published date) on a hand-labelled set of benchmark pages.

Labels: bench/data/metadata-labels.json (how they were made: bench/data/README.md). Pages come
from ../shared/benchmarks/article-extraction. Scoring, per page:

* title: equal after folding whitespace, quote and dash variants (case kept);
* authors: the same names in the same order (case-insensitive); a page whose label has no person
  (an agency or no byline) is right only when we return no author either. "no junk" counts pages
  where every name we return is in the label;
* published: the same calendar day as the label (the date as the page states it), and, as a
  second figure, within one day (a UTC timestamp of an evening story falls on the next day).

    python bench/metadata.py [--baseline] [--show-errors] [--dev]

``--dev`` also scores ../shared/benchmarks/metadata-dev with that set's own scorer: tune on one set,
check on the other.

Prints a table and writes bench/results/metadata.json. ``--baseline`` also scores trafilatura's
own metadata (bare_extraction with_metadata=True) on the same pages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "benchmarks" / "article-extraction"
LABELS = ROOT / "bench" / "data" / "metadata-labels.json"

_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " ", "…": "..."})


def fold(s: str | None) -> str:
    return " ".join((s or "").translate(_FOLD).split()).strip(" .")


def day(s: str | None) -> date | None:
    if not s:
        return None
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        return None


def score(pred: dict, label: dict) -> dict[str, bool]:
    pa = [a.casefold() for a in pred.get("authors") or []]
    la = [a.casefold() for a in label["authors"]]
    pd, ld = day(pred.get("published")), day(label["published"])
    return {
        "title": fold(pred.get("title")) == fold(label["title"]),
        "authors": pa == la,
        "authors_no_junk": all(a in la for a in pa),
        "published": pd is not None and pd == ld,
        "published_1day": pd is not None and ld is not None and abs((pd - ld).days) <= 1,
    }


def newsmill(html: bytes, url: str) -> dict:
    from newsmill.config import load_config
    from newsmill.tasks.extract import ExtractionFailed, extract_document

    try:
        d = extract_document(html, url, load_config(None).extract)
    except ExtractionFailed:
        return {}
    return {"title": d.title, "authors": list(d.authors), "published": d.published}


def trafilatura_meta(html: bytes, url: str) -> dict:
    import trafilatura

    d = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if d is None:
        return {}
    authors = [a.strip() for a in (d.author or "").split(";") if a.strip()]
    return {"title": d.title, "authors": authors, "published": d.date}


def evaluate(fn, labels: dict, truth: dict, show_errors: bool) -> dict:
    fields = ["title", "authors", "authors_no_junk", "published", "published_1day"]
    ok = dict.fromkeys(fields, 0)
    t0 = time.perf_counter()
    for pid, label in labels.items():
        html = gzip.decompress((DATA / "html" / f"{pid}.html.gz").read_bytes())
        pred = fn(html, truth[pid]["url"])
        s = score(pred, label)
        for f in fields:
            ok[f] += s[f]
        if show_errors:
            for f in ("title", "authors", "published"):
                if not s[f]:
                    print(f"  {pid[:10]} {f:<9} got {pred.get(f)!r}  want {label[f]!r}")
    n = len(labels)
    return {"pages": n, **{f: round(ok[f] / n, 3) for f in fields}, "seconds": round(time.perf_counter() - t0, 2)}


DEV = ROOT.parent / "shared" / "benchmarks" / "metadata-dev"


def evaluate_dev(show_errors: bool) -> dict:
    """Title, authors and published on ../shared/benchmarks/metadata-dev, scored by its own score.py
    (the set we check the rules against: 114 pages from 110 sites, labels not made by us)."""
    import importlib.util

    from newsmill.config import load_config
    from newsmill.tasks.extract import ExtractionFailed, extract_document

    spec = importlib.util.spec_from_file_location("metadata_dev_score", DEV / "score.py")
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    gold = json.loads((DEV / "gold.json").read_text(encoding="utf-8"))
    opts = load_config(None).extract
    hits = {f: [] for f in scorer.FIELDS}
    t0 = time.process_time()
    for name, g in sorted(gold.items()):
        try:
            d = extract_document(gzip.decompress((DEV / "pages" / name).read_bytes()), g["url"], opts)
            pred = {"title": d.title, "authors": list(d.authors), "published": d.published}
        except ExtractionFailed:
            pred = {}
        for f in scorer.FIELDS:
            if f in g:
                ok = scorer.same(f, g[f], pred.get(f))
                hits[f].append(ok)
                if show_errors and not ok:
                    print(f"  {name} {f:<9} got {pred.get(f)!r}  want {g[f]!r}")
    out = {f: round(sum(v) / len(v), 3) for f, v in hits.items() if v}
    out.update({f"{f}_n": f"{sum(v)}/{len(v)}" for f, v in hits.items() if v})
    out["cpu_seconds"] = round(time.process_time() - t0, 2)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", action="store_true", help="also score trafilatura's own metadata")
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--dev", action="store_true", help="also score ../shared/benchmarks/metadata-dev (114 pages)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "metadata.json")
    args = ap.parse_args(argv)
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    systems = [("newsmill", newsmill)] + ([("trafilatura 2.3.1 metadata", trafilatura_meta)] if args.baseline else [])
    results = {}
    for name, fn in systems:
        if args.show_errors:
            print(f"{name} errors:")
        results[name] = evaluate(fn, labels, truth, args.show_errors)
    print(f"\n{'system':<28} {'pages':>5} {'title':>6} {'authors':>8} {'no junk':>8} {'date':>6} {'date±1d':>8}")
    for name, r in results.items():
        print(f"{name:<28} {r['pages']:>5} {r['title']:>6.3f} {r['authors']:>8.3f} {r['authors_no_junk']:>8.3f} "
              f"{r['published']:>6.3f} {r['published_1day']:>8.3f}")
    dev = None
    if args.dev and DEV.exists():
        if args.show_errors:
            print("\nmetadata-dev errors:")
        dev = evaluate_dev(args.show_errors)
        print(f"\nmetadata-dev (newsmill): title {dev['title']:.3f} ({dev['title_n']})  authors {dev['authors']:.3f} "
              f"({dev['authors_n']})  published {dev['published']:.3f} ({dev['published_n']})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"labels": str(LABELS.relative_to(ROOT)), "results": results,
                                    **({"metadata_dev": dev} if dev else {})}, indent=2) + "\n")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
