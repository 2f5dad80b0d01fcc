"""A/B of the one-shot politeness-off line on a shared machine: CPU-seconds per process.

    .venv/bin/python bench/oneshot_ab.py --runs 3 A: B:NEWSMILL_SOMETHING=0
    .venv/bin/python bench/oneshot_ab.py --runs 3 main=/work/main/.venv/bin/python: perf:

Each variant is ``label[=python]:[ENV=value,...]``: a `newsmill ingest --urls-file` of the 181
pages (each from its own loopback host, politeness off, a fresh process with Prefect's temporary
server, as `bench/pipeline.py`'s second line) run with that interpreter and those environment
variables. Variants alternate (A B A B ...) so that the machine's load falls on both alike. Per
run: wall and flow seconds, the command's time split, CPU-seconds of each kind of process, peak
RSS (sum over the tree) and the command's peak PSS, and what the machine did meanwhile (other
processes' CPU-seconds, steal, load). Then the median of each variant. Wall seconds on a shared
machine are noise; compare CPU-seconds. Results go to bench/results/oneshot-ab.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pipeline as P  # noqa: E402


def parse_variant(text: str) -> tuple[str, str | None, dict]:
    head, _, envs = text.partition(":")
    label, _, python = head.partition("=")
    env = dict(kv.split("=", 1) for kv in envs.split(",") if kv)
    return label, python or None, env


def run_once(urls: Path, tmp: Path, python: str | None, env: dict, k: int) -> dict:
    db = tmp / f"ab-{k}.duckdb"
    r = P.ingest_cli(urls, db, None, {**P.one_shot_env(tmp, False), **env}, python=python)
    r.update(P.stage_seconds(db))
    for suffix in ("", ".wal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return r


def line(label: str, r: dict) -> str:
    roles = r.get("cpu_s_by_role_sampled") or {}
    split = r.get("time_split") or {}
    outside = r["seconds"] - split.get("batches", 0.0)
    return (f"{label:8} wall {r['seconds']:5.1f} s (batches {split.get('batches', 0):4.1f}, outside them {outside:4.1f}: "
            f"Prefect start {split.get('Prefect start', 0):4.1f}, after {split.get('after the run', 0):4.1f}) | "
            f"CPU {r['cpu_s']:5.1f} s: workers {roles.get('workers', 0):5.1f} command {roles.get('command', 0):5.1f} "
            f"server {roles.get('prefect_server', 0):4.1f} | RSS {r['peak_rss_mb']:5d} MB, command PSS at peak "
            f"{(r.get('pss_mb_at_peak_by_role') or {}).get('command', 0):4d} MB | machine: others "
            f"{r.get('others_cpu_s', 0):5.1f} s, steal {r.get('steal_s', 0):4.1f} s, load {r.get('loadavg_1m')} | "
            f"{r['articles']} art {r['mentions']} ment {r['quotes']} quotes")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("variants", nargs="+", help="label[=python]:[ENV=value,...]")
    ap.add_argument("--runs", type=int, default=2, help="runs of each variant")
    ap.add_argument("--n", type=int, default=None, help="articles (default: the 181 pages once)")
    args = ap.parse_args(argv)
    variants = [parse_variant(v) for v in args.variants]
    pages = P.load_pages()
    ids = [pid for pid, _ in pages]
    n = args.n or len(ids)
    tmp = Path(tempfile.mkdtemp(prefix="newsmill-ab-"))
    site = P.Site(tmp, hosts=len(ids))
    results: dict[str, list[dict]] = {label: [] for label, _, _ in variants}
    try:
        urls = tmp / "urls.txt"
        urls.write_text("".join(f"http://{P.host_address(i % len(ids))}:{site.port}/a/{i // len(ids)}/{ids[i % len(ids)]}.html\n"
                                for i in range(n)))
        one = tmp / "one.txt"
        one.write_text(urls.read_text().splitlines()[0] + "\n")
        for label, python, env in variants:  # not timed: a fresh Prefect home creates its database
            P.ingest_cli(one, tmp / f"warm-{label}.duckdb", None, {**P.one_shot_env(tmp, False), **env}, python=python)
        k = 0
        for i in range(args.runs):
            for label, python, env in variants:
                r = run_once(urls, tmp, python, env, k)
                k += 1
                results[label].append(r)
                print(line(label, r), flush=True)
    finally:
        site.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("\nmedians (CPU-seconds; wall is noise on a shared machine):")
    for label, rs in results.items():
        def med(f):
            return statistics.median(f(r) for r in rs)
        roles = lambda r, k: (r.get("cpu_s_by_role_sampled") or {}).get(k, 0.0)  # noqa: E731
        print(f"{label:8} CPU {med(lambda r: r['cpu_s']):5.1f} s (workers {med(lambda r: roles(r, 'workers')):5.1f}, "
              f"command {med(lambda r: roles(r, 'command')):5.1f}, server {med(lambda r: roles(r, 'prefect_server')):4.1f}); "
              f"wall {med(lambda r: r['seconds']):5.1f} s, outside the batches "
              f"{med(lambda r: r['seconds'] - (r.get('time_split') or {}).get('batches', 0.0)):4.1f} s; "
              f"peak RSS {med(lambda r: r['peak_rss_mb']):6.0f} MB; others' CPU {med(lambda r: r.get('others_cpu_s', 0)):5.1f} s")
    P.RESULTS.mkdir(parents=True, exist_ok=True)
    (P.RESULTS / "oneshot-ab.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
