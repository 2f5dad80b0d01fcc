"""Scale-out past one machine: workers fetch+clean+enrich into Parquet staging; one loader merges.

DuckDB has one writer, so the work that parallelises (fetching, trafilatura, spaCy) runs in any
number of ``scaleout-worker`` flow runs, each on a shard of the URLs, each writing its batches to
a staging folder (``newsmill.warehouse.staging``: local disk, NFS, or any path all workers and
the loader share). One ``scaleout-load`` flow run merges the staged batches into the warehouse,
one transaction per batch, idempotently: run it as often as you like, while workers still write.

Shards are cut by host by default, so that one site's politeness limits (per-host interval and
concurrency) are kept by the one worker that fetches it; ``shard_by="url"`` splits a single host
across workers (for a site that allows it, or a benchmark).

Run the flows from Prefect deployments on a work pool (see docs/scaling.md), or directly:

    python -m newsmill.flows.scaleout worker --urls-file urls.txt --staging /data/staging --shard 0/2
    python -m newsmill.flows.scaleout worker --urls-file urls.txt --staging /data/staging --shard 1/2
    python -m newsmill.flows.scaleout load --staging /data/staging --db news.duckdb
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from newsmill.config import Config, load_config
from newsmill.flows import stages
from newsmill.outcomes import RunSummary
from newsmill.records import PageResult
from newsmill.tasks import cpu
from newsmill.tasks import fetch as fetch_stage
from newsmill.tasks.extract_version import EXTRACTOR_VERSION
from newsmill.tasks.pipeline import batches, run_batches
from newsmill.warehouse import db, loader, staging

log = logging.getLogger(__name__)


def shard_of(url: str, count: int, by: str = "host") -> int:
    """The shard (0..count-1) a URL belongs to: stable across processes and machines."""
    if by not in ("host", "url"):
        raise ValueError(f"shard_by must be 'host' or 'url', not {by!r}")
    key = (urlsplit(url).hostname or "").lower() if by == "host" else url
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % max(1, count)


def shard_urls(urls: list[str], index: int, count: int, by: str = "host") -> list[str]:
    if not 0 <= index < max(1, count):
        raise ValueError(f"shard index {index} is not in 0..{count - 1}")
    urls = list(dict.fromkeys(u.strip() for u in urls if u and u.strip()))
    return [u for u in urls if shard_of(u, count, by) == index]


def _previous(cfg: Config, urls: list[str], model: str | None) -> tuple[dict, dict]:
    """ETag/Last-Modified and known body hashes from the readers' snapshot (a worker never opens
    the warehouse itself), so that unchanged pages cost a worker as little as they cost ingest."""
    try:
        with db.reader(cfg.load.db_path, lock_timeout=5) as con:
            return loader.validators(con, urls), loader.known_bodies(con, urls, EXTRACTOR_VERSION, model)
    except db.WarehouseError:
        return {}, {}
    except Exception as e:  # noqa: BLE001 - an old or foreign snapshot only costs full GETs
        log.warning("no conditional GETs: cannot read validators from %s: %s", cfg.load.db_path, e)
        return {}, {}


def run_worker(urls: list[str], cfg: Config, staging_dir: str, run_id: str, shard: tuple[int, int] = (0, 1),
               shard_by: str = "host", log: logging.Logger | logging.LoggerAdapter = log) -> RunSummary:
    """Fetch, clean and enrich one shard of ``urls``; write each batch to ``staging_dir``."""
    started = time.monotonic()
    mine = shard_urls(urls, shard[0], shard[1], shard_by)
    versions = stages.versions(cfg)
    validators, known = (_previous(cfg, mine, versions["model"])
                         if cfg.load.db_path and Path(cfg.load.db_path).exists() else ({}, {}))
    limiter = fetch_stage.HostLimiter(cfg.fetch.per_host_interval, cfg.fetch.per_host_concurrency)
    work = batches(mine, cfg.load.batch_size)
    summary = RunSummary(run_id=run_id, flow="scaleout-worker", status="running", db=cfg.load.db_path,
                         urls=len(mine), extra={"shard": list(shard), "batches": 0, "articles": 0,
                                                "staging": str(staging_dir)})
    meta = {"flow": "scaleout-worker", "shard": list(shard), "shard_by": shard_by, "run_urls": len(mine),
            "versions": versions}

    def stage(results: list[PageResult]) -> None:
        rows = loader.stage_batch(results, run_id, extractor_version=EXTRACTOR_VERSION)
        staging.write_batch(rows, staging_dir, run_id, summary.extra["batches"], meta)
        summary.extra["batches"] += 1
        summary.extra["articles"] += len(rows["stage_articles"])
        summary.failed += sum(1 for r in results if r.failure is not None)
        log.info("staged batch %d of %d (%d pages)", summary.extra["batches"], len(work), len(results))

    with cpu.CpuPool(cpu.pool_size(cfg.extract, len(mine)), cfg.extract, cfg.enrich, lazy=bool(validators)) as pool:
        # pages go to the workers as they arrive; a batch is staged when all its chunks are done
        run_batches(work, lambda batch: pool.stream(cpu.unchanged_as_304(p, known) for p in
                                                     fetch_stage.fetch_pages(batch, cfg.fetch, validators, limiter)),
                    cpu.collect, stage)
    summary.status, summary.seconds = "completed", round(time.monotonic() - started, 3)
    return summary


def run_merge(cfg: Config, staging_dir: str, run_id: str, remove: bool = False) -> RunSummary:
    """Merge all staged batches into the warehouse; publish the readers' snapshot once.

    The summary counts what was merged now; each worker run gets its own ``runs`` row."""
    started = time.monotonic()
    with db.writer(cfg.load.db_path, cfg.load.lock_timeout, snapshot=cfg.load.snapshot) as con:
        result = staging.merge_all(con, staging_dir, remove=remove)
    summary = RunSummary(run_id=run_id, flow="scaleout-load", status="completed", db=cfg.load.db_path,
                         extra={"batches": result.batches, "merged": result.merged, "skipped": result.skipped,
                                "runs": result.runs or []})
    summary.add_counts(result.counts or loader.BatchCounts())
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _rid() -> str:
    rid = flow_run.get_id()
    return str(rid) if rid else str(uuid.uuid4())


@flow(name="scaleout-worker", log_prints=False)
def worker(urls: list[str], staging_dir: str, shard_index: int = 0, shard_count: int = 1,
           shard_by: str = "host", db: str | None = None, config_path: str | None = None) -> dict:
    """Fetch, clean and enrich shard ``shard_index`` of ``shard_count`` into Parquet staging."""
    cfg = load_config(config_path, overrides={"load": {"db_path": db}})
    return run_worker(urls, cfg, staging_dir, _rid(), (shard_index, shard_count), shard_by,
                      get_run_logger()).to_json()


@flow(name="scaleout-load", log_prints=False)
def merge(staging_dir: str, db: str, config_path: str | None = None, remove: bool = False) -> dict:
    """Merge staged batches into the DuckDB warehouse ``db`` (the one writer)."""
    cfg = load_config(config_path, overrides={"load": {"db_path": db}})
    return run_merge(cfg, staging_dir, _rid(), remove).to_json()


def deploy(pool: str, name: str = "newsmill") -> list[str]:
    """Register both flows as deployments on a process work pool (creating the pool if needed).

    The entrypoints are module paths (``newsmill.flows.scaleout.worker``): a Prefect worker runs
    them wherever newsmill is installed, with no code storage or image to ship.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.deployments.runner import EntrypointType
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        except ObjectAlreadyExists:
            pass
    # by the importable module's name: under `python -m` this module is __main__, which a
    # worker process could not import
    from newsmill.flows import scaleout as module

    ids = []
    for fl in (module.worker, module.merge):
        ids.append(str(fl.deploy(name=name, work_pool_name=pool, entrypoint_type=EntrypointType.MODULE_PATH,
                                 build=False, push=False, print_next_steps=False)))
    return ids


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m newsmill.flows.scaleout", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("worker", help="fetch+clean+enrich a shard into staging")
    w.add_argument("--urls-file", required=True)
    w.add_argument("--staging", required=True)
    w.add_argument("--shard", default="0/1", help="INDEX/COUNT, e.g. 0/2")
    w.add_argument("--shard-by", choices=("host", "url"), default="host")
    w.add_argument("--db", help="warehouse whose snapshot gives ETags for conditional GETs")
    w.add_argument("--config")
    w.add_argument("--no-prefect", action="store_true", help="run without a Prefect flow run")
    m = sub.add_parser("load", help="merge staged batches into the warehouse")
    m.add_argument("--staging", required=True)
    m.add_argument("--db", required=True)
    m.add_argument("--config")
    m.add_argument("--remove", action="store_true", help="delete batch folders once merged")
    m.add_argument("--no-prefect", action="store_true")
    d = sub.add_parser("deploy", help="register both flows on a Prefect process work pool")
    d.add_argument("--pool", required=True)
    d.add_argument("--name", default="newsmill")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.cmd == "deploy":
        print(json.dumps({"pool": args.pool, "deployments": deploy(args.pool, args.name)}))
        return 0
    if args.cmd == "worker":
        index, _, count = args.shard.partition("/")
        urls = [u.strip() for u in Path(args.urls_file).read_text().splitlines()
                if u.strip() and not u.lstrip().startswith("#")]
        if args.no_prefect:
            cfg = load_config(args.config, overrides={"load": {"db_path": args.db}})
            out = run_worker(urls, cfg, args.staging, str(uuid.uuid4()), (int(index), int(count or 1)),
                             args.shard_by).to_json()
        else:
            out = worker(urls, args.staging, int(index), int(count or 1), args.shard_by, args.db, args.config)
    else:
        if args.no_prefect:
            out = run_merge(load_config(args.config, overrides={"load": {"db_path": args.db}}), args.staging,
                            str(uuid.uuid4()), args.remove).to_json()
        else:
            out = merge(args.staging, args.db, args.config, args.remove)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
