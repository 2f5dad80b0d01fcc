"""Issue 12's hand check: every quote of five news articles, read by a person (docs/benchmarks.md).

    python -m bench.handcheck --keep PATH [--sheet FILE]     # ingest the 181 pages, write the sheet
    python -m bench.handcheck --db PATH [--sheet FILE]       # the sheet from a warehouse you have
    python -m bench.handcheck --tally FILE                   # count a sheet you have labelled

Serves the 181 pages of ../shared/benchmarks/article-extraction on 127.0.0.1 with politeness off and
ingests them into one warehouse with ``newsmill ingest`` (as bench/entities_warehouse.py does),
then writes a worksheet (TSV) with every quote the warehouse holds for the five articles below:
the quote, its speaker as written and resolved, its confidence, whether ``quotes_citable`` holds
it, and the text around it. A person fills the ``verdict`` column with one of

    right | wrong_speaker | no_speaker | not_quote | wrong_span

(``right``: a quote, with its words and its speaker right, or no speaker where the article names
none; ``no_speaker``: the article names the speaker, the quote has none or only an unresolved
pronoun; ``wrong_span``: the right speaker, but the words run over the quote or stop short of it)
and ``--tally`` counts them, overall and for the citable rows. The same five articles have been
read since the issue was filed, so the counts compare across stops.
"""

from __future__ import annotations

import argparse
import collections
import csv
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.entities_warehouse import ingest  # noqa: E402

# page id prefix (the file name in ../shared/benchmarks/article-extraction/html) -> article
ARTICLES = {
    "702d1da63b8e": "NYT, trade war (nytimes.com/2019/11/18/business/trump-trade-war-china)",
    "eb62ac8425e5": "Fox News, Scooter Braun (foxnews.com/entertainment/scooter-braun-frustrated-...)",
    "7de5241947a5": "Detroit News, Indiana teachers (detroitnews.com/.../thousands-teachers-pack-indiana-statehouse-protest)",
    "a1fca19b884e": "New York Post, Taliban hostages (nypost.com/2019/11/19/three-taliban-prisoners-flown-to-qatar-...)",
    "098bb3e96c0a": "LA Times, Disney+ (latimes.com/.../2019-11-19/disney-plus-kevin-mayer)",
}
VERDICTS = ("right", "wrong_speaker", "no_speaker", "not_quote", "wrong_span")
COLUMNS = ("article", "kind", "quote", "speaker_as_written", "speaker_name", "confidence", "citable",
           "before", "after", "verdict", "note")

QUOTES = """
SELECT a.url, q.kind, q.text, q.speaker, q.speaker_name, q.confidence,
       q.quote_id IN (SELECT quote_id FROM quotes_citable) AS citable,
       substr(a.text, greatest(q.start_char - 160, 0) + 1, least(q.start_char, 160)) AS before,
       substr(a.text, q.end_char + 1, 100) AS after
FROM quotes q JOIN articles a USING (article_id)
WHERE a.url LIKE '%/' || ? || '%'
ORDER BY q.start_char
"""


def sheet(db: Path, out: Path) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    rows = []
    try:
        for pid, label in ARTICLES.items():
            got = con.execute(QUOTES, [pid]).fetchall()
            if not got:
                raise SystemExit(f"no quotes for {label} ({pid}): is this the 181-page warehouse?")
            for _url, kind, text, sp, name, conf, cit, before, after in got:
                one = lambda s: " ".join((s or "").split())  # noqa: E731
                rows.append((label.split(" (")[0], kind, one(text), sp or "", name or "",
                             f"{conf:.3f}" if conf is not None else "", "yes" if cit else "",
                             one(before), one(after), "", ""))
    finally:
        con.close()
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter="\t")
        w.writerow(COLUMNS)
        w.writerows(rows)
    print(f"{len(rows)} quotes of {len(ARTICLES)} articles -> {out} (fill the verdict column, then --tally)")
    return 0


def tally(path: Path) -> int:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    bad = [r for r in rows if r["verdict"] not in VERDICTS]
    if bad:
        raise SystemExit(f"{len(bad)} rows without a verdict of {VERDICTS}: first {bad[0]['quote'][:60]!r}")
    for title, sel in (("all", rows), ("quotes_citable", [r for r in rows if r["citable"] == "yes"])):
        c = collections.Counter(r["verdict"] for r in sel)
        print(f"{title:<15}" + "  ".join(f"{v} {c[v]}" for v in VERDICTS) + f"  of {len(sel)}")
    for art in dict.fromkeys(r["article"] for r in rows):
        c = collections.Counter(r["verdict"] for r in rows if r["article"] == art)
        print(f"  {art:<35}" + "  ".join(f"{v} {c[v]}" for v in VERDICTS))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, help="write the sheet from this warehouse")
    ap.add_argument("--keep", type=Path, metavar="PATH", help="ingest the 181 pages into PATH (a new file) first")
    ap.add_argument("--sheet", type=Path, default=Path("handcheck.tsv"))
    ap.add_argument("--tally", type=Path, metavar="FILE", help="count the verdicts of a labelled sheet")
    args = ap.parse_args(argv)
    if args.tally:
        return tally(args.tally)
    if args.keep:
        with tempfile.TemporaryDirectory() as d:
            summary = ingest(args.keep, Path(d))
        print({k: summary.get(k) for k in ("status", "loaded", "failed")})
        return sheet(args.keep, args.sheet)
    if args.db:
        return sheet(args.db, args.sheet)
    ap.error("give --keep PATH, --db PATH or --tally FILE")
    return 2


if __name__ == "__main__":
    sys.exit(main())
