"""Worker CPU per article: what one pool worker spends on a page (extraction + enrichment).

    .venv/bin/python bench/worker.py                 # the 181 distinct pages, 3 passes
    .venv/bin/python bench/worker.py --copies 1000   # plus N copies (bench/pipeline.py's variants)
    .venv/bin/python bench/worker.py --profile out.prof
    .venv/bin/python bench/worker.py --pool 2 --copies 1000   # through newsmill's worker pool
    .venv/bin/python bench/worker.py --warehouse      # the warehouse's paragraph cache, cold and warm

Runs ``newsmill.tasks.cpu.process_pages`` (the function a worker runs on each chunk) in this one
process, in chunks of ``cpu.CHUNK`` pages, after the same warm-up a worker does (model load is
reported apart). Reports CPU seconds of this process (``time.process_time``: other engineers'
load does not inflate it much), ms per article, and a sha256 of every result's enrichment JSON,
so that a change that must not alter output can be checked by comparing hashes. The process's
paragraph-analysis cache (tasks/analyses.py) is emptied before each pass and before the copies, as
in a fresh worker: the 181 distinct pages are measured cold, the N copies as one worker would see
them if it got all of them (with two workers each sees about half, so fewer repeats).

``--pool K`` runs the pages through ``cpu.CpuPool`` with K worker processes instead (chunks as the
ingest flow hands them over) and reports the CPU of every process under this one (the workers,
a fork server if the pool uses one, sampled from /proc: start-up and model load included, each
worker with its own cache). A fresh pool for the 181 pages, another for the copies.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import hashlib
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
if os.environ.get("NEWSMILL_BENCH_PACKAGE"):
    # measure another state of the code (say main's, for a before/after) with this venv: a folder
    # holding a ``newsmill`` package laid out as installed (tasks/ as newsmill/tasks ...). Here at
    # the top, so that spawned pool workers (which import this script first) take it too.
    sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, os.environ["NEWSMILL_BENCH_PACKAGE"])
from pipeline import load_pages, proc_table, urls_for, variant  # noqa: E402


def fetched(url: str, body: bytes):
    from newsmill.records import FetchedPage

    return FetchedPage(url=url, final_url=url, status_code=200, content_type="text/html; charset=utf-8",
                       body=body, encoding="utf-8", fetched_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
                       elapsed_ms=1)


def pages_for(n: int) -> list:
    pages = load_pages()
    ids = [pid for pid, _ in pages]
    bodies = dict(pages)
    out = []
    for k, url in enumerate(urls_for("http://bench.local", ids, n)):
        copy = k // len(ids)
        out.append(fetched(url, variant(bodies[ids[k % len(ids)]], copy, url)))
    return out


def digest(results) -> str:
    h = hashlib.sha256()
    for r in results:
        e = r.enrichment
        h.update(json.dumps(dataclasses.asdict(e) if e is not None else None, sort_keys=True,
                            default=str).encode())
    return h.hexdigest()


def fresh_cache() -> None:
    try:
        from newsmill.tasks import analyses
    except ImportError:  # before the cache existed
        return
    analyses.process_cache().clear()


def run(pages, chunk: int, extract_opts, enrich_opts) -> tuple[float, float, list]:
    from newsmill.tasks.cpu import process_pages

    fresh_cache()

    out = []
    c0, t0 = time.process_time(), time.perf_counter()
    for i in range(0, len(pages), chunk):
        out.extend(process_pages(pages[i:i + chunk], extract_opts, enrich_opts))
    return time.process_time() - c0, time.perf_counter() - t0, out


def _descendants_cpu(root: int) -> dict[int, float]:
    """CPU seconds so far of every live process under ``root`` (from /proc; the pool's workers
    may be children of a fork server, which RUSAGE_CHILDREN does not count)."""
    table = proc_table()
    parent = {pid: ppid for pid, (ppid, _, _) in table.items()}
    cpu = {pid: c for pid, (_, c, _) in table.items()}
    out = {}
    for pid in cpu:
        p, seen = pid, 0
        while p in parent and p != root and seen < 64:
            p, seen = parent[p], seen + 1
        if p == root and pid != root:
            out[pid] = cpu[pid]
    return out


def pooled(pages, k: int, extract_opts, enrich_opts) -> tuple[float, float, list]:
    import threading

    from newsmill.tasks.cpu import CpuPool, collect

    seen: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while True:
            for pid, c in _descendants_cpu(os.getpid()).items():
                seen[pid] = max(seen.get(pid, 0.0), c)
            if stop.wait(0.25):
                return

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    with CpuPool(k, extract_opts, enrich_opts) as pool:
        out = collect(pool.stream(iter(pages)))
        time.sleep(0.6)  # a last sample of the workers before they exit
    wall = time.perf_counter() - t0
    stop.set()
    watcher.join()
    return sum(seen.values()), wall, out


def main_pool(ns) -> int:
    from newsmill.config import EnrichOptions, ExtractOptions

    extract_opts = ExtractOptions()
    enrich_opts = dataclasses.replace(EnrichOptions(), enabled=not ns.no_enrich)
    res: dict = {"pool": ns.pool, "loadavg_1m_start": os.getloadavg()[0]}
    for n in [len(load_pages())] + ([ns.copies] if ns.copies else []):
        pages = pages_for(n)
        c, w, out = pooled(pages, ns.pool, extract_opts, enrich_opts)
        print(f"pool of {ns.pool}, {n} pages: workers {c:.1f} CPU s ({1000 * c / n:.1f} ms/page, model loads "
              f"included), wall {w:.1f} s, load {os.getloadavg()[0]:.1f}, sha {digest(out)[:16]}", flush=True)
        res[f"pool_{n}"] = {"workers_cpu_s": round(c, 2), "ms_per_page": round(1000 * c / n, 1),
                            "wall_s": round(w, 1), "sha256": digest(out)}
    res["loadavg_1m_end"] = os.getloadavg()[0]
    if ns.json:
        Path(ns.json).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res))
    return 0


def main_warehouse(ns) -> int:
    """The warehouse's paragraph cache, in this one process: the 181 pages cold as today, cold
    recording their analyses for the warehouse, then their copies (another marker line each,
    as a wire story on another site) warm from a snapshot of those analyses, and cold again to
    check that warm and cold give the same enrichment."""
    import tempfile

    from newsmill.config import EnrichOptions, ExtractOptions
    from newsmill.tasks import analyses, cpu

    extract_opts = ExtractOptions()
    plain = dataclasses.replace(EnrichOptions(), processes=1)
    cpu._init_worker(plain)
    n0 = len(load_pages())
    pages, copies = pages_for(n0), pages_for(2 * n0)[n0:]
    tmp = Path(tempfile.mkdtemp(prefix="newsmill-bench-paragraphs-"))
    empty = tmp / "empty"
    analyses.write_snapshot(str(empty), [])
    res: dict = {"pages": n0, "loadavg_1m_start": os.getloadavg()[0]}

    def line(label: str, c: float, w: float, out, extra: str = "") -> dict:
        print(f"{label}: {c:.2f} CPU s ({1000 * c / len(out):.1f} ms/page), wall {w:.1f} s, "
              f"load {os.getloadavg()[0]:.1f}, sha {digest(out)[:16]}{extra}", flush=True)
        return {"cpu_s": round(c, 2), "ms_per_page": round(1000 * c / len(out), 1), "sha256": digest(out)}

    c, w, out = run(pages, cpu.CHUNK, extract_opts, plain)
    res["cold"] = line(f"{n0} pages cold (no warehouse)", c, w, out)
    c, w, out = run(pages, cpu.CHUNK, extract_opts, dataclasses.replace(plain, paragraph_store=str(empty)))
    made = [p for r in out for p in r.paragraphs if p.analysis is not None]
    docs = sum(r.document is not None for r in out)
    blob = sum(len(p.analysis) for p in made)
    res["cold_recording"] = line(f"{n0} pages cold, recording for the warehouse", c, w, out,
                                 f"; {len(made)} paragraphs, {blob / len(made):.0f} bytes each, "
                                 f"{blob / docs / 1000:.1f} kB per article")
    res["cold_recording"].update(paragraphs=len(made), analysis_bytes=blob, documents=docs)
    snap = tmp / "snapshot"
    c0 = time.process_time()
    analyses.write_snapshot(str(snap), [[(p.version, p.paragraph_hash, p.analysis) for p in made]])
    res["snapshot"] = {"rows": len(made), "bytes": snap.stat().st_size, "write_cpu_s": round(time.process_time() - c0, 3)}
    warm_opts = dataclasses.replace(plain, paragraph_store=str(snap))
    c, w, out = run(copies, cpu.CHUNK, extract_opts, warm_opts)
    parsed = sum(p.analysis is not None for r in out for p in r.paragraphs)
    reused = sum(p.uses for r in out for p in r.paragraphs)
    res["warm"] = line(f"{n0} copies warm from the snapshot", c, w, out, f"; parsed {parsed}, reused {reused}")
    res["warm"].update(parsed=parsed, reused=reused)
    c, w, out = run(copies, cpu.CHUNK, extract_opts, plain)
    res["copies_cold"] = line(f"{n0} copies cold (no warehouse)", c, w, out)
    assert res["copies_cold"]["sha256"] == res["warm"]["sha256"], "warm and cold enrichment differ"
    res["loadavg_1m_end"] = os.getloadavg()[0]
    if ns.json:
        Path(ns.json).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=0, help="also run N copies (0: skip)")
    ap.add_argument("--passes", type=int, default=3, help="passes over the 181 pages (min CPU reported)")
    ap.add_argument("--profile", default=None, help="write a cProfile of one 181-page pass here")
    ap.add_argument("--no-enrich", action="store_true")
    ap.add_argument("--json", default=None, help="write the figures here")
    ap.add_argument("--pool", type=int, default=0, help="through a worker pool of this many processes")
    ap.add_argument("--warehouse", action="store_true",
                    help="the warehouse's paragraph cache: cold, cold recording, warm copies from a snapshot")
    ns = ap.parse_args(argv)
    if ns.warehouse:
        return main_warehouse(ns)
    if ns.pool:
        return main_pool(ns)

    from newsmill.config import EnrichOptions, ExtractOptions
    from newsmill.tasks import cpu

    extract_opts = ExtractOptions()
    enrich_opts = dataclasses.replace(EnrichOptions(), processes=1, enabled=not ns.no_enrich)
    c0 = time.process_time()
    cpu._init_worker(enrich_opts)
    load_cpu = time.process_time() - c0
    pages = pages_for(len(load_pages()))
    res: dict = {"load_cpu_s": round(load_cpu, 2), "loadavg_1m_start": os.getloadavg()[0], "chunk": cpu.CHUNK}
    passes = []
    for p in range(ns.passes):
        prof = cProfile.Profile() if ns.profile and p == 0 else None
        if prof:
            prof.enable()
        c, w, out = run(pages, cpu.CHUNK, extract_opts, enrich_opts)
        if prof:
            prof.disable()
            prof.dump_stats(ns.profile)
        passes.append(c)
        docs = sum(r.document is not None for r in out)
        print(f"181 pages pass {p + 1}: {c:.2f} CPU s ({1000 * c / len(pages):.1f} ms/page, "
              f"{docs} documents), wall {w:.1f} s, load {os.getloadavg()[0]:.1f}, sha {digest(out)[:16]}",
              flush=True)
    res.update({"pages": len(pages), "cpu_s_passes": [round(c, 2) for c in passes],
                "cpu_ms_per_page_min": round(1000 * min(passes) / len(pages), 1), "sha256": digest(out)})
    if ns.copies:
        many = pages_for(ns.copies)
        c, w, out = run(many, cpu.CHUNK, extract_opts, enrich_opts)
        print(f"{ns.copies} copies: {c:.1f} CPU s ({1000 * c / len(many):.1f} ms/page), wall {w:.1f} s, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
        res.update({"copies": ns.copies, "copies_cpu_s": round(c, 2),
                    "copies_cpu_ms_per_page": round(1000 * c / len(many), 1)})
    res["loadavg_1m_end"] = os.getloadavg()[0]
    if ns.json:
        Path(ns.json).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
