"""What the flows share: stages as Prefect task runs, and the ``runs`` row of a run.

The stages themselves (``newsmill.tasks``) import no Prefect, so ``newsmill extract`` and
``newsmill enrich`` start fast and the stages can be tested without a flow. Inside a flow run each
stage call is a Prefect task run; outside one (the Python API, the benchmark's Prefect-free line)
the same calls run as plain functions. Pages travel between tasks in memory: no result
persistence and no input hashing for caching (bodies are megabytes).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.exceptions import TerminationSignal

from newsmill import __version__, reaper
from newsmill.config import Config, FetchOptions, LoadOptions
from newsmill.outcomes import RunStatus, RunSummary
from newsmill.records import FetchedPage, PageResult
from newsmill.tasks import cpu as cpu_stage
from newsmill.tasks import fetch as fetch_stage
from newsmill.warehouse import db, loader

_STOPS = (KeyboardInterrupt, SystemExit, TerminationSignal)  # how a run is stopped from outside


@task(name="fetch", cache_policy=NO_CACHE, persist_result=False)
def fetch(urls: list[str], opts: FetchOptions, validators: dict | None = None,
          limiter: fetch_stage.HostLimiter | None = None,
          plan: fetch_stage.FetchPlan | None = None) -> list[FetchedPage]:
    # ``limiter`` is shared by the batches of a run, so per-host politeness holds across batches;
    # ``plan`` carries discovery's per-URL trust and per-source intervals.
    return list(fetch_stage.fetch_pages(urls, opts, validators, limiter, plan))


@task(name="extract-enrich", cache_policy=NO_CACHE, persist_result=False)
def process(pages: list[FetchedPage], pool: cpu_stage.CpuPool) -> list[PageResult]:
    """Extract and enrich one batch on the run's worker processes (or in-process for small runs)."""
    return pool.run(pages)


# A locked database is transient: Prefect retries the load after the writer-side wait ran out.
@task(name="load", cache_policy=NO_CACHE, persist_result=False, retries=2, retry_delay_seconds=5,
      retry_condition_fn=lambda task, run, state: _is_locked(state))
def load(results: "Parcel | list[PageResult]", run_id: str, opts: LoadOptions, extractor_version: str,
         held: "HeldWriter | None" = None) -> loader.BatchCounts:
    """Load one batch; ``results`` is best given in a :class:`Parcel` (see there)."""
    if isinstance(results, Parcel):
        results = results.value
        if results is None:
            raise RuntimeError("a batch's parcel was emptied before its load ran")
    if held is not None:
        return held.run(lambda con: loader.load_batch(con, results, run_id, extractor_version, opts.paragraph_cache))
    with db.writer(opts.db_path, opts.lock_timeout, snapshot=opts.snapshot) as con:
        return loader.load_batch(con, results, run_id, extractor_version, opts.paragraph_cache)


class HeldWriter:
    """A write connection kept open across batches that follow each other closely.

    Opening the warehouse (lock, catalog, migration check) costs ~0.1-0.2 s; a re-run whose pages
    are 304s loads a batch every fraction of a second, so opening per batch was a third of its
    time. The connection is closed once no batch used it for ``idle`` seconds (so that readers
    see each batch land when batches are further apart, as when pages stream in from slow
    sites), and at the next batch once it has been held ``hold`` seconds, so another process
    waiting for the lock gets its turn within about that time plus one batch.
    """

    def __init__(self, opts: LoadOptions, hold: float = 2.0, idle: float = 0.5):
        self.opts = opts
        self.hold = hold
        self.idle = idle
        self._cm = None
        self._con = None
        self._opened = 0.0
        self._lock = threading.RLock()
        self._timer: threading.Timer | None = None

    def run(self, fn):
        with self._lock:
            self._disarm()
            if self._con is not None and time.monotonic() - self._opened > self.hold:
                self.close()
            if self._con is None:
                self._cm = db.writer(self.opts.db_path, self.opts.lock_timeout)
                self._con = self._cm.__enter__()
                self._opened = time.monotonic()
            try:
                out = fn(self._con)
            except (db.duckdb.Error, OSError) as e:
                self.close()
                if db.is_storage_error(e):
                    raise db.storage_error(self.opts.db_path, e, "loading") from None
                raise
            except BaseException:
                self.close()
                raise
            self._arm()
            return out

    def _arm(self) -> None:
        timer = threading.Timer(self.idle, self._close_if_idle)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _close_if_idle(self) -> None:
        with self._lock:
            if self._timer is not None and self._timer is threading.current_thread():
                self._timer = None
                self.close()

    def close(self) -> None:
        with self._lock:
            self._disarm()
            if self._cm is not None:
                cm, self._cm, self._con = self._cm, None, None
                cm.__exit__(None, None, None)

    def __enter__(self) -> "HeldWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _is_locked(state) -> bool:
    try:
        state.result()
    except db.DatabaseLocked:
        return True
    except Exception:  # any other failure is not worth retrying
        return False
    return False


def in_flow() -> bool:
    """True inside a Prefect flow run, where stage calls become task runs."""
    return FlowRunContext.get() is not None


def call(stage, *args):
    """Call a stage task: a task run inside a flow, the plain function outside one."""
    return stage(*args) if in_flow() else stage.fn(*args)


class Handoff:
    """A value passed once between stages through Prefect: whoever reads it takes it out.

    Prefect keeps a task run's parameters and its result (in the run's state and futures) in
    reference cycles with its own call objects, which only Python's full garbage collection
    frees: a run's batches - pages with their bodies, results, analyses - stayed in memory long
    after their load (up to ~50 MB of the command's at N = 1000, issue 16). What Prefect holds
    is this box, empty once the next stage has taken the value."""

    __slots__ = ("_value",)

    def __init__(self, value: Any):
        self._value = value

    def take(self) -> Any:
        value, self._value = self._value, None
        return value


class Parcel:
    """A batch handed to a task run as one opaque value: Prefect does not walk into it.

    Before a task run starts, Prefect walks its parameters (``visit_collection``, twice: for
    upstream futures and states to record as the run's inputs, and to resolve them), into every
    list, dict and dataclass: for a batch of ``PageResult``s, into every page, paragraph, token
    and mention. That walk was a quarter of the command's CPU in a 181-page run (issue 16). A
    batch holds no futures or states, so what Prefect records of the run is unchanged. Unlike a
    :class:`Handoff` it can be read more than once (a retried load reads it again); the caller
    :meth:`clear`s it once the task run returned, so that Prefect's cycles do not keep the batch."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def clear(self) -> None:
        self.value = None

    def __repr__(self) -> str:  # what Prefect would show of the parameter
        n = len(self.value) if isinstance(self.value, list) else None
        return f"Parcel({n} items)" if n is not None else "Parcel(empty)"


class _Taken:
    """A task run's future whose result (a :class:`Handoff`) is taken out when read."""

    __slots__ = ("_future",)

    def __init__(self, future):
        self._future = future

    def result(self) -> Any:
        return self._future.result().take()


def _handing_off(fn: Callable[[Any], Any]) -> Callable[[Handoff], Handoff]:
    @functools.wraps(fn)
    def stage(handoff: Handoff) -> Handoff:
        return Handoff(fn(handoff.take()))

    return stage


def task_runs(names: dict[Callable, str]) -> Callable[[Callable, Any], Any] | None:
    """``run_batches``' ``submit`` for the stage functions in ``names`` (function -> task run
    name): a Prefect task run each inside a flow, its argument and result passed as a
    :class:`Handoff` (Prefect never holds a batch once the next stage has it); None (its thread
    pool) outside one."""
    if not in_flow():
        return None
    tasks = {fn: task(_handing_off(fn), name=name, cache_policy=NO_CACHE, persist_result=False)
             for fn, name in names.items()}
    return lambda fn, arg: _Taken(tasks[fn].submit(Handoff(arg)))


def versions(cfg: Config) -> dict[str, str | None]:
    """What produced a run's rows: newsmill, the extractor and the model (None without enrichment)."""
    from newsmill.tasks.enrich import model_version
    from newsmill.tasks.extract_version import EXTRACTOR_VERSION

    return {"newsmill": __version__, "extractor": EXTRACTOR_VERSION,
            "model": model_version(cfg.enrich) if cfg.enrich.enabled else None}


class RecordedRun:
    """The ``runs`` row of one flow run: written ``running`` on enter, ``completed``, ``failed``
    (with the exception as its message, prefixed by :attr:`step` when set) or ``interrupted``
    on exit, with the counts in :attr:`counts`. The exception is never swallowed; the summary
    gets status and seconds. A warehouse that cannot be opened to record the end is logged, not
    raised over the run's own outcome.

    The row never says ``completed`` for a run that exits with an error: the room the snapshot
    needs is checked before the row is marked, and a small :class:`~newsmill.warehouse.db.Reserve`
    file taken on enter is given back when the disk fills, so ``failed`` can still be written.
    """

    def __init__(self, cfg: Config, summary: RunSummary, log: logging.Logger | logging.LoggerAdapter,
                 asked: int, versions: dict, claim: bool = False):
        self.cfg, self.summary, self.log = cfg, summary, log
        self.asked, self.versions, self.claim = asked, versions, claim
        self.counts = loader.BatchCounts()
        self.step: str | None = None
        self._started = time.monotonic()
        self.reserve = db.Reserve(cfg.load.db_path)

    def __enter__(self) -> "RecordedRun":
        from newsmill.warehouse import discovery as wdiscovery

        # `newsmill ingest` ended at once on Ctrl-C or SIGTERM until now (nothing was recorded);
        # from here a stop unwinds the run, so that its row says interrupted
        reaper.stop_by_unwinding()
        db.remove_stale_reserves(self.cfg.load.db_path, wdiscovery.pid_alive)
        self.reserve.take()  # StorageError before any row is written: nothing to contradict
        try:
            with db.writer(self.cfg.load.db_path, self.cfg.load.lock_timeout) as con:
                loader.start_run(con, self.summary.run_id, self.summary.flow, self.asked, self.versions)
                if self.claim:
                    wdiscovery.claim_run(con, self.summary.run_id)  # and mark runs whose process died
        except BaseException as e:
            stop = e if isinstance(e, _STOPS) else reaper.stop_requested()
            if stop is not None:  # the row may be committed already (start_run commits on its own)
                self._finish(stop)
            self.reserve.release()
            if stop is not None and stop is not e:
                raise type(stop)() from e
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # a stop that C code re-typed on its way out (DuckDB: "Query interrupted") is the stop
        stop = None if exc is None or isinstance(exc, _STOPS) else reaper.stop_requested()
        try:
            self._finish(exc if stop is None else stop)
        finally:
            self.reserve.release()
        if stop is not None:
            raise type(stop)() from exc

    def _finish(self, exc: BaseException | None) -> None:
        if exc is None:
            status, message = RunStatus.COMPLETED, None
        elif isinstance(exc, _STOPS):
            # Ctrl-C, or SIGTERM (the CLI turns it into KeyboardInterrupt): its batches are kept
            reaper.stopping(_exit_code(exc) == 143)  # the program's deadline runs from here, however it came
            status, message = RunStatus.INTERRUPTED, f"stopped by {_signal_name(exc)}; the batches loaded before are kept"
            self.summary.extra["exit_code"] = _exit_code(exc)
        else:
            status, message = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
            if isinstance(exc, db.WarehouseError):
                message = str(exc)  # already says what happened and what to do
        if message and self.step:
            message = f"{self.step}: {message}"
        if isinstance(exc, db.StorageError):
            self.reserve.release()  # the disk is full: the room kept for this record is needed now
        storage = None
        path, wait = self.cfg.load.db_path, self.cfg.load.lock_timeout
        try:
            with db.writer(path, wait) as con:
                if status == RunStatus.COMPLETED and self.cfg.load.snapshot:
                    db.check_snapshot_space(path)  # before the row says completed
                loader.finish_run(con, self.summary.run_id, self.counts, status, message)
                if self.cfg.load.snapshot:
                    db.publish_snapshot(con, path)
        except db.StorageError as e:
            # the loads are committed but readers cannot see them: the run has not done its job,
            # and its row and exit status say so (recorded on a fresh connection: a failed
            # checkpoint may have invalidated the first)
            storage = e
            self.reserve.release()
            if status == RunStatus.COMPLETED:
                status, message = RunStatus.FAILED, str(e)
            try:
                with db.writer(path, wait) as con:
                    loader.finish_run(con, self.summary.run_id, self.counts, status, message)
            except db.WarehouseError as e2:
                self.log.error("could not record the end of run %s: %s", self.summary.run_id, e2)
        except db.WarehouseError as e:
            self.log.error("could not record the end of run %s: %s", self.summary.run_id, e)
        if message:
            self.summary.extra["message"] = message
        self.summary.status = status.value
        self.summary.add_counts(self.counts)
        self.summary.seconds = round(time.monotonic() - self._started, 3)
        if storage is not None and exc is None:
            raise storage


def _exit_code(exc: BaseException) -> int:
    """The exit status of a command stopped by ``exc``: 128 + the signal's number."""
    if isinstance(exc, TerminationSignal):
        return 128 + int(getattr(exc, "signal", 15))
    return int(getattr(exc, "exit_code", 130))


def _signal_name(exc: BaseException) -> str:
    if isinstance(exc, TerminationSignal):
        return "SIGTERM"
    return getattr(exc, "signal_name", None) or ("Ctrl-C (SIGINT)" if isinstance(exc, KeyboardInterrupt) else "exit")
