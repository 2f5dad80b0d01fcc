"""The CPU-bound stages (extract, then enrich) in a pool of worker processes sized to the cores.

trafilatura, BeautifulSoup and spaCy hold the GIL, so threads do not help them; processes do.
Each worker process imports the stages and loads the spaCy model once (in its initializer), then
takes chunks of fetched pages and returns :class:`PageResult` records, which pickle cheaply. The
pool is started before the first batch is fetched, so its start-up overlaps with fetching.

Small runs get one worker, not one per core: loading a model per worker costs seconds that a
handful of pages never pays back. They still get a worker, not the caller's process, because a
hostile page (one element with 200,000 attributes keeps lxml busy for a quarter of an hour) can
only be stopped from outside: see :class:`CpuPool`.

Workers are started with ``spawn``, which imports the caller's main module in each worker: a
script that calls ``run_ingest`` needs the usual ``if __name__ == "__main__":`` guard (the CLI
and Prefect deployments have it). ``NEWSMILL_POOL_START=forkserver`` (opt-in) forks them instead
from a fork server that imports the stages, loads the spaCy model and the language identifier
and warms the extractor up once (:mod:`newsmill.tasks._preload`): each worker then starts in
milliseconds, sharing that ~4 s of CPU and ~250 MB copy-on-write. It is not the default yet: in
one test session (tests/test_hostile_run.py after test_hostile_fetch/test_hostile_load) a SIGINT
sent to the run's process was lost and the run completed; the same loss was later seen with
spawned workers too, so the fork server may not be the cause, but the default waits until the
cause is known.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import gc
import hashlib
import itertools
import json
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import resource_tracker
from dataclasses import dataclass

from newsmill.config import EnrichOptions, ExtractOptions
from newsmill.outcomes import ErrorClass
from newsmill.records import FetchedPage, PageResult
from newsmill.tasks.urls import site_key

log = logging.getLogger(__name__)

SiteTexts = dict[str, list[tuple[str, str]]]

# A run with fewer URLs than this gets one worker when the pool size is automatic.
POOL_MIN_URLS = 64
# Pages per task sent to a worker: small enough to spread a batch over the workers, large enough
# that nlp.pipe batches and pickling overhead stay small.
CHUNK = 8
# A worker is replaced after this many chunks (~2000 pages): spaCy's string store and lxml's
# caches grow with every new word seen, so a long backfill would otherwise grow without bound.
# Loading the model again costs a few seconds per 2000 pages.
TASKS_PER_WORKER = 250


def pool_size(opts: ExtractOptions, urls: int) -> int:
    """Worker processes to use for a run of ``urls`` URLs. Never 0 for a run: a page that keeps a
    parser busy for minutes can only be stopped in a process of its own. ``page_timeout = 0``
    turns the budget off and lets small runs stay in-process."""
    if opts.processes >= 1:
        return opts.processes
    if urls < POOL_MIN_URLS:
        return 1 if opts.page_timeout > 0 else 0
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _guarded(fn, page: FetchedPage, what: str) -> PageResult:
    """``fn(page)``, or a recorded ``internal_error`` when it raises: whatever one page does to a
    parser (a RecursionError, a ValueError deep in a library) stays that page's outcome."""
    try:
        return fn(page)
    except Exception as e:  # noqa: BLE001 - recorded as the page's outcome, logged with its traceback
        log.exception("%s of %s raised", what, page.url)
        return PageResult(page=page, error=ErrorClass.INTERNAL_ERROR, detail=f"{what} raised {type(e).__name__}: {e}"[:500])


def process_pages(pages: Sequence[FetchedPage], extract_opts: ExtractOptions,
                  enrich_opts: EnrichOptions, site_texts: SiteTexts | None = None,
                  seqs: Sequence[int] | None = None) -> list[PageResult]:
    """Extract and (when enabled) enrich a list of pages, in this process.

    ``site_texts`` (site -> recent (canonical_url, text) of that site, from the warehouse) lets the
    lines a site repeats in every article be dropped before enrichment sees the text. A page
    larger than ``extract_opts.max_page_bytes`` is not parsed (``too_large``); any exception
    raised for one page becomes that page's ``internal_error``. ``seqs`` (in a pool worker)
    name the pages to the parent's watchdog, which stops a page that overruns its time budget.
    """
    from newsmill.tasks import boilerplate
    from newsmill.tasks import enrich as enrich_stage
    from newsmill.tasks import extract as extract_stage

    def extract_one(page: FetchedPage) -> PageResult:
        if page.ok and page.size > extract_opts.max_page_bytes:
            return PageResult(page=page, error=ErrorClass.TOO_LARGE,
                              detail=f"{page.size} bytes: over extract.max_page_bytes ({extract_opts.max_page_bytes})")
        return extract_stage.extract_page(page, extract_opts)

    results = []
    for i, page in enumerate(pages):
        _progress(seqs[i] if seqs else 0, extract_opts.page_timeout)
        results.append(_guarded(extract_one, page, "extraction"))
    _progress(0)
    if site_texts:
        try:
            results = boilerplate.strip_site_repeats(results, site_texts)
        except Exception:  # noqa: BLE001 - an optional clean-up: the pages keep their text
            log.exception("removing site boilerplate raised; the pages keep it")
    if enrich_opts.enabled and any(r.document is not None for r in results):
        # one spaCy batch for the chunk; the watchdog gives it the chunk's budget
        _progress(-(seqs[0]) if seqs else 0, extract_opts.page_timeout * len(pages))
        try:
            results = enrich_stage.enrich_results(results, enrich_opts)
        except Exception:  # noqa: BLE001 - find the page that raised: enrich one at a time
            log.exception("enriching a chunk raised; enriching its pages one at a time")
            results = [r if r.document is None else _enrich_one(enrich_stage, r, enrich_opts) for r in results]
        _progress(0)
    return results


def _enrich_one(enrich_stage, result: PageResult, opts: EnrichOptions) -> PageResult:
    try:
        return enrich_stage.enrich_results([result], opts)[0]
    except Exception as e:  # noqa: BLE001 - recorded as the page's outcome
        log.exception("enriching %s raised", result.page.url)
        return PageResult(page=result.page, error=ErrorClass.INTERNAL_ERROR,
                          detail=f"entity/quote extraction raised {type(e).__name__}: {e}"[:500])


# ---- the watchdog's view of the workers ---------------------------------------------------------
# Each worker owns one slot of a shared array: (pid, seq, started, allowance). seq > 0: extracting
# that page; seq < 0: enriching the chunk that starts with page -seq; 0: idle. The parent kills a
# worker whose slot is past its allowance; CPU-bound C code (lxml on a page with 200,000
# attributes) cannot be interrupted from inside, only stopped from outside.
_FIELDS = 4
_slots = None
_slot = -1


def _progress(seq: int, allowance: float = 0.0) -> None:
    if _slot < 0:
        return
    base = _slot * _FIELDS
    if seq:
        _slots[base + 2] = time.monotonic()
        _slots[base + 3] = allowance
    _slots[base + 1] = seq


@contextlib.contextmanager
def _signals_deferred():
    """Ctrl-C or SIGTERM that arrives while workers are being spawned takes effect once they are,
    and the workers never see Ctrl-C.

    A worker interrupted half-way through its spawn is not yet known to the pool, so stopping the
    pool would not stop it: it outlived the run and printed a traceback when it found the run's
    semaphores gone. Only the main thread receives Python signal handlers, and only it can swap
    them. On any thread, SIGINT is blocked meanwhile: a spawned worker (and the pool's manager
    thread, which spawns the replacements) keeps that signal mask, so that the Ctrl-C a terminal
    sends to the whole process group does not interrupt the workers' start-up or work with a
    traceback each. The run's process stops them itself (and its watcher if it is killed).
    """
    main = threading.current_thread() is threading.main_thread()
    got: list[int] = []
    sigs = (signal.SIGINT, signal.SIGTERM)
    old = {s: signal.signal(s, lambda signum, _frame: got.append(signum)) for s in sigs} if main else {}
    try:
        # multiprocessing's resource tracker unblocks SIGINT on the thread that starts it: first
        resource_tracker.ensure_running()
        with _sigint_blocked():
            yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        if got:
            handler = old[got[0]]
            if callable(handler):
                handler(got[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), got[0])


@contextlib.contextmanager
def _sigint_blocked():
    mask = getattr(signal, "pthread_sigmask", None)
    was = mask(signal.SIG_BLOCK, {signal.SIGINT}) if mask else {signal.SIGINT}
    try:
        yield
    finally:
        if signal.SIGINT not in was:  # a Ctrl-C held meanwhile is delivered now
            mask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


PRELOAD_ENV = "NEWSMILL__WORKER_PRELOAD"  # the fork server's warm-up: the enrich options, as JSON


def _context(enrich_opts: EnrichOptions):
    """The multiprocessing context for the workers; the fork server (once per process) is started
    here, with the model of ``enrich_opts`` loaded in it (a later pool with another model loads
    its own in each worker)."""
    method = os.environ.get("NEWSMILL_POOL_START", "spawn")
    if method not in multiprocessing.get_all_start_methods() or method == "fork":
        method = "spawn"  # fork copies the parent's threads' locks; not offered everywhere
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        from multiprocessing import forkserver

        ctx.set_forkserver_preload(["newsmill.tasks._preload"])
        # only the fork server's environment: one BLAS thread (the workers are the parallelism;
        # a BLAS pool started before fork() would be lost in the children) and what to warm up
        extra = {PRELOAD_ENV: json.dumps(dataclasses.asdict(enrich_opts)), "OPENBLAS_NUM_THREADS": "1",
                 "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        saved = {k: os.environ.get(k) for k in extra}
        os.environ.update({k: v for k, v in extra.items() if k == PRELOAD_ENV or saved[k] is None})
        try:
            if forkserver._forkserver._forkserver_pid is None:
                atexit.register(_stop_forkserver)
            forkserver.ensure_running()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return ctx


def _stop_forkserver() -> None:
    # At exit the fork server is stopped and waited for (multiprocessing leaves it to notice the
    # exit on its own, after this process is gone): nothing a run started outlives it, and its
    # workers' CPU time is accounted to this process, as a spawned worker's is.
    from multiprocessing import forkserver

    try:
        forkserver._forkserver._stop()
    except (OSError, AttributeError, ChildProcessError) as e:
        log.debug("stopping the fork server: %s", e)


def preload() -> None:
    """In the fork server: the warm-up every worker would do (see :func:`_warm`), once."""
    raw = os.environ.pop(PRELOAD_ENV, None)
    if not raw:
        return
    try:
        opts = EnrichOptions(**json.loads(raw))
    except (TypeError, ValueError) as e:
        log.debug("no worker preload: %s", e)
        return
    _warm(opts, identifier=True)


def _watch_parent(parent: int) -> None:
    # A worker whose parent is gone (killed with -9) has nobody to work for.
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(enrich_opts: EnrichOptions, slots=None, parent: int | None = None) -> None:
    global _slots, _slot
    # Ctrl-C is the run's to handle (it stops the workers): a worker spawned while SIGINT was
    # blocked (see _signals_deferred) has it blocked already, a replacement from now on
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    if parent is not None:
        # the run's process, or the fork server it started (which exits when the run's process is gone)
        threading.Thread(target=_watch_parent, args=(os.getppid() if os.getppid() != parent else parent,),
                         daemon=True, name="parent-watch").start()
    if slots is not None:
        with slots.get_lock():
            for i in range(len(slots) // _FIELDS):
                pid = int(slots[i * _FIELDS])
                if pid == 0 or not _pid_alive(pid):
                    slots[i * _FIELDS:(i + 1) * _FIELDS] = [os.getpid(), 0, 0, 0]
                    _slots, _slot = slots, i
                    break
    _warm(enrich_opts)


def _warm(enrich_opts: EnrichOptions, identifier: bool = False) -> None:
    # Load everything a chunk needs now, so that the first chunk is not slower than the rest.
    from newsmill.tasks import enrich as enrich_stage
    from newsmill.tasks import extract as extract_stage

    try:  # trafilatura, htmldate and the language model load on first use: not on a page's clock
        extract_stage.extract_document("<html><body><article><p>" + "Warm-up text for the extractor. " * 20
                                       + "</p></article></body></html>", "http://warm.up/a", ExtractOptions())
    except Exception as e:  # noqa: BLE001 - a page that fails here would fail as itself later
        log.debug("extraction warm-up failed in a worker: %s", e)
    if enrich_opts.enabled:
        try:
            enrich_stage.enrich_texts(["Warm-up sentence by Jane Doe in London."], enrich_opts)
        except Exception as e:  # noqa: BLE001 - the real error surfaces again on the first chunk
            log.warning("enrichment warm-up failed in a worker: %s", e)
        if identifier:  # the language identifier (~80 MB), which the first article not declared English loads
            try:
                enrich_stage._identifier()
            except Exception as e:  # noqa: BLE001 - loaded (or failing) again by the first such article
                log.debug("language identifier warm-up failed: %s", e)
    # The modules and the model loaded (a few hundred thousand objects) live as long as the
    # worker: the cyclic collector need not scan them again in every full collection (~15% of a
    # worker's CPU on the 181 benchmark pages), and, in a worker forked from the fork server,
    # scanning them would write to each object's header and so copy the pages it shares.
    gc.freeze()


def skip_unchanged(pages: Iterable[FetchedPage], known: dict[str, str]) -> list[FetchedPage]:
    """Pages whose body is byte-for-byte the one their article was built from become "not
    modified", as a 304 would: no extraction, no enrichment, recorded as unchanged.

    ``known`` maps a URL to the sha256 of that body (``articles.raw_html_id``). This is the
    re-run path for sites that send no ETag / Last-Modified, or ignore If-None-Match.
    """
    return [unchanged_as_304(p, known) for p in pages]


def unchanged_as_304(page: FetchedPage, known: dict[str, str]) -> FetchedPage:
    """One page of :func:`skip_unchanged`."""
    digest = known.get(page.url) if known else None
    if digest and page.ok and hashlib.sha256(page.body).hexdigest() == digest:
        return dataclasses.replace(page, body=None, encoding=None, not_modified=True,
                                   error_detail="body unchanged since the last load (same sha256)")
    return page


class PoolClosed(RuntimeError):
    """The pool was closed (the run is ending): it takes no more pages, and chunks not done
    are abandoned. Whoever closed it is unwinding the run; this is not a failure of its own."""


@dataclass
class _Chunk:
    items: list[tuple[int, FetchedPage]]  # (seq, page)
    alone: bool = False  # split off to find which page kills its worker
    future: Future | None = None
    gen: int = 0


class CpuPool:
    """Extract+enrich on worker processes that can be stopped, or in-process when ``processes`` is 0.

    A page gets ``extract.page_timeout`` seconds (a chunk's enrichment that many per page): a
    worker past it is killed, the page is recorded as ``extract_timeout`` (or ``enrich_timeout``)
    and the rest of its chunk, and the chunks the broken pool dropped, run again on fresh workers.
    A worker that dies on its own (a crash, the OOM killer) is handled the same way: the pages
    it had run again one at a time, and the one that kills its worker again is recorded.

    With ``lazy=True`` the workers start only when a page with a body arrives, so that a re-run
    whose pages all come back 304 never pays for starting them and loading the model.
    :meth:`stream` hands pages over in chunks as they arrive from the fetcher, so the workers
    start on the first pages of a batch while the rest are still being fetched.
    """

    def __init__(self, processes: int, extract_opts: ExtractOptions, enrich_opts: EnrichOptions,
                 lazy: bool = False, site_texts: SiteTexts | None = None):
        self.processes = processes
        # chunks handed over by stream() wait here for run(); in-process work stays on one thread
        self._feeder = ThreadPoolExecutor(max_workers=2 * processes + 2 if processes > 0 else 1,
                                          thread_name_prefix="cpu-chunks")
        self.site_texts = site_texts or {}
        self.extract_opts = extract_opts
        # The workers are the parallelism: spaCy inside a worker must not start its own pool.
        self.enrich_opts = dataclasses.replace(enrich_opts, processes=1)
        self._pool: ProcessPoolExecutor | None = None
        self._gen = 0
        self._lock = threading.RLock()
        self._ctx = None  # chosen (and the fork server started) with the first workers
        self._slots = None
        self._seq = itertools.count(1)
        self._killed: dict[int, float] = {}  # seq (or -first seq of an enrich chunk) -> seconds it ran
        self._kill_gens: set[int] = set()  # pool generations in which the watchdog killed a worker
        self._closed = threading.Event()
        # held to hand a chunk to the feeder and to close: nothing is submitted once closing began
        self._handover = threading.Lock()
        self._monitor: threading.Thread | None = None
        if processes > 0 and not lazy:
            try:
                self._current()
            except BaseException:  # Ctrl-C while the workers start: nobody else holds the pool yet
                self.terminate()
                raise

    # -- the pool and its watchdog --

    def _start(self) -> None:
        with _signals_deferred():
            self._start_now()

    def _start_now(self) -> None:
        # spawn, not fork: the parent runs Prefect's threads, and forking a threaded process
        # can copy a held lock into the child.
        if self._ctx is None:
            self._ctx = _context(self.enrich_opts)
        if self._slots is None:
            self._slots = self._ctx.Array("d", (self.processes * 4 + 8) * _FIELDS)
        self._gen += 1
        self._pool = ProcessPoolExecutor(
            max_workers=self.processes, mp_context=self._ctx, initializer=_init_worker,
            initargs=(self.enrich_opts, self._slots, os.getpid()), max_tasks_per_child=TASKS_PER_WORKER)
        # start the workers now, so that their start-up overlaps with the first fetch (forked from
        # the fork server, they start with the first chunk: its start-up began in _context, and
        # a fork waits for its warm-up, which must not hold up the caller's thread)
        if self._ctx.get_start_method() != "forkserver":
            for _ in range(self.processes):
                self._pool.submit(os.getpid)
        if self._monitor is None and self.extract_opts.page_timeout > 0:
            self._monitor = threading.Thread(target=self._watch, daemon=True, name="cpu-watchdog")
            self._monitor.start()

    def _current(self) -> tuple[ProcessPoolExecutor, int]:
        with self._lock:
            if self._closed.is_set():  # a chunk still queued when the run stopped starts nothing
                raise PoolClosed("the worker pool was closed")
            if self._pool is None:
                self._start()
            return self._pool, self._gen

    def _restart(self, gen: int) -> None:
        with self._lock:
            if self._gen != gen or self._pool is None:
                return  # another chunk of that pool restarted it already
            old, self._pool = self._pool, None
            procs = list((getattr(old, "_processes", None) or {}).values())
        old.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.kill()
        self._forget({proc.pid for proc in procs})
        log.info("worker pool restarted after a worker was stopped or died")

    def _forget(self, pids: set[int]) -> None:
        """Free the slots of workers that are gone: what they were doing is no longer timed."""
        with self._slots.get_lock():
            for i in range(len(self._slots) // _FIELDS):
                if int(self._slots[i * _FIELDS]) in pids:
                    self._slots[i * _FIELDS:(i + 1) * _FIELDS] = [0, 0, 0, 0]

    def _watch(self) -> None:
        slots = self._slots
        n = len(slots) // _FIELDS
        while not self._closed.wait(0.25):
            now = time.monotonic()
            table = slots[:]
            with self._lock:
                live = set((getattr(self._pool, "_processes", None) or {}).keys()) if self._pool else set()
            for i in range(n):
                pid, seq, started, allowance = table[i * _FIELDS:(i + 1) * _FIELDS]
                if not pid or not seq or allowance <= 0 or now - started <= allowance:
                    continue
                if int(pid) not in live:  # a worker of a pool torn down already
                    continue
                with self._lock:
                    self._killed[int(seq)] = now - started
                    self._kill_gens.add(self._gen)
                slots[i * _FIELDS + 1] = 0
                log.warning("a worker spent %.0fs on one %s (over extract.page_timeout): stopping it",
                            now - started, "page" if seq > 0 else "chunk's enrichment")
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)

    # -- running pages --

    def stream(self, pages: Iterable[FetchedPage], chunk: int = CHUNK) -> list[Future]:
        """Hand ``pages`` over ``chunk`` at a time as the iterable yields them (each chunk goes
        through :meth:`run`); returns the futures of the chunks' results, in order.

        Raises :class:`PoolClosed` if the pool is closed meanwhile: the rest of ``pages`` is not
        consumed (an iterator with ``close()``, such as ``fetch_pages``, is closed so that it stops
        fetching)."""
        futures: list[Future] = []
        pending: list[FetchedPage] = []

        def hand_over() -> None:
            with self._handover:
                if self._closed.is_set():
                    raise PoolClosed("the worker pool was closed while pages were being fetched")
                futures.append(self._feeder.submit(self.run, list(pending)))
            pending.clear()

        try:
            for page in pages:
                pending.append(page)
                if len(pending) >= chunk or self._closed.is_set():
                    hand_over()
            if pending:
                hand_over()
        except PoolClosed:
            close = getattr(pages, "close", None)
            if close is not None:
                close()
            raise
        return futures

    def run(self, pages: Sequence[FetchedPage]) -> list[PageResult]:
        """One result per page, in the order of ``pages``; never raises for what a page contains."""
        pages = list(pages)
        if self.processes <= 0 or not any(p.ok for p in pages):
            return process_pages(pages, self.extract_opts, self.enrich_opts, self._texts_for(pages))
        seqs = [next(self._seq) for _ in pages]
        size = max(1, min(CHUNK, -(-len(pages) // self.processes)))
        pending = deque(_Chunk(list(zip(seqs[i:i + size], pages[i:i + size])))
                        for i in range(0, len(pages), size))
        done: dict[int, PageResult] = {}
        inflight: list[_Chunk] = []
        while pending or inflight:
            if self._closed.is_set():  # terminate() killed the workers: their chunks are abandoned
                raise PoolClosed("the worker pool was closed")
            while pending:
                c = pending.popleft()
                pool, gen = self._current()
                chunk_pages = [p for _, p in c.items]
                try:
                    c.future = pool.submit(process_pages, chunk_pages, self.extract_opts, self.enrich_opts,
                                           self._texts_for(chunk_pages), [s for s, _ in c.items])
                except (BrokenProcessPool, RuntimeError):  # broken or shut down under us
                    self._restart(gen)
                    pending.appendleft(c)
                    continue
                c.gen = gen
                inflight.append(c)
            # bounded, so that a pool closed under us is noticed even if its futures never settle
            wait([c.future for c in inflight], timeout=0.5, return_when=FIRST_COMPLETED)
            for c in [c for c in inflight if c.future.done()]:
                inflight.remove(c)
                try:
                    for (seq, _), r in zip(c.items, c.future.result()):
                        done[seq] = r
                except BrokenProcessPool:
                    self._restart(c.gen)
                    pending.extend(self._recover(c, done))
                except Exception as e:  # noqa: BLE001 - e.g. a result that cannot be pickled back
                    if len(c.items) > 1:
                        pending.extend(_Chunk([it], alone=True) for it in c.items)
                    else:
                        seq, page = c.items[0]
                        done[seq] = PageResult(page=page, error=ErrorClass.INTERNAL_ERROR,
                                               detail=f"processing raised {type(e).__name__}: {e}"[:500])
        return [done[s] for s in seqs]

    def _recover(self, c: _Chunk, done: dict[int, PageResult]) -> list[_Chunk]:
        """What to run again of a chunk whose worker pool broke, after recording the culprits."""
        budget = self.extract_opts.page_timeout
        with self._lock:
            slow = {s: self._killed.pop(s) for s, _ in c.items if s in self._killed}
            enrich_slow = self._killed.pop(-c.items[0][0], None)
            bystander = c.gen in self._kill_gens
        if slow:
            for seq, page in c.items:
                if seq in slow:
                    done[seq] = PageResult(page=page, error=ErrorClass.EXTRACT_TIMEOUT, detail=(
                        f"parsing and extraction ran {slow[seq]:.0f}s, over extract.page_timeout ({budget:g}s): "
                        "the worker was stopped"))
            rest = [it for it in c.items if it[0] not in slow]
            return [_Chunk(rest, c.alone)] if rest else []
        if enrich_slow is not None:
            if len(c.items) > 1:
                return [_Chunk([it], alone=True) for it in c.items]
            seq, page = c.items[0]
            done[seq] = PageResult(page=page, error=ErrorClass.ENRICH_TIMEOUT, detail=(
                f"entity and quote extraction ran {enrich_slow:.0f}s, over extract.page_timeout ({budget:g}s): "
                "the worker was stopped"))
            return []
        if bystander:
            return [_Chunk(c.items, c.alone)]  # stopped with a pool that broke for another page
        if len(c.items) > 1 or not c.alone:
            return [_Chunk([it], alone=True) for it in c.items]
        seq, page = c.items[0]
        done[seq] = PageResult(page=page, error=ErrorClass.INTERNAL_ERROR, detail=(
            "the worker process died while processing this page alone (a crash in a parser, or out of memory)"))
        return []

    def _texts_for(self, pages: Sequence[FetchedPage]) -> SiteTexts:
        # only the sites of this chunk travel to the worker (by the fetched URL's host: the
        # canonical URL is not known before extraction, and is almost always on the same host)
        if not self.site_texts:
            return {}
        sites = {site_key(p.final_url or p.url) for p in pages}
        return {s: self.site_texts[s] for s in sites if s in self.site_texts}

    def _stop_handover(self) -> None:
        """From now on nothing is handed to the workers; chunks waiting for them are dropped."""
        with self._handover:
            self._closed.set()
            self._feeder.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._stop_handover()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "CpuPool":
        return self

    def terminate(self) -> None:
        """Stop the workers now, mid-page if need be (the run is being interrupted)."""
        self._stop_handover()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            procs = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:
                with contextlib.suppress(Exception):
                    proc.kill()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and not issubclass(exc_type, Exception):  # Ctrl-C, SIGTERM
            self.terminate()
        else:
            self.close()


def collect(futures: Sequence[Future]) -> list[PageResult]:
    """The results of :meth:`CpuPool.stream`'s futures, in order. Raises :class:`PoolClosed` when
    the pool was closed before a chunk was done (the run is ending)."""
    out: list[PageResult] = []
    for f in futures:
        try:
            out.extend(f.result())
        except CancelledError:
            raise PoolClosed("the worker pool was closed before this chunk ran") from None
    return out
