"""A fresh run of a hostile list (issue 17), against local servers on 127.0.0.0/8 only.

Each kind of hostile input gets its own run (a subprocess running the ingest pipeline, with a
wall-clock cap), so that a crash or a hang is counted per kind; the same warehouse collects them
all. Reported:

- crashed runs: a run that did not finish ``completed`` (a refused input file must be refused
  with exit 2 and a message, which is not a crash);
- hangs: a run still going at its cap (it is killed);
- overwritten articles: victim articles whose title or text changed, and articles that merged
  into another (two pages that must stay two);
- requests to internal addresses: requests that reached the "internal" servers, plus requests
  for robots.txt-disallowed paths.

    .venv/bin/python bench/hostile.py [--json] [--cap 240]

Loopback only: every server binds 127.0.0.x, every URL points there.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.dbutil import query  # noqa: E402
from tests.hostile import raw_redirect, slow_headers  # noqa: E402
from tests.siteserver import (SiteServer, article_html, gzip_bomb, rss_feed, sitemap, sitemap_index,  # noqa: E402
                              slow_page)

CONFIG = """[fetch]
per_host_interval = 0
per_host_concurrency = 4
retries = 0
total_timeout = 4
read_timeout = 3
[extract]
page_timeout = 10
site_repeats = 0
[load]
batch_size = 4
[enrich]
enabled = false
"""

RUNNER = """
import json, logging, socket, sys
a = json.loads(sys.argv[1])
if a.get("rebind"):
    # a TTL-0 rebinding DNS server: each name answers the "public" address for its first k
    # look-ups, then the internal one; in this run only the internal address counts as internal
    from newsmill.tasks import safety
    real, asked, rb = socket.getaddrinfo, {}, a["rebind"]
    def resolver(host, port, *r, **kw):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in rb["names"]:
            asked[name] = asked.get(name, 0) + 1
            return real(rb["public"] if asked[name] <= rb["names"][name] else rb["internal"], port, *r, **kw)
        return real(host, port, *r, **kw)
    socket.getaddrinfo = resolver
    real_internal = safety.is_internal
    safety.is_internal = lambda ad: ad == rb["internal"] or (real_internal(ad) and not ad.startswith("127."))
from newsmill import reaper
try:  # as the CLI does: the watcher that ends what a killed run left (and, since #17, closes its row)
    reaper.install(a["db"])
except TypeError:  # an older newsmill's watcher takes no warehouse
    reaper.install()
from newsmill.config import load_config
from newsmill.flows.ingest import run_ingest
from newsmill.sources import load_sources
cfg = load_config(a["config"], overrides={"load": {"db_path": a["db"]}})
srcs = load_sources(a["sources"]) if a.get("sources") else None
s = run_ingest(a["urls"], cfg, a["run_id"], logging.getLogger("hostile"), sources=srcs, force_sources=True)
print(json.dumps({"status": s.status, "errors": s.errors, "new": s.new, "message": s.extra.get("message")}))
"""


def page(title: str, seed: int, canonical: str | None = None, extra_head: str = "") -> str:
    html = article_html(title, seed)
    head = (f'<link rel="canonical" href="{canonical}">' if canonical is not None else "") + extra_head
    return html.replace("<head>", "<head>" + head, 1)


def many_attributes(n: int) -> bytes:
    return (f"<html><head><title>x</title></head><body><div {' '.join(f'a{i}=x' for i in range(n))}>"
            "</div><p>text</p></body></html>").encode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cap", type=float, default=240.0, help="seconds a run may take before it counts as a hang")
    args = ap.parse_args()

    a = SiteServer("127.0.0.1").start()   # a source site
    b = SiteServer("127.0.0.2").start()   # another source site (its articles are the victims)
    internal = SiteServer("127.0.0.5").start()  # an internal service nothing may reach
    internal.add("/admin", "secret admin page")
    servers = [a, b, internal]
    work = Path(tempfile.mkdtemp(prefix="newsmill-hostile-"))
    db = str(work / "w.duckdb")
    cfg = work / "c.toml"
    cfg.write_text(CONFIG)
    ip, ap_ = internal.host, internal.port

    # the victims, loaded first by an ordinary run
    victims = {b.add(f"/news/v{i}.html", page(f"Victim story {i}", 100 + i)): f"Victim story {i}" for i in range(3)}
    a.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    a.add("/private/secret.html", page("Disallowed", 5))

    kinds: dict[str, dict] = {}

    def kind(name: str, urls=(), sources: str | None = None, expect_refused: bool = False, config: str | None = None):
        kinds[name] = {"urls": list(urls), "sources": sources, "expect_refused": expect_refused, "config": config}

    kind("victims", victims)
    # time limits: headers dripped one line at a time, a status line dripped byte by byte
    kind("slow headers", [a.add_handler("/drip1", slow_headers(30, every=0.5)),
                          a.add_handler("/drip2", slow_headers(30, every=0.1)),
                          a.add_handler("/drip3", slow_headers(30, every=0.4, status_first=False)),
                          a.add("/ok1.html", page("Fine 1", 11))])
    # malformed URLs and Locations
    kind("bad urls", ["http://[::1", "http://[::1:bad/", "http://127.0.0.1:99999/", "http://ex%41mple.invalid/",
                      a.add_handler("/loc1", raw_redirect("http://[::1:bad/")),
                      a.add_handler("/loc2", raw_redirect("http://[::1")),
                      a.add_handler("/loc3", raw_redirect("http://[fe80::1%zz]/")),
                      a.add("/ok2.html", page("Fine 2", 12))])
    # reaching what it must not: ambiguous and internal links in a feed, redirects, robots.txt
    sneaky = [f"http://{ip}:{ap_}\\@{a.host}:{a.port}/admin", f"http://{ip}:{ap_}\\\\@{a.host}:{a.port}/admin",
              f"http://{a.host}:{a.port}@{ip}:{ap_}/admin", f"http://{ip}:{ap_}/admin",
              f"http://[::ffff:{ip}]:{ap_}/admin", f"http://{ip}:{ap_}/\\@{a.host}:{a.port}/admin"]
    for n, target in enumerate(sneaky):
        a.add_handler(f"/r{n}", raw_redirect(target))
    a.add("/feed.xml", rss_feed([(u, "x") for u in sneaky] + [(a.url(f"/r{n}"), "r") for n in range(len(sneaky))]
                                + [(a.url("/go-private"), "p")]), content_type="application/rss+xml")
    a.add_handler("/go-private", raw_redirect("/private/secret.html"))
    src = work / "sneaky.toml"
    src.write_text(f'[[source]]\nname = "sneaky"\nfeeds = ["{a.url("/feed.xml")}"]\n')
    kind("internal addresses", sources=str(src))
    kind("robots on redirect", [a.add_handler("/go-private2", raw_redirect("/private/secret.html")),
                                a.add_handler("/go-private3", raw_redirect(a.url("/private/secret.html?x=1")))])
    # articles that must not overwrite each other
    kind("canonical not http", [a.add("/js1.html", page("JS one", 21, "javascript:void(0)")),
                                a.add("/js2.html", page("JS two", 22, "javascript:void(0)")),
                                a.add("/js3.html", page("JS three", 23, "mailto:x@y.z"))])
    kind("canonical on another site", [a.add(f"/claim{i}.html", page(f"Evil claim {i}", 30 + i, v))
                                       for i, v in enumerate(victims)])
    sid = []
    for i in range(1, 4):
        sid.append(a.add(f"/story.php?sid={i}", b""))
    def story(req):
        from urllib.parse import parse_qs, urlsplit
        n = int(parse_qs(urlsplit(req.path).query)["sid"][0])
        req.send_html(page(f"Story sid {n}", 40 + n).encode())
    a.add_handler("/story.php", story)
    kind("query ids", [a.url(f"/story.php?sid={i}&utm_source=x") for i in range(1, 4)])
    # discovery listing URLs twice
    d = [a.add(f"/d/{i}.html", page(f"Listed twice {i}", 50 + i)) for i in range(3)]
    a.add("/dfeed.xml", rss_feed([(u, "t") for u in d] + [(d[0] + "?utm_source=x", "again")]),
          content_type="application/rss+xml")
    a.add("/dsm.xml", sitemap(d + [d[1] + "#x"]), content_type="application/xml")
    idx = a.url("/didx.xml")
    a.add("/didx.xml", sitemap_index([idx, a.url("/dsm.xml"), a.url("/dsm.xml?utm_campaign=y")]),
          content_type="application/xml")
    dsrc = work / "dups.toml"
    dsrc.write_text(f'[[source]]\nname = "one"\nfeeds = ["{a.url("/dfeed.xml")}", "{a.url("/dfeed.xml")}"]\n'
                    f'sitemaps = ["{idx}"]\n[[source]]\nname = "two"\nfeeds = ["{a.url("/dfeed.xml")}"]\n')
    kind("discovery duplicates", sources=str(dsrc))
    # pages that keep a parser busy or make it raise
    kind("parser bombs", [a.add("/attrs.html", many_attributes(200_000)),
                          a.add("/jsonld.html", page("Deep JSON-LD", 60,
                                extra_head=f'<script type="application/ld+json">{"[" * 5000}{"]" * 5000}</script>')),
                          a.add("/deep.html", "<html><body>" + "<div>" * 50_000 + "x" + "</div>" * 50_000 + "</body></html>"),
                          a.add_handler("/gz.html", gzip_bomb(50)),
                          a.add("/ok3.html", page("Fine 3", 13))])
    # numbers that are not numbers: refused before any work
    for value in ("inf", "nan"):
        bad = work / f"bad-{value}.toml"
        bad.write_text(f'[[source]]\nname = "x"\nurls = ["{a.url("/ok1.html")}"]\ninterval = {value}\n')
        kind(f"sources interval = {value}", sources=str(bad), expect_refused=True)
        badc = work / f"cfg-{value}.toml"
        badc.write_text(CONFIG.replace("per_host_interval = 0", f"per_host_interval = {value}"))
        kind(f"config per_host_interval = {value}", [a.url("/ok1.html")], expect_refused=True, config=str(badc))

    # DNS rebinding: names that answer 127.0.0.2 (playing a public address) for their first k
    # look-ups, then 127.0.0.5 (an internal service on the same port)
    rb_public = SiteServer("127.0.0.2").start()
    rb_internal = SiteServer("127.0.0.5", rb_public.port).start()
    servers += [rb_public, rb_internal]
    names = {f"rb{k}.rebind.test": k for k in (1, 2, 3, 4, 5)}
    for srv, who in ((rb_public, "public"), (rb_internal, "INTERNAL")):
        srv.add("/a.html", page(f"Rebound {who} a", 71))
        srv.add_handler("/hop", raw_redirect(f"http://rb3.rebind.test:{rb_public.port}/a.html"))
    rb_links = [f"http://{n}:{rb_public.port}/a.html" for n in names] + [f"http://rb2.rebind.test:{rb_public.port}/hop"]
    a.add("/rbfeed.xml", rss_feed([(u, "rb") for u in rb_links]), content_type="application/rss+xml")
    rsrc = work / "rebind.toml"
    rsrc.write_text(f'[[source]]\nname = "rebind"\nfeeds = ["{a.url("/rbfeed.xml")}"]\n')
    kind("dns rebinding", sources=str(rsrc))
    kinds["dns rebinding"]["rebind"] = {"names": names, "public": "127.0.0.2", "internal": "127.0.0.5"}
    # a run killed with SIGKILL mid-run: its row must not stay 'running'
    kind("kill -9 mid-run", [a.add_handler(f"/slow/{i}.html", slow_page(page(f"Slow {i}", 80 + i).encode(), 1.0))
                             for i in range(16)])
    kinds["kill -9 mid-run"]["kill"] = True
    # a full disk: the warehouse on a 2 MB tmpfs (a private mount namespace; needs root or
    # unprivileged user namespaces); the run must end failed with the row saying so
    kind("full disk", [a.add(f"/big/{i}.html", article_html(f"Big {i}", 90 + i, paragraphs=40)) for i in range(30)])
    kinds["full disk"]["full_disk"] = True

    results = {}
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    before_victims = None
    mismatched = 0  # runs whose row and outcome disagree (a full disk recorded 'completed', ...)
    for n, (name, k) in enumerate(kinds.items()):
        started = time.monotonic()
        payload = {"config": k["config"] or str(cfg), "db": db, "urls": k["urls"], "sources": k["sources"],
                   "run_id": f"hostile-{n}", "rebind": k.get("rebind")}
        extra: dict = {}
        if k.get("kill"):
            r, hung, extra = _killed_run(payload, env, db)
            results[name] = {"seconds": round(time.monotonic() - started, 1), "hung": hung, "crashed": False,
                             "refused": False, "errors": None, "new": None, **extra}
            continue
        if k.get("full_disk"):
            r, hung, extra = _full_disk_run(payload, env, work, args.cap)
        else:
            try:
                r = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(payload)], capture_output=True, text=True,
                                   timeout=args.cap, env=env)
                hung = False
            except subprocess.TimeoutExpired:
                r, hung = None, True
        took = time.monotonic() - started
        out = {}
        if r is not None and r.returncode == 0 and r.stdout.strip():
            out = json.loads(r.stdout.strip().splitlines()[-1])
        refused = r is not None and r.returncode != 0 and ("ConfigError" in r.stderr or "SourcesError" in r.stderr) \
            and "must be a finite number" in r.stderr
        if k.get("full_disk"):
            ok = extra.get("skipped") or (out.get("status") == "failed" and extra.get("row") == "failed"
                                          and not extra.get("left_files"))
            mismatched += 0 if extra.get("skipped") or out.get("status") == extra.get("row") else 1
            crashed = not hung and not ok
        else:
            crashed = not hung and not (refused if k["expect_refused"] else out.get("status") == "completed")
        results[name] = {"seconds": round(took, 1), "hung": hung, "crashed": crashed,
                         "refused": refused, "errors": out.get("errors"), "new": out.get("new"), **extra}
        if crashed and r is not None:
            results[name]["stderr"] = r.stderr[-1500:]
        if name == "victims":
            before_victims = dict(query(db, "SELECT url, title || '|' || content_hash FROM articles"))

    after = dict(query(db, "SELECT url, title || '|' || content_hash FROM articles"))
    overwritten = sum(1 for u, v in (before_victims or {}).items() if after.get(u) != v)
    titles = {t for (t,) in query(db, "SELECT title FROM articles")}
    must_stay_apart = ["JS one", "JS two", "JS three", "Story sid 1", "Story sid 2", "Story sid 3"]
    merged = sum(1 for t in must_stay_apart if t not in titles)
    internal_hits = len(internal.hits) + len(rb_internal.hits)
    disallowed_hits = len([h for h in a.hits if h.path.startswith("/private/")])
    js_urls = [a.url(p) for p in ("/js1.html", "/js2.html", "/js3.html")]
    unrecorded_canonicals = query(db, "SELECT count(*) FROM fetches WHERE url IN (SELECT unnest(?::VARCHAR[])) "
                                      "AND (error_detail IS NULL OR error_detail NOT LIKE '%ignored%')", [js_urls])[0][0]
    dup_fetch_rows = query(db, "SELECT count(*) - count(DISTINCT run_id || url) FROM fetches")[0][0]
    left_running = query(db, "SELECT count(*) FROM runs WHERE status = 'running'")[0][0]
    for s in servers:
        s.stop()
    report = {
        "kinds": len(kinds), "runs": len(results),
        "crashed_runs": sum(r["crashed"] for r in results.values()),
        "hangs": sum(r["hung"] for r in results.values()),
        "overwritten_articles": overwritten + merged,
        "requests_to_internal_addresses": internal_hits + disallowed_hits,
        "runs_left_running": left_running,
        "rows_disagreeing_with_outcome": mismatched,
        "ignored_canonicals_not_recorded": unrecorded_canonicals,
        "rebinding_internal_hits": len(rb_internal.hits),
        "duplicate_fetch_rows": dup_fetch_rows,
        "slowest_run_seconds": max(r["seconds"] for r in results.values()),
        "per_kind": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, r in results.items():
            flag = "HANG" if r["hung"] else "CRASH" if r["crashed"] else "refused" if r["refused"] else "ok"
            print(f"{flag:8} {r['seconds']:6.1f}s  {name}: {r['errors'] or ''}")
            if r.get("stderr"):
                print("         " + r["stderr"].replace("\n", "\n         "))
        print(f"\n{report['runs']} runs over {report['kinds']} kinds: {report['crashed_runs']} crashed, "
              f"{report['hangs']} hung, {report['overwritten_articles']} articles overwritten or merged, "
              f"{report['requests_to_internal_addresses']} requests to internal addresses or disallowed paths, "
              f"{report['runs_left_running']} runs left 'running', {report['duplicate_fetch_rows']} duplicate fetch rows, "
              f"{report['rows_disagreeing_with_outcome']} rows disagreeing with the run's outcome, "
              f"{report['ignored_canonicals_not_recorded']} ignored canonicals not recorded "
              f"({report['rebinding_internal_hits']} of the internal requests by DNS rebinding)")
    bad = report["crashed_runs"] + report["hangs"] + report["overwritten_articles"] + \
        report["requests_to_internal_addresses"] + report["runs_left_running"] + \
        report["rows_disagreeing_with_outcome"] + report["ignored_canonicals_not_recorded"]
    return 1 if bad else 0


def _killed_run(payload: dict, env: dict, db: str) -> tuple[None, bool, dict]:
    """Start the run, SIGKILL it once a batch is committed, and see whether its row is closed."""
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, json.dumps(payload)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    rid = payload["run_id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if query(db, "SELECT new FROM runs WHERE run_id = ?", [rid])[0][0] > 0:
                break
        except Exception:  # noqa: BLE001 - the run holds the write lock, or has no row yet: look again
            pass
        time.sleep(0.2)
    killed = proc.poll() is None
    proc.kill()
    proc.wait()
    status = None
    deadline = time.monotonic() + 30  # its watcher stops the children, then closes the row
    while time.monotonic() < deadline:
        try:
            status = query(db, "SELECT status FROM runs WHERE run_id = ?", [rid])[0][0]
        except Exception:  # noqa: BLE001 - the watcher holds the lock for a moment
            status = None
        if status not in (None, "running"):
            break
        time.sleep(0.3)
    return None, False, {"killed_mid_run": killed, "row": status}


def _full_disk_run(payload: dict, env: dict, work: Path, cap: float) -> tuple[subprocess.CompletedProcess | None, bool, dict]:
    """The run with its own warehouse on a 2 MB tmpfs in a private mount namespace."""
    import shutil

    unshare = shutil.which("unshare")
    prefixes = [[unshare, "--mount"], [unshare, "--user", "--map-root-user", "--mount"]] if unshare else []
    mnt, out = work / "full-mnt", work / "full-out"
    mnt.mkdir(exist_ok=True)
    out.mkdir(exist_ok=True)
    payload = {**payload, "db": str(mnt / "w.duckdb")}
    script = ('mount -t tmpfs -o size=2m tmpfs "$MNT" || exit 99; "$@"; rc=$?; ls -A "$MNT" > "$OUT/listing"; '
              'cp "$MNT"/w.duckdb* "$OUT"/ 2>/dev/null; exit $rc')
    for prefix in prefixes:
        try:
            r = subprocess.run([*prefix, "sh", "-c", script, "sh", sys.executable, "-c", RUNNER, json.dumps(payload)],
                               capture_output=True, text=True, timeout=cap,
                               env={**env, "MNT": str(mnt), "OUT": str(out)})
        except subprocess.TimeoutExpired:
            return None, True, {}
        if r.returncode == 99:
            continue
        listing = (out / "listing").read_text().split() if (out / "listing").exists() else []
        left = [f for f in listing if f.endswith(".tmp") or ".reserve-" in f]
        row = query(str(out / "w.duckdb"), "SELECT status FROM runs")[0][0] if (out / "w.duckdb").exists() else None
        return r, False, {"row": row, "left_files": left}
    return None, False, {"skipped": "cannot mount a small tmpfs here (needs root or user namespaces)"}


if __name__ == "__main__":
    sys.exit(main())
