"""The one pipelining loop: fetch batch N+1 while batch N is processed and batch N-1 loaded.

Used by the ``ingest`` flow (stages as Prefect task runs), the scale-out worker (loading means
writing a staging folder) and the benchmark (the same loop without a flow). It imports no
Prefect: the caller says how a stage is started with ``submit``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Pending(Protocol):
    """A started stage: a ``concurrent.futures.Future`` or a Prefect ``PrefectFuture``."""

    def result(self) -> Any: ...


Submit = Callable[..., Pending]


def batches(items: Sequence[T], size: int) -> list[list[T]]:
    """``items`` cut into lists of ``size`` (the last one shorter)."""
    size = max(1, size)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def run_batches(work: Sequence[list[str]], fetch: Callable[[list[str]], Any], process: Callable[[Any], Any],
                load: Callable[[Any], Any], submit: Submit | None = None, queued: int = 2,
                started: Sequence[Pending] = ()) -> int:
    """Run ``load(process(fetch(batch)))`` for every batch of ``work``, overlapped; returns the
    number of batches loaded.

    One fetch is in flight at a time (so per-host politeness limits hold across batches), and up
    to ``queued`` batches wait on ``process``, so a worker process that finishes its part of batch
    N starts on batch N+1 instead of idling. ``load`` runs in the calling thread, in batch order.
    At most ``queued`` + 2 batches are in memory, whatever the number of URLs.

    ``submit(stage, arg)`` starts ``fetch`` or ``process`` and returns something with
    ``.result()`` (the ingest flow makes each a Prefect task run); by default they run on a
    private thread pool. An exception from any stage stops the loop and is raised here; batches
    not yet started are not started.

    ``started`` are the fetches of the first batches, already running (a head start begun before
    the loop, see :class:`HeadStart`); the loop's own fetches continue after them.
    """
    threads = None
    if submit is None:
        threads = ThreadPoolExecutor(max_workers=queued + 1, thread_name_prefix="batches")
        submit = threads.submit
    loaded = 0

    # each head-start fetch is let go once taken, so that its batch's pages are freed after its
    # load like any other batch's, not held (with their bodies and results) until the run ends
    started = list(started)

    def fetch_at(i: int) -> Pending | None:
        if i >= len(work):
            return None
        if i < len(started):
            pending, started[i] = started[i], None
            return pending
        return submit(fetch, work[i])

    try:
        fetching = fetch_at(0)
        processing: deque = deque()
        for i in range(len(work)):
            pages = fetching.result()
            fetching = fetch_at(i + 1)
            processing.append(submit(process, pages))
            del pages
            if len(processing) >= queued:
                load(processing.popleft().result())
                loaded += 1
        while processing:
            load(processing.popleft().result())
            loaded += 1
    finally:
        if threads is not None:
            threads.shutdown(wait=False, cancel_futures=True)
    return loaded


class HeadStart:
    """The fetches of a run's first ``count`` batches, one after another on a thread of their
    own, begun before the run itself (while Prefect's temporary server starts); hand
    :attr:`started` to :func:`run_batches`."""

    def __init__(self, work: Sequence[list[str]], fetch: Callable[[list[str]], Any], count: int = 2):
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="head-start")
        self.started: list[Pending] = [self._thread.submit(fetch, b) for b in list(work)[:max(0, count)]]

    def close(self) -> None:
        """Stop fetching the batches not begun yet; a fetch under way finishes on its thread."""
        self._thread.shutdown(wait=False, cancel_futures=True)
