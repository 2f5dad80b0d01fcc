"""End-to-end throughput benchmark: newsmill vs its stage floors vs newspaper4k.

    .venv/bin/python bench/pipeline.py                    # the one-shot table: 181 pages and N = 1000
    .venv/bin/python bench/pipeline.py --detail --n 200   # per-stage lines against a Prefect server

The one-shot table (the default) is what a user running `newsmill ingest --urls-file` from cron
or by hand gets: each line a fresh process (Prefect's temporary server included), the 181 pages
each served from its own loopback address (127.0.0.2, ...), robots.txt answered: newsmill with
its polite defaults, the same with politeness off, trafilatura + spaCy in one process (the
floor, model load included), newspaper4k sequential; then N distinct copies, with peak RSS and
CPU per article. newspaper4k runs from its own venv (bench/requirements-peer.txt; set
NEWSMILL_PEER_PYTHON). Results go to bench/results/pipeline-one-shot.json.

--detail:

Serves the 181 pages of ../shared/benchmarks/article-extraction from a local HTTP server on
127.0.0.1 (a separate process), repeated to N distinct articles (each copy has its own URL,
canonical link and a small text marker, so ids and content hashes differ), with ETag /
Last-Modified and If-None-Match / If-Modified-Since answered by 304 as news sites do. Then, in one
run, side by side:

  1. trafilatura alone on the same HTML, in-process (the floor for cleaning);
  2. spaCy alone (nlp.pipe, the same model) on the extracted texts (the floor for enrichment);
  3. `newsmill ingest` end to end as a subprocess (fetch -> clean -> enrich -> load) against a
     Prefect server, and the same run_ingest outside a flow, its stages on plain threads instead
     of Prefect task runs (Prefect's overhead);
     a second run over the same URLs (304s), and one with the server ignoring validators;
  4. newspaper4k downloading and parsing the same URLs (its own venv, threads).

Floors are measured on one pass over the 181 distinct pages and scaled to N (copies differ by a
marker only). Peak RSS is the newsmill process tree's, sampled from /proc. Prints a table and
writes bench/results/pipeline-<N>.json.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "benchmarks" / "article-extraction" / "html").resolve()
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/benchmarks/article-extraction/html")
RESULTS = ROOT / "bench" / "results"
LAST_CPU: dict = {}
PEER_PYTHON = os.environ.get("NEWSMILL_PEER_PYTHON", "/work/venv-peer/bin/python")
LAST_MODIFIED = email.utils.formatdate(1735689600, usegmt=True)  # 2025-01-01


# ---------------------------------------------------------------------------------------------
# the site


def load_pages() -> list[tuple[str, bytes]]:
    return [(p.name.split(".")[0], gzip.decompress(p.read_bytes())) for p in sorted(CORPUS.glob("*.html.gz"))]


_CANONICAL = re.compile(rb"<link[^>]+rel\s*=\s*[\"']?canonical[\"']?[^>]*>", re.I)
_OG_URL = re.compile(rb"<meta[^>]+(?:property|name)\s*=\s*[\"']og:url[\"'][^>]*>", re.I)
_HEAD = re.compile(rb"<head[^>]*>", re.I)
_TITLE = re.compile(rb"(<title[^>]*>)", re.I)
_P_END = re.compile(rb"</p>", re.I)


def variant(html: bytes, copy: int, url: str) -> bytes:
    """Copy ``copy`` of a page: its own canonical URL, a marker in the title and first paragraph."""
    html = _OG_URL.sub(b"", _CANONICAL.sub(b"", html))
    link = b'<link rel="canonical" href="' + url.encode() + b'">'
    m = _HEAD.search(html)
    html = html[:m.end()] + link + html[m.end():] if m else link + html
    if copy:
        marker = f" (edition {copy})".encode()
        html = _TITLE.sub(lambda m: m.group(1) + marker.strip() + b" ", html, count=1)
        html = _P_END.sub(marker + b"</p>", html, count=1)
    return html


def urls_for(base: str, ids: list[str], n: int) -> list[str]:
    return [f"{base}/a/{i // len(ids)}/{ids[i % len(ids)]}.html" for i in range(n)]


def serve(port_file: str, hosts: int = 0) -> None:
    pages = dict(load_pages())
    state = {"validators": True, "requests": 0, "not_modified": 0}
    lock = threading.Lock()

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):  # quiet
            pass

        def do_GET(self):
            if self.path.startswith("/_control"):
                if "validators=0" in self.path:
                    state["validators"] = False
                elif "validators=1" in self.path:
                    state["validators"] = True
                body = json.dumps(state).encode()
                return self._send(200, body, {"Content-Type": "application/json"})
            if self.path == "/robots.txt":  # what most news sites send: everything allowed
                return self._send(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
            m = re.match(r"^/a/(\d+)/([0-9a-f]+)\.html$", self.path)
            if not m or m.group(2) not in pages:
                return self._send(404, b"not found", {"Content-Type": "text/plain"})
            copy, pid = int(m.group(1)), m.group(2)
            with lock:
                state["requests"] += 1
            etag = f'"{pid[:16]}-{copy}"'
            headers = {"Content-Type": "text/html; charset=utf-8"}
            if state["validators"]:
                headers.update({"ETag": etag, "Last-Modified": LAST_MODIFIED})
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if (inm and etag in [t.strip() for t in inm.split(",")]) or (not inm and ims == LAST_MODIFIED):
                    with lock:
                        state["not_modified"] += 1
                    return self._send(304, b"", headers)
            url = f"http://{self.headers.get('Host')}{self.path}"
            body = variant(pages[pid], copy, url)
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                body = gzip.compress(body, 1)
                headers["Content-Encoding"] = "gzip"
            self._send(200, body, headers)

        def _send(self, status, body, headers):
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
                super().handle_error(request, client_address)

    httpd = Server(("127.0.0.1", 0), H)
    httpd.daemon_threads = True
    port = httpd.server_address[1]
    # the same site on 127.0.0.2, 127.0.0.3, ...: each page on its own host, as in a real
    # one-shot ingest of links to many sites (per-host politeness applies per address)
    extra = []
    for k in range(hosts):
        h = Server((host_address(k), port), H)
        h.daemon_threads = True
        extra.append(h)
        threading.Thread(target=h.serve_forever, daemon=True).start()
    Path(port_file).write_text(str(port))
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


def host_address(k: int) -> str:
    """The loopback address of host ``k`` of :func:`serve`'s extra hosts."""
    return f"127.0.0.{2 + k % 250}" if k < 250 else f"127.0.{1 + k // 250}.{2 + k % 250}"


class Site:
    def __init__(self, tmp: Path, hosts: int = 0):
        port_file = tmp / f"port-{hosts}"
        self.proc = subprocess.Popen([sys.executable, __file__, "serve", "--port-file", str(port_file),
                                      "--hosts", str(hosts)])
        deadline = time.monotonic() + 120  # reading the pages and binding 181 addresses, on a busy machine
        while not (port_file.exists() and port_file.read_text()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("the benchmark site did not start")
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        self.base = f"http://127.0.0.1:{self.port}"

    def control(self, query: str) -> dict:
        with urllib.request.urlopen(f"{self.base}/_control?{query}") as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


# ---------------------------------------------------------------------------------------------
# measuring a process tree


def proc_table() -> dict[int, tuple[int, float, int]]:
    """pid -> (parent pid, CPU seconds so far, resident KB now) of every live process, from /proc."""
    tick, page_kb = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE") // 1024
    table = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                # fields after "(comm)": state, ppid, ..., utime [11], stime [12], ..., rss pages [21]
                fields = f.read().rsplit(")", 1)[1].split()
            table[int(d)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, int(fields[21]) * page_kb)
        except (OSError, ValueError, IndexError):
            continue
    return table


def _children(table: dict[int, tuple[int, float, int]]) -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    return kids


def _tree_totals(root: int) -> tuple[float, int]:
    """(CPU seconds so far, resident KB now) of a process and all its descendants, from /proc."""
    table = proc_table()
    children = _children(table)
    own = {pid: (c, r) for pid, (_, c, r) in table.items()}
    cpu, rss, stack = 0.0, 0, [root]
    while stack:
        p = stack.pop()
        c, r = own.get(p, (0.0, 0))
        cpu, rss = cpu + c, rss + r
        stack.extend(children.get(p, []))
    return cpu, rss


def machine_cpu() -> dict[str, float]:
    """The whole machine's CPU seconds so far, from the first line of /proc/stat: ``busy`` (every
    state but idle and iowait, summed over the cores), ``steal`` (time the hypervisor gave this
    machine's virtual cores to someone else) and ``total``. Differences between two readings
    say whether a slow run met a busy machine (others' CPU, steal) or slow code."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return {}
    v += [0] * (10 - len(v))
    # user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user
    total = sum(v[:8])
    return {"busy": (total - v[3] - v[4]) / tick, "steal": v[7] / tick, "total": total / tick}


def machine_during(before: dict[str, float], after: dict[str, float], own_cpu_s: float) -> dict:
    """What the machine did while a measured command ran: its busy CPU-seconds (all cores), the
    share of them not the command's (other processes: noise), steal seconds, and the cores'
    busy fraction."""
    if not before or not after:
        return {}
    busy, steal = after["busy"] - before["busy"], after["steal"] - before["steal"]
    span = after["total"] - before["total"]
    return {"machine_busy_s": round(busy, 2), "others_cpu_s": round(max(0.0, busy - steal - own_cpu_s), 2),
            "steal_s": round(steal, 2), "busy_fraction": round(busy / span, 3) if span > 0 else None}


def _bench_cpu_s(pids: set[int]) -> float:
    """CPU seconds so far of this process and those of its children in ``pids`` (the children it
    had before the measured command: the benchmark's site)."""
    import resource

    me = os.getpid()
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + sum(c for pid, (ppid, c, _) in proc_table().items() if ppid == me and pid in pids)


def _tree_rss_kb(root: int) -> int:
    return _tree_totals(root)[1]


def _tree_detail(root: int) -> dict[int, tuple[str, float, int]]:
    """pid -> (role, CPU seconds so far, PSS KB now) for a process and its descendants. PSS
    (proportional set size) splits a page shared by k processes k ways: the memory the tree
    really holds, where RSS counts a shared page once per process (the workers share the model
    they were forked with)."""
    table = proc_table()
    kids = _children(table)
    cpu = {pid: c for pid, (_, c, _) in table.items()}
    out, stack = {}, [root]
    while stack:
        p = stack.pop()
        stack.extend(kids.get(p, []))
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{p}/smaps_rollup") as f:
                pss = next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
        except OSError:
            continue
        out[p] = (_role(cmd, p == root), cpu.get(p, 0.0), pss)
    return out


def _role(cmd: str, root: bool) -> str:
    if root:
        return "command"
    if "uvicorn" in cmd and "prefect" in cmd:
        return "prefect_server"
    if "newsmill.reaper" in cmd:
        return "watcher"
    if "resource_tracker" in cmd:
        return "resource_tracker"
    if "forkserver" in cmd or "spawn_main" in cmd:
        return "workers"  # the fork server (the workers' preload) and the workers
    return "other"


def _subreaper() -> None:
    """Orphans of a measured command (its watcher runs in its own session; a fork server may exit
    after it) are re-parented to this process instead of init, so that their CPU time is counted
    in RUSAGE_CHILDREN once they are reaped (see :func:`_reap_orphans`). Linux; a no-op elsewhere."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _reap_orphans(keep: set[int], timeout: float = 30.0) -> None:
    """Wait for this process's children other than ``keep`` (the measured command's orphans)."""
    me = os.getpid()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mine = []
        for d in os.listdir("/proc"):
            if d.isdigit() and int(d) not in keep:
                try:
                    with open(f"/proc/{d}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == me:
                            mine.append(int(d))
                except (OSError, ValueError, IndexError):
                    continue
        if not mine:
            return
        for pid in mine:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.1)


def run_measured(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> tuple[float, int, str, str]:
    """Run a command; return (seconds, peak RSS of its process tree in MB, stdout, stderr).

    CPU seconds of the tree (user+sys, the command and the children it waited for) go to
    LAST_CPU: unlike wall time, they do not depend on what else the shared machine is running.
    """
    global LAST_CPU
    import resource

    _subreaper()
    keep = {int(d) for d in os.listdir("/proc") if d.isdigit()}  # children from before (the site)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    bench_before = _bench_cpu_s(keep)
    machine_before = machine_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd, text=True)
    peak = 0
    peak_pss = 0
    pss_at_peak: dict[str, int] = {}
    cpu_by_role: dict[int, tuple[str, float]] = {}
    done = threading.Event()

    def sample():
        nonlocal peak, peak_pss, pss_at_peak
        k = 0
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            if k % 2 == 0:  # PSS costs the kernel more: twice a second
                detail = _tree_detail(proc.pid)
                total = sum(p for _, _, p in detail.values())
                if total > peak_pss:
                    peak_pss = total
                    pss_at_peak = {}
                    for role, _, p in detail.values():
                        pss_at_peak[role] = pss_at_peak.get(role, 0) + p // 1024
                for pid, (role, c, _) in detail.items():
                    cpu_by_role[pid] = (role, c)
            k += 1
            done.wait(0.25)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    t.join()
    machine_after = machine_cpu()
    bench_after = _bench_cpu_s(keep)
    _reap_orphans(keep)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    roles: dict[str, float] = {}
    for role, c in cpu_by_role.values():  # as last sampled (up to half a second short)
        roles[role] = round(roles.get(role, 0.0) + c, 2)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    LAST_CPU = {"cpu_s": cpu_s,
                "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                # the machine meanwhile, the command's own CPU taken out
                # (and this benchmark's: its sampler, the site serving the pages)
                **machine_during(machine_before, machine_after, cpu_s + bench_after - bench_before),
                "peak_pss_mb": peak_pss // 1024, "pss_mb_at_peak_by_role": pss_at_peak,
                "cpu_s_by_role_sampled": roles}
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} exited {proc.returncode}:\n{err[-3000:]}")
    return seconds, peak // 1024, out, err


# ---------------------------------------------------------------------------------------------
# the floors


def floors(pages: list[tuple[str, bytes]], model: str) -> dict:
    import spacy
    import trafilatura

    from newsmill.config import ExtractOptions
    from newsmill.tasks.extract import extract_document

    opts = ExtractOptions()
    htmls = [variant(h, 0, f"http://bench.local/a/0/{pid}.html").decode("utf-8", "replace") for pid, h in pages]
    t0, c0 = time.perf_counter(), time.process_time()
    texts = []
    for (pid, _), html in zip(pages, htmls):
        doc = trafilatura.bare_extraction(html, url=f"http://bench.local/a/0/{pid}.html", with_metadata=True,
                                          include_comments=False, include_tables=opts.include_tables,
                                          favor_precision=opts.favor_precision, favor_recall=opts.favor_recall)
        if doc is not None and doc.text and len(doc.text) >= opts.min_text_chars:
            texts.append(doc.text)
    traf, traf_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    for pid, html in zip([p for p, _ in pages], htmls):
        try:
            extract_document(html, f"http://bench.local/a/0/{pid}.html", opts)
        except Exception:  # noqa: BLE001 - extract_empty pages count as work done
            pass
    full_extract = time.perf_counter() - t0
    t0 = time.perf_counter()
    # exactly the pipeline newsmill's enrich stage runs: its loader (components it excludes, the
    # thinc ops it picks, its entity ruler) and its BLAS thread limit; then nlp.pipe and nothing else
    import contextlib

    try:
        from newsmill.tasks.enrich import load_model
        nlp = load_model(model)
    except ImportError:
        nlp = spacy.load(model)
    try:
        from newsmill.tasks.enrich import _one_blas_thread
        limit = _one_blas_thread
    except ImportError:
        limit = contextlib.nullcontext
    load_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    with limit():
        for _ in nlp.pipe(texts, batch_size=32):
            pass
    sp, sp_cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"pages": len(pages), "texts": len(texts), "trafilatura_s": traf, "newsmill_extract_s": full_extract,
            "spacy_s": sp, "trafilatura_cpu_s": traf_cpu, "spacy_cpu_s": sp_cpu, "loadavg_1m": os.getloadavg()[0], "spacy_load_s": load_s, "spacy_components": list(nlp.pipe_names),
            "chars": sum(len(t) for t in texts)}


# ---------------------------------------------------------------------------------------------
# newsmill runs

_NO_PREFECT = """
import json, logging, sys, uuid
from newsmill.config import load_config
from newsmill.flows.ingest import run_ingest
urls = [u.strip() for u in open(sys.argv[1]) if u.strip()]
cfg = load_config(sys.argv[3], overrides={"load": {"db_path": sys.argv[2]}})
s = run_ingest(urls, cfg, str(uuid.uuid4()), logging.getLogger("bench"))
print(json.dumps(s.to_json()))
"""


def start_prefect_server(tmp: Path) -> tuple[subprocess.Popen, dict]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PREFECT_HOME=str(tmp / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_LOGGING_LEVEL="WARNING", PREFECT_SERVER_LOGGING_LEVEL="ERROR")
    prefect = str(Path(sys.executable).parent / "prefect")
    proc = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(api + "/health", timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    else:
        raise RuntimeError("prefect server did not start")
    return proc, dict(env, PREFECT_API_URL=api)


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user+sys) used so far by a running process and its descendants."""
    return _tree_totals(root)[0]


SERVER_PID: int | None = None
E2E_ONLY = False


def db_size(path: Path) -> int:
    return path.stat().st_size + (path.with_suffix(".duckdb.wal").stat().st_size
                                  if path.with_suffix(".duckdb.wal").exists() else 0)


def ingest_cli(urls_file: Path, db: Path, config: Path | None, env: dict, enrich: bool = True,
               python: str | None = None) -> dict:
    cmd = [python or sys.executable, "-m", "newsmill.cli", "ingest", "--urls-file", str(urls_file), "--db", str(db),
           "--json"] + (["--config", str(config)] if config else []) + ([] if enrich else ["--no-enrich"])
    server_before = tree_cpu_s(SERVER_PID) if SERVER_PID else 0.0
    seconds, rss, out, _ = run_measured(cmd, env=env)
    LAST_CPU["prefect_server_cpu_s"] = (tree_cpu_s(SERVER_PID) - server_before) if SERVER_PID else None
    summary = json.loads(out.strip().splitlines()[-1])
    return {"seconds": seconds, "flow_seconds": summary["seconds"], "peak_rss_mb": rss, **LAST_CPU,
            "time_split": summary.get("time_split"),
            "summary": {k: summary.get(k) for k in ("status", "urls", "fetched", "loaded", "new", "updated",
                                                    "unchanged", "failed", "errors", "paragraphs")}}


def ingest_plain(urls_file: Path, db: Path, config: Path, env: dict) -> dict:
    seconds, rss, out, _ = run_measured([sys.executable, "-c", _NO_PREFECT, str(urls_file), str(db), str(config)], env=env)
    summary = json.loads(out.strip().splitlines()[-1])
    return {"seconds": seconds, "flow_seconds": summary["seconds"], "peak_rss_mb": rss, **LAST_CPU,
            "summary": {k: summary[k] for k in ("status", "new", "unchanged", "failed")}}


def stage_seconds(db: Path) -> dict:
    """Where the time of a run went, from the warehouse (fetch) and the run record."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT count(*), sum(elapsed_ms) / 1000.0 FROM fetches").fetchall()[0]
        arts, ents, quotes = con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM mentions), (SELECT count(*) FROM quotes)"
        ).fetchall()[0]
        hashes = con.execute("SELECT count(DISTINCT content_hash) FROM articles").fetchall()[0][0]
        size = con.execute("SELECT block_size, total_blocks, used_blocks, free_blocks FROM pragma_database_size()").fetchall()[0]
        raw = con.execute("SELECT sum(octet_length(html_gz)) FROM raw_pages").fetchall()[0][0]
        try:  # the warehouse's paragraph cache (absent before migration 014)
            paras = con.execute("SELECT count(*), sum(octet_length(analysis)) FROM paragraph_analyses").fetchall()[0]
        except duckdb.Error:
            paras = (None, None)
    finally:
        con.close()
    return {"fetches": rows[0], "fetch_thread_s": float(rows[1] or 0), "articles": arts,
            "distinct_content_hashes": hashes, "mentions": ents, "quotes": quotes,
            "db_used_bytes": size[0] * size[2], "db_free_blocks": size[3], "raw_html_gz_bytes": raw,
            "paragraph_rows": paras[0], "paragraph_analysis_bytes": paras[1]}


def peer(urls_file: Path, threads: int = 8) -> dict | None:
    if not Path(PEER_PYTHON).exists():
        print(f"no newspaper4k venv at {PEER_PYTHON} (see bench/requirements-peer.txt): peer lines skipped")
        return None
    seconds, rss, out, _ = run_measured([PEER_PYTHON, str(ROOT / "bench" / "peer_newspaper.py"), str(urls_file),
                                         "--threads", str(threads)])
    r = json.loads(out.strip().splitlines()[-1])
    r.update(wall_s=seconds, peak_rss_mb=rss, **LAST_CPU)
    return r


# ---------------------------------------------------------------------------------------------


def bench_one(n: int, tmp: Path, site: Site, pages, fl: dict, env: dict, do_peer: bool) -> dict:
    ids = [pid for pid, _ in pages]
    urls = urls_for(site.base, ids, n)
    urls_file = tmp / f"urls-{n}.txt"
    urls_file.write_text("\n".join(urls) + "\n")
    config = tmp / "bench.toml"
    config.write_text("[fetch]\nper_host_interval = 0\nper_host_concurrency = 8\nconcurrency = 8\n"
                      "respect_robots = false\n")
    scale = n / fl["pages"]
    floor_clean = fl["trafilatura_s"] * scale
    floor_enrich = fl["spacy_s"] * scale
    res: dict = {"n": n, "cores": os.cpu_count(),
                 "floors": {"trafilatura_s": floor_clean, "spacy_s": floor_enrich,
                            "trafilatura_cpu_s": fl["trafilatura_cpu_s"] * scale, "spacy_cpu_s": fl["spacy_cpu_s"] * scale,
                            "cpu_sum_s": (fl["trafilatura_cpu_s"] + fl["spacy_cpu_s"]) * scale,
                            "newsmill_extract_s": fl["newsmill_extract_s"] * scale,
                            "sum_s": floor_clean + floor_enrich}}
    site.control("validators=1")
    if E2E_ONLY:  # growth runs: the end-to-end line and its unchanged re-run only
        db = tmp / f"cli-{n}.duckdb"
        res["newsmill"] = ingest_cli(urls_file, db, config, env)
        res["newsmill"].update(stage_seconds(db))
        res["db_bytes"] = db_size(db)
        res["db_mb_per_1000"] = res["db_bytes"] / n * 1000 / 2**20
        res["rerun_304"] = ingest_cli(urls_file, db, config, env)
        res["targets"] = {"articles_per_s": n / res["newsmill"]["seconds"],
                          "cpu_ms_per_article": 1000 * res["newsmill"]["cpu_s"] / n,
                          "cpu_over_floor_cpu_sum": res["newsmill"]["cpu_s"] / res["floors"]["cpu_sum_s"],
                          "rerun_cpu_fraction": res["rerun_304"]["cpu_s"] / res["newsmill"]["cpu_s"],
                          "rerun_fraction": res["rerun_304"]["seconds"] / res["newsmill"]["seconds"]}
        return res
    db = tmp / f"plain-{n}.duckdb"
    res["no_prefect"] = ingest_plain(urls_file, db, config, env)
    db = tmp / f"cli-{n}.duckdb"
    res["newsmill"] = ingest_cli(urls_file, db, config, env)
    res["newsmill"].update(stage_seconds(db))
    res["db_bytes"] = db_size(db)
    res["db_mb_per_1000"] = res["db_bytes"] / n * 1000 / 2**20
    res["rerun_304"] = ingest_cli(urls_file, db, config, env)
    res["no_enrich"] = ingest_cli(urls_file, tmp / f"noenrich-{n}.duckdb", config, env, enrich=False)
    site.control("validators=0")
    res["rerun_no_validators"] = ingest_cli(urls_file, db, config, env)
    site.control("validators=1")
    res["peer"] = peer(urls_file) if do_peer else None
    e2e = res["newsmill"]["seconds"]
    res["targets"] = {
        "articles_per_s": n / e2e,
        "vs_peer": (n / e2e) / res["peer"]["articles_per_s"] if res["peer"] else None,
        "total_over_floor_sum": e2e / (floor_clean + floor_enrich),
        "rerun_fraction": res["rerun_304"]["seconds"] / e2e,
        "rerun_no_validators_fraction": res["rerun_no_validators"]["seconds"] / e2e,
        "prefect_overhead_s": res["newsmill"]["seconds"] - res["no_prefect"]["seconds"],
        "prefect_overhead_cpu_s": res["newsmill"]["cpu_s"] - res["no_prefect"]["cpu_s"],
        "prefect_server_cpu_s": res["newsmill"].get("prefect_server_cpu_s"),
        "no_enrich_vs_peer": (n / res["no_enrich"]["seconds"]) / res["peer"]["articles_per_s"] if res["peer"] else None,
        "no_enrich_cpu_ms_per_article": 1000 * res["no_enrich"]["cpu_s"] / n,
        # contention-free view: CPU seconds are what the work costs, whoever else uses the cores
        "cpu_ms_per_article": 1000 * res["newsmill"]["cpu_s"] / n,
        "cpu_over_floor_cpu_sum": res["newsmill"]["cpu_s"] / ((fl["trafilatura_cpu_s"] + fl["spacy_cpu_s"]) * scale),
        "idle_estimate_articles_per_s": n / (res["newsmill"]["cpu_s"] / (os.cpu_count() or 1)),
        "peer_cpu_ms_per_article": 1000 * res["peer"]["cpu_s"] / n if res["peer"] else None,
        "rerun_cpu_fraction": res["rerun_304"]["cpu_s"] / res["newsmill"]["cpu_s"],
    }
    return res


# ---------------------------------------------------------------------------------------------
# the one-shot table (issue 16): fresh processes, each page on its own loopback host

_FLOOR_PROCESS = """
import gzip, json, sys, time
t0 = time.perf_counter()
from pathlib import Path
import trafilatura
from newsmill.tasks.enrich import _one_blas_thread, load_model
nlp = load_model(sys.argv[2])
texts = []
for path in sorted(Path(sys.argv[1]).glob("*.html.gz")):
    text = trafilatura.extract(gzip.decompress(path.read_bytes()).decode("utf-8", "replace"))
    if text:
        texts.append(text)
with _one_blas_thread():
    for _ in nlp.pipe(texts, batch_size=32):
        pass
print(json.dumps({"pages": len(list(Path(sys.argv[1]).glob("*.html.gz"))), "texts": len(texts),
                  "seconds": time.perf_counter() - t0}))
"""


def floor_process(model: str) -> dict:
    """trafilatura + spaCy (newsmill's pipeline loader) on the corpus files in one fresh process,
    imports and model load included; no fetching, no loading: the floor of a one-shot run."""
    seconds, rss, out, _ = run_measured([sys.executable, "-c", _FLOOR_PROCESS, str(CORPUS), model])
    r = json.loads(out.strip().splitlines()[-1])
    return {"seconds": seconds, "peak_rss_mb": rss, **LAST_CPU, "texts": r["texts"], "articles": r["pages"]}


def steady_state(db: Path) -> dict:
    """Articles per second between the first and the last loaded batch (each batch is one load
    transaction with its own timestamp), and when the first batch was loaded after the run began."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT first_seen_at, count(*) FROM articles GROUP BY 1 ORDER BY 1").fetchall()
        started = con.execute("SELECT min(started_at) FROM runs").fetchall()[0][0]
    finally:
        con.close()
    if len(rows) < 2:
        return {"steady_articles_per_s": None, "batches": len(rows)}
    span = (rows[-1][0] - rows[0][0]).total_seconds()
    after_first = sum(c for _, c in rows[1:])
    return {"steady_articles_per_s": after_first / span if span > 0 else None, "batches": len(rows),
            "first_batch_after_run_start_s": (rows[0][0] - started).total_seconds() if started else None}


def one_shot_env(tmp: Path, polite: bool) -> dict:
    """A user's environment: newsmill's defaults (no NEWSMILL_* set), Prefect's temporary server
    (no PREFECT_API_URL), a Prefect home that has been used before."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSMILL_", "PREFECT_"))}
    env.update(PREFECT_HOME=str(tmp / "prefect-home"), NEWSMILL_FLOW_RETRIES="0",
               # a shared machine under load can take longer than the CLI's 90 s to start the server
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300")
    if not polite:
        env.update(NEWSMILL_PER_HOST_INTERVAL="0", NEWSMILL_RESPECT_ROBOTS="0")
    return env


def one_shot(ns: list[int], tmp: Path, pages, model: str, do_peer: bool) -> dict:
    ids = [pid for pid, _ in pages]
    site = Site(tmp, hosts=len(ids))
    res: dict = {"cores": os.cpu_count(), "hosts": len(ids), "loadavg_start": os.getloadavg()}
    try:
        def urls_file(n: int, first_copy: int = 0) -> Path:
            f = tmp / f"one-shot-{n}-{first_copy}.txt"
            f.write_text("".join(f"http://{host_address(i % len(ids))}:{site.port}/a/{first_copy + i // len(ids)}/"
                                 f"{ids[i % len(ids)]}.html\n" for i in range(n)))
            return f

        def newsmill(n: int, polite: bool, label: str, extra_env: dict | None = None,
                     warm_from: Path | None = None) -> dict:
            db = tmp / f"{label}.duckdb"
            print(f"  {label} ...", flush=True)
            before = 0
            if warm_from is not None:  # a later run on that warehouse: the same stories as new copies
                for suffix in ("", ".wal"):
                    if Path(f"{warm_from}{suffix}").exists():
                        shutil.copyfile(f"{warm_from}{suffix}", f"{db}{suffix}")
                before = db_size(db)
            r = ingest_cli(urls_file(n, 1 if warm_from else 0), db, None,
                           {**one_shot_env(tmp, polite), **(extra_env or {})})
            r.update(stage_seconds(db))
            if warm_from is None:
                r.update(steady_state(db))
            r["db_bytes_added_per_article"] = (db_size(db) - before) / n
            r["articles_per_s"] = n / r["seconds"]
            r["cpu_ms_per_article"] = 1000 * r["cpu_s"] / n
            return r

        # not timed: the first run in a fresh Prefect home creates its database
        ingest_cli(urls_file(1), tmp / "warm-up.duckdb", None, one_shot_env(tmp, False))
        n0 = len(ids)
        res["polite"] = newsmill(n0, True, f"polite-{n0}")
        res["fast"] = newsmill(n0, False, f"fast-{n0}")
        # the same 181 stories again as copies with a marker line (a wire story on other sites),
        # their paragraphs in the warehouse since the line above
        res["warm"] = newsmill(n0, False, f"warm-{n0}", warm_from=tmp / f"fast-{n0}.duckdb")
        print("  floor ...", flush=True)
        res["floor"] = floor_process(model)
        res["floor"]["articles_per_s"] = n0 / res["floor"]["seconds"]
        if do_peer:
            print("  newspaper4k ...", flush=True)
            res["peer"] = peer(urls_file(n0), threads=1)
        for n in ns:
            if n == n0:
                continue
            res[f"fast_{n}"] = newsmill(n, False, f"fast-{n}")
            if do_peer:
                print(f"  newspaper4k N={n} ...", flush=True)
                res[f"peer_{n}"] = peer(urls_file(n), threads=1)
    finally:
        site.stop()
    res["loadavg_end"] = os.getloadavg()
    return res


def one_shot_table(r: dict) -> str:
    n0 = r["hosts"]
    head = (f"{'line':62} {'seconds':>8} {'art/s':>7} {'CPU s':>7} {'CPU ms/art':>10} {'peak RSS MB':>11} "
            f"{'peak PSS MB':>11} {'others s':>8} {'steal s':>7} {'busy %':>6} {'load':>9}")

    def row(label: str, x: dict | None, n: int) -> str:
        if not x:
            return f"{label:62} {'(not run)':>8}"
        secs = x.get("wall_s", x.get("seconds"))
        busy = x.get("busy_fraction")
        load = x.get("loadavg_1m") or [0, 0]
        return (f"{label:62} {secs:8.1f} {n / secs:7.1f} {x['cpu_s']:7.1f} {1000 * x['cpu_s'] / n:10.0f} "
                f"{x['peak_rss_mb']:11d} {x.get('peak_pss_mb', 0):11d} {x.get('others_cpu_s', 0):8.1f} "
                f"{x.get('steal_s', 0):7.1f} {100 * (busy or 0):6.0f} {load[0]:4.1f}-{load[1]:<4.1f}")

    lines = [f"{n0} pages, each from its own loopback host, {r['cores']} cores; load average "
             f"{r['loadavg_start'][0]:.1f} at the start, {r['loadavg_end'][0]:.1f} at the end",
             "(per line, the machine meanwhile, from /proc/stat: 'others s' = CPU-seconds of processes "
             "other than the line's and the benchmark's, 'steal s' = CPU-seconds the hypervisor "
             "took, 'busy %' = the cores' busy share, 'load' = 1-minute load average before-after; "
             "a slow line with others or steal above ~1 s met a busy machine)", head,
             row("newsmill ingest --urls-file (fresh process, defaults: robots.txt + 1 s/host)", r["polite"], n0),
             row("same, NEWSMILL_PER_HOST_INTERVAL=0 NEWSMILL_RESPECT_ROBOTS=0", r["fast"], n0),
             row("same, the stories' paragraphs in the warehouse (new copies)", r.get("warm"), n0),
             row("trafilatura + spaCy in one process (floor incl. model load)", r["floor"], n0),
             row(f"newspaper4k {r['peer']['version'] if r.get('peer') else ''} download + parse, sequential",
                 r.get("peer"), n0)]
    ratios = []
    if r.get("peer"):
        ratios.append(f"politeness-off / newspaper4k at {n0}: {(n0 / r['fast']['seconds']) / (n0 / r['peer']['wall_s']):.2f}x"
                      " (target >= 1.0)")
    for key in sorted((k for k in r if k.startswith("fast_") and k[5:].isdigit()), key=lambda k: int(k[5:])):
        n = int(key[5:])
        lines.append(row(f"N = {n} distinct copies: newsmill, politeness off", r[key], n))
        if r.get(f"peer_{n}"):
            lines.append(row(f"N = {n}: newspaper4k, sequential", r[f"peer_{n}"], n))
            ratios.append(f"newsmill / newspaper4k at N = {n}: "
                          f"{r[f'peer_{n}']['wall_s'] / r[key]['seconds']:.2f}x (target >= 1.5)")
        st = r[key].get("steady_articles_per_s")
        ratios.append(f"steady state at N = {n} (first to last batch loaded): "
                      f"{st or 0:.1f} articles/s (target >= 15); first batch loaded "
                      f"{r[key].get('first_batch_after_run_start_s') or 0:.1f} s after the run began; "
                      f"peak RSS {r[key]['peak_rss_mb']} MB (target <= 1200; the sum of each process's RSS, "
                      f"pages the workers share counted once per worker), peak PSS {r[key].get('peak_pss_mb', 0)} MB "
                      f"(shared pages split: {_roles(r[key].get('pss_mb_at_peak_by_role'), 'MB')})")
    for key in ["fast"] + sorted((k for k in r if k.startswith("fast_") and k[5:].isdigit()), key=lambda k: int(k[5:])):
        n = n0 if key == "fast" else int(key[5:])
        ratios.append(f"CPU by process at N = {n} (sampled from /proc): "
                      f"{_roles(r[key].get('cpu_s_by_role_sampled'), 's', n)}")
    f = r["fast"]
    if r.get("warm"):
        w = r["warm"]
        paras, cold = w["summary"].get("paragraphs") or {}, f["summary"].get("paragraphs") or {}
        ratios.append(f"warm warehouse at {n0}: {1000 * w['cpu_s'] / n0:.0f} ms CPU/article against "
                      f"{1000 * f['cpu_s'] / n0:.0f} cold; paragraphs parsed {paras.get('parsed')}, reused "
                      f"{paras.get('reused')} (cold run: parsed {cold.get('parsed')}); the cold run added "
                      f"{f['db_bytes_added_per_article'] / 1000:.1f} kB of warehouse per article "
                      f"({(f.get('paragraph_analysis_bytes') or 0) / n0 / 1000:.1f} kB of it paragraph analyses, "
                      f"{f.get('paragraph_rows')} rows), the warm run {w['db_bytes_added_per_article'] / 1000:.1f} kB")
    split = ", ".join(f"{k} {v:.1f} s" for k, v in (f.get("time_split") or {}).items())
    ratios.append(f"politeness-off run at {n0}: {f['seconds']:.1f} s wall, flow {f['flow_seconds']:.1f} s"
                  + (f" ({split})" if split else "") + "; "
                  f"{f['articles']} articles, {f['mentions']} mentions, {f['quotes']} quotes")
    return "\n".join(lines + [""] + ratios)


def _roles(by_role: dict | None, unit: str, n: int | None = None) -> str:
    if not by_role:
        return "not measured"
    per = (lambda v: f" ({1000 * v / n:.0f} ms/article)") if n else (lambda v: "")
    return ", ".join(f"{role} {v:.1f} {unit}{per(v)}" if isinstance(v, float) else f"{role} {v} {unit}"
                     for role, v in sorted(by_role.items(), key=lambda kv: -kv[1]))


def table(r: dict) -> str:
    n = r["n"]
    fl = r["floors"]
    lines = [f"N = {n} articles on {r['cores']} cores",
             f"{'line':44} {'seconds':>9} {'art/s':>8} {'CPU s':>8} {'peak RSS MB':>12}",
             f"{'(1) trafilatura alone, in-process':44} {fl['trafilatura_s']:9.1f} {n / fl['trafilatura_s']:8.1f} {fl['trafilatura_cpu_s']:8.1f} {'':>12}",
             f"{'(2) spaCy nlp.pipe alone, in-process':44} {fl['spacy_s']:9.1f} {n / fl['spacy_s']:8.1f} {fl['spacy_cpu_s']:8.1f} {'':>12}",
             f"{'    sum of the floors (1)+(2)':44} {fl['sum_s']:9.1f} {n / fl['sum_s']:8.1f} {fl['cpu_sum_s']:8.1f} {'':>12}"]
    for key, label in (("newsmill", "(3) newsmill ingest (CLI, Prefect server)"),
                       ("no_prefect", "    same run_ingest outside a flow"),
                       ("rerun_304", "    re-run, unchanged (ETag -> 304)"),
                       ("no_enrich", "    newsmill ingest --no-enrich (fetch+clean+load)"),
                       ("rerun_no_validators", "    re-run, unchanged, server sends no ETag")):
        x = r[key]
        lines.append(f"{label:44} {x['seconds']:9.1f} {n / x['seconds']:8.1f} {x['cpu_s']:8.1f} {x['peak_rss_mb']:12d}")
    if r.get("peer"):
        p = r["peer"]
        lines.append(f"{'(4) newspaper4k ' + p['version'] + ' download+parse (8 thr)':44} {p['wall_s']:9.1f} "
                     f"{n / p['wall_s']:8.1f} {p['cpu_s']:8.1f} {p['peak_rss_mb']:12d}")
    t = r["targets"]
    lines += ["",
              f"newsmill: {t['articles_per_s']:.1f} articles/s (target >= 20)"
              + (f", {t['vs_peer']:.2f}x newspaper4k (target >= 1.5)" if t["vs_peer"] else ""),
              f"total / sum of floors: {t['total_over_floor_sum']:.2f} (target <= 1.3)",
              f"unchanged re-run: {100 * t['rerun_fraction']:.1f}% of the first run with ETag (target <= 5%), "
              f"{100 * t['rerun_no_validators_fraction']:.1f}% without",
              f"Prefect overhead: {t['prefect_overhead_s']:.1f} s wall, {t['prefect_overhead_cpu_s']:.1f} s CPU in the "
              f"newsmill process tree + {t['prefect_server_cpu_s'] or 0:.1f} s CPU in the Prefect server",
              f"without enrichment: {1000 * n / r['no_enrich']['seconds'] / 1000:.1f} articles/s, "
              f"{t['no_enrich_cpu_ms_per_article']:.0f} ms CPU/article"
              + (f", {t['no_enrich_vs_peer']:.2f}x newspaper4k" if t["no_enrich_vs_peer"] else ""),
              f"CPU: {t['cpu_ms_per_article']:.0f} ms/article (newspaper4k {t['peer_cpu_ms_per_article'] or 0:.0f}), "
              f"{t['cpu_over_floor_cpu_sum']:.2f}x the floors' CPU; on {r['cores']} idle cores that is "
              f"~{t['idle_estimate_articles_per_s']:.1f} articles/s; re-run CPU {100 * t['rerun_cpu_fraction']:.1f}%",
              f"load average during the run (1 min, other jobs share these cores): {r['newsmill']['loadavg_1m']}",
              f"DuckDB: {r['db_bytes'] / 2**20:.1f} MiB, {r['db_mb_per_1000']:.1f} MiB per 1000 articles; "
              f"articles {r['newsmill']['articles']}, distinct content hashes {r['newsmill']['distinct_content_hashes']}, "
              f"mentions {r['newsmill']['mentions']}, quotes {r['newsmill']['quotes']}"]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    sp = sub.add_parser("serve")
    sp.add_argument("--port-file", required=True)
    sp.add_argument("--hosts", type=int, default=0)
    ap.add_argument("--n", type=int, nargs="+", default=None,
                    help="article counts (default: 181 and 1000; with --detail 200)")
    ap.add_argument("--detail", action="store_true",
                    help="the per-stage lines instead (floors, Prefect overhead, re-runs, one host, 8 threads "
                         "for newspaper4k) against a running Prefect server")
    ap.add_argument("--no-peer", action="store_true", help="skip newspaper4k")
    ap.add_argument("--model", default=None, help="spaCy model (default: newsmill's enrich.model)")
    ap.add_argument("--e2e-only", action="store_true",
                    help="only the end-to-end line and its re-run (for growth runs at large N)")
    args = ap.parse_args(argv)
    if args.cmd == "serve":
        serve(args.port_file, args.hosts)
        return 0
    global E2E_ONLY
    E2E_ONLY = args.e2e_only
    from newsmill.config import load_config

    model = args.model or load_config(env={}).enrich.model
    pages = load_pages()
    tmp = Path(tempfile.mkdtemp(prefix="newsmill-bench-"))
    if not args.detail and not E2E_ONLY:
        try:
            print(f"one-shot runs on {len(pages)} pages, each from its own loopback host ...", flush=True)
            r = one_shot(sorted(set(args.n or [len(pages), 1000])), tmp, pages, model, not args.no_peer)
            print(one_shot_table(r), flush=True)
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / "pipeline-one-shot.json").write_text(json.dumps(r, indent=2, default=str) + "\n")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return 0
    args.n = args.n or [200]
    site = Site(tmp)
    server = None
    try:
        print(f"floors on the {len(pages)} distinct pages ...", flush=True)
        fl = floors(pages, model)
        server, env = start_prefect_server(tmp)
        global SERVER_PID
        SERVER_PID = server.pid
        results = []
        for n in args.n:
            print(f"N = {n} ...", flush=True)
            r = bench_one(n, tmp, site, pages, fl, env, not args.no_peer)
            r["floors_measured"] = fl
            results.append(r)
            if E2E_ONLY:
                x, t = r["newsmill"], r["targets"]
                print(f"N = {n}: {x['seconds']:.1f} s, {t['articles_per_s']:.1f} articles/s, {t['cpu_ms_per_article']:.0f} ms "
                      f"CPU/article ({t['cpu_over_floor_cpu_sum']:.2f}x the floors' CPU), peak RSS {x['peak_rss_mb']} MB, "
                      f"DuckDB {r['db_mb_per_1000']:.1f} MiB/1000; re-run {r['rerun_304']['seconds']:.1f} s "
                      f"({100 * t['rerun_fraction']:.1f}% wall, {100 * t['rerun_cpu_fraction']:.1f}% CPU); "
                      f"load average {x['loadavg_1m']}", flush=True)
            else:
                print(table(r), flush=True)
            RESULTS.mkdir(parents=True, exist_ok=True)
            name = f"pipeline-{n}-e2e.json" if E2E_ONLY else f"pipeline-{n}.json"
            (RESULTS / name).write_text(json.dumps(r, indent=2, default=str) + "\n")
        if len(results) > 1:
            print("\ngrowth:")
            for r in results:
                x = r["newsmill"]
                print(f"  N={r['n']:5d}: {1000 * x['seconds'] / r['n']:6.1f} ms/article, peak RSS {x['peak_rss_mb']} MB, "
                      f"DuckDB {r['db_mb_per_1000']:.1f} MiB/1000")
    finally:
        site.stop()
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(20)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
