"""Scale-out on real Prefect machinery: a process work pool, two `prefect worker` processes.

    /work/venv-dev/bin/python bench/scaleout_workpool.py --n 200

Starts a Prefect server, registers the scaleout deployments on a process work pool, starts two
`prefect worker start` processes, runs one `scaleout-worker` deployment run per shard (the two
workers pick them up in parallel), then the `scaleout-load` deployment, and compares the
warehouse with a single-process `run_ingest` of the same URLs (same corpus and server as
bench/pipeline.py). Prints timings and writes bench/results/scaleout-workpool-<N>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pipeline as P  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def rows(db: str, sql: str):
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="newsmill-scaleout-"))
    site = P.Site(tmp)
    server, env = P.start_prefect_server(tmp)
    workers = []
    out: dict = {"n": args.n, "workers": args.workers}
    try:
        pages = P.load_pages()
        urls = P.urls_for(site.base, [p for p, _ in pages], args.n)
        cfg_path = tmp / "bench.toml"
        cfg_path.write_text("[fetch]\nper_host_interval = 0\nper_host_concurrency = 8\nconcurrency = 8\n"
                            "respect_robots = false\n[extract]\nprocesses = 1\n")
        (tmp / "urls.txt").write_text("\n".join(urls) + "\n")
        py = sys.executable
        t0 = time.perf_counter()
        subprocess.run([py, "-m", "newsmill.flows.scaleout", "deploy", "--pool", "newsmill-bench"], env=env,
                       check=True, capture_output=True)
        out["deploy_s"] = time.perf_counter() - t0
        prefect = str(Path(py).parent / "prefect")
        for i in range(args.workers):
            workers.append(subprocess.Popen([prefect, "worker", "start", "--pool", "newsmill-bench", "--name", f"w{i}",
                                             "--limit", "1"], env=env, stdout=open(tmp / f"worker{i}.log", "w"),
                                            stderr=subprocess.STDOUT, start_new_session=True))
        staging = str(tmp / "staging")
        script = f"""
import json, sys
from prefect.deployments import run_deployment
from concurrent.futures import ThreadPoolExecutor
urls = open({str(tmp / 'urls.txt')!r}).read().split()
def one(i):
    fr = run_deployment("scaleout-worker/newsmill", parameters=dict(urls=urls, staging_dir={staging!r},
        shard_index=i, shard_count={args.workers}, shard_by="url", config_path={str(cfg_path)!r}), timeout=1800)
    return fr.state.type.value
with ThreadPoolExecutor({args.workers}) as ex:
    states = list(ex.map(one, range({args.workers})))
fr = run_deployment("scaleout-load/newsmill", parameters=dict(staging_dir={staging!r}, db={str(tmp / 'scaled.duckdb')!r},
                    config_path={str(cfg_path)!r}), timeout=1800)
print(json.dumps({{"workers": states, "load": fr.state.type.value}}))
"""
        t0 = time.perf_counter()
        r = subprocess.run([py, "-c", script], env=env, check=True, capture_output=True, text=True)
        out["workpool_s"] = time.perf_counter() - t0
        out["states"] = json.loads(r.stdout.strip().splitlines()[-1])
        if set(out["states"]["workers"]) != {"COMPLETED"} or out["states"]["load"] != "COMPLETED":
            for i in range(args.workers):
                print((tmp / f"worker{i}.log").read_text()[-3000:], file=sys.stderr)
            raise SystemExit(f"deployment runs did not complete: {out['states']}")
        # single process, same config except the process pool (one process per worker above)
        cfg_single = tmp / "single.toml"
        cfg_single.write_text(cfg_path.read_text().replace("processes = 1", "processes = 2"))
        t0 = time.perf_counter()
        P.run_measured([py, "-c", P._NO_PREFECT, str(tmp / "urls.txt"), str(tmp / "single.duckdb"), str(cfg_single)], env=env)
        out["single_process_s"] = time.perf_counter() - t0
        q = "SELECT article_id, content_hash FROM articles ORDER BY 1"
        a, b = rows(str(tmp / "single.duckdb"), q), rows(str(tmp / "scaled.duckdb"), q)
        out["articles"] = [len(a), len(b)]
        out["identical_articles"] = a == b
        runs = rows(str(tmp / "scaled.duckdb"), "SELECT count(*) FROM runs WHERE flow = 'scaleout-worker'")[0][0]
        out["worker_runs_recorded"] = runs
        print(json.dumps(out, indent=1))
        (P.RESULTS / f"scaleout-workpool-{args.n}.json").write_text(json.dumps(out, indent=1) + "\n")
    finally:
        for w in workers:
            os.killpg(w.pid, signal.SIGTERM)
        for w in workers:
            w.wait(30)
        site.stop()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if out.get("identical_articles") else 1


if __name__ == "__main__":
    sys.exit(main())
