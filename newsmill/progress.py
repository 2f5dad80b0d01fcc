"""Progress of a run, as log records that any display can follow.

A run reports its phases and batches through :class:`RunProgress`, which writes records to the
``newsmill.progress`` logger with the event attached (``record.newsmill_progress``). What happens
to them depends on where the run is:

* ``newsmill ingest`` / ``reenrich`` on a terminal: :class:`LiveDisplay` (a ``rich`` progress
  bar) draws phase, URLs done / failed / unchanged, articles per second and the ETA;
* off a terminal (cron, CI): one plain log line per batch (the batch records are INFO);
* under ``newsmill serve`` or a worker: the same lines go to the Prefect run's logs
  (:func:`newsmill.logs.to_prefect_run`);
* ``--quiet``: nowhere.

:class:`RunProgress` also times the phases (busy seconds per stage; the stages of different
batches overlap), which the run summary reports. Only the standard library is imported here;
``rich`` is imported by :class:`LiveDisplay`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from newsmill.logs import PROGRESS

log = logging.getLogger(PROGRESS)

PHASES = ("starting Prefect", "discovering", "fetching", "processing", "loading", "finishing")
STAGES = ("discovery", "fetch", "process", "load")


class RunProgress:
    """Phases, batch counts and stage timings of one run.

    Thread-safe: fetch and process run on other threads than load. ``timings()`` gives the wall
    clock of the run body, discovery and the batches, and the busy seconds of each stage.
    """

    def __init__(self, flow: str = "ingest"):
        self.flow = flow
        self._lock = threading.Lock()
        self.started = time.time()  # epoch: the command compares it with when it called the flow
        self._t0 = time.monotonic()
        self.busy: dict[str, float] = {s: 0.0 for s in STAGES}
        self.walls: dict[str, float] = {}
        self.total = 0
        self.batches = 0
        self.done = self.failed = self.unchanged = self.new = self.updated = 0
        self._batch = 0

    def emit(self, level: int, message: str, *args: Any, **event: Any) -> None:
        log.log(level, message, *args, extra={"newsmill_progress": {"flow": self.flow, **event}})

    def phase(self, name: str, detail: str = "") -> None:
        self.emit(logging.DEBUG, "%s%s", name, f" ({detail})" if detail else "", event="phase", phase=name)

    def set_total(self, urls: int, batches: int) -> None:
        self.total, self.batches = urls, batches
        self.emit(logging.INFO, "%d URLs to fetch in %d batches", urls, batches,
                  event="total", urls=urls, batches=batches)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time one stage's work on one batch (busy seconds add up across overlapping batches)."""
        if name in ("fetch", "process", "load"):
            self.phase({"fetch": "fetching", "process": "processing", "load": "loading"}[name])
        t = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self.busy[name] = self.busy.get(name, 0.0) + time.monotonic() - t

    @contextlib.contextmanager
    def wall(self, name: str) -> Iterator[None]:
        t = time.monotonic()
        try:
            yield
        finally:
            self.walls[name] = self.walls.get(name, 0.0) + time.monotonic() - t

    def batch(self, urls: int, new: int, updated: int, unchanged: int, failed: int) -> None:
        """One batch loaded: ``urls`` URLs, of which these outcomes."""
        with self._lock:
            self._batch += 1
            self.done += urls
            self.new += new
            self.updated += updated
            self.unchanged += unchanged
            self.failed += failed
            elapsed = max(1e-6, time.monotonic() - self._t0)
            n, done = self._batch, self.done
        of = f"/{self.batches}" if self.batches else ""
        total = f"/{self.total}" if self.total else ""
        self.emit(logging.INFO, "batch %d%s: %d URLs, %d new, %d updated, %d unchanged, %d failed; "
                  "%d%s URLs done, %.1f URLs/s", n, of, urls, new, updated, unchanged, failed, done, total,
                  done / elapsed, event="batch", batch=n, urls=urls, new=new, updated=updated,
                  unchanged=unchanged, failed=failed, done=done)

    def timings(self) -> dict[str, Any]:
        """Seconds: ``body`` (the run's own wall clock), ``discovery`` and ``batches`` (wall),
        ``fetch``/``process``/``load`` (busy, overlapping), and ``started_at`` (epoch)."""
        out: dict[str, Any] = {"started_at": self.started, "body": round(time.monotonic() - self._t0, 3)}
        out.update({k: round(v, 3) for k, v in self.walls.items()})
        out.update({k: round(v, 3) for k, v in self.busy.items() if k != "discovery" or v})
        return out


def split(command_started: float, called_at: float, finished: float,
          timings: dict[str, Any] | None) -> list[tuple[str, float]]:
    """The command's wall time cut into consecutive parts that add up to it (epoch seconds in).

    ``command_started``: when the command began; ``called_at``: when it called the flow (after
    its own checks, before importing Prefect); ``finished``: when the flow had returned;
    ``timings``: what :meth:`RunProgress.timings` returned inside the run.
    """
    if not timings or "started_at" not in timings:
        return []
    body = float(timings.get("body", 0.0))
    discovery = float(timings.get("discovery", 0.0))
    batches = float(timings.get("batches", 0.0))
    prefect = max(0.0, timings["started_at"] - called_at)
    parts = [("startup", max(0.0, called_at - command_started)), ("Prefect start", prefect)]
    if discovery:
        parts.append(("discovery", discovery))
    parts.append(("batches", batches))
    parts.append(("bookkeeping", max(0.0, body - discovery - batches)))
    parts.append(("after the run", max(0.0, finished - called_at - prefect - body)))
    return parts


def format_split(command_started: float, called_at: float, finished: float, timings: dict[str, Any] | None) -> str:
    """``"startup 0.4s, Prefect start 8.1s, ... (in the batches, busy: fetch 3.0s, ...)"``, or ""."""
    parts = split(command_started, called_at, finished, timings)
    if not parts:
        return ""
    text = ", ".join(f"{name} {sec:.1f}s" for name, sec in parts)
    busy = [(s, float(timings[s])) for s in ("fetch", "process", "load") if timings and s in timings]
    if busy:
        text += "; in the batches, busy: " + ", ".join(f"{s} {v:.1f}s" for s, v in busy) + " (they overlap)"
    return text


class LiveDisplay(logging.Handler):
    """A live ``rich`` progress bar fed by ``newsmill.progress`` records (install on a terminal)."""

    def __init__(self, title: str = "ingest"):
        super().__init__(logging.DEBUG)
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)  # noqa: I001

        self.console = Console(stderr=True)
        # fits 100 columns; rich drops nothing, so keep it short
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}[/] {task.fields[phase]:<16}"),
            BarColumn(bar_width=16),
            MofNCompleteColumn(),
            TextColumn("URLs [green]{task.fields[new]} new[/] {task.fields[updated]} upd "
                       "{task.fields[unchanged]} same [red]{task.fields[failed]} failed[/]"),
            TextColumn("{task.fields[rate]}"),
            TextColumn("ETA"), TimeRemainingColumn(compact=True),
            TimeElapsedColumn(),
            console=self.console, transient=False, refresh_per_second=8)
        self.task = self.progress.add_task(title, total=None, phase="starting", new=0, updated=0, unchanged=0,
                                           failed=0, rate="")
        self._t0 = time.monotonic()
        self._articles = 0

    def __enter__(self) -> "LiveDisplay":
        self.progress.start()
        logger = logging.getLogger(PROGRESS)
        self._level = logger.level
        logger.setLevel(logging.DEBUG)  # phase records are DEBUG: drawn here, not printed as lines
        logger.addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logger = logging.getLogger(PROGRESS)
        logger.removeHandler(self)
        logger.setLevel(self._level)
        self.progress.stop()

    def emit(self, record: logging.LogRecord) -> None:
        ev = getattr(record, "newsmill_progress", None)
        if not ev:
            return
        try:
            kind = ev.get("event")
            if kind == "phase":
                self.progress.update(self.task, phase=ev["phase"])
            elif kind == "total":
                self._t0 = time.monotonic()  # the rate counts from the first batch, not Prefect's start
                self.progress.update(self.task, total=ev["urls"] or None, completed=0)
            elif kind == "batch":
                self._articles += ev["new"] + ev["updated"]
                elapsed = max(1e-6, time.monotonic() - self._t0)
                t = self.progress.tasks[0]
                self.progress.update(
                    self.task, completed=ev["done"], new=t.fields["new"] + ev["new"],
                    updated=t.fields["updated"] + ev["updated"], unchanged=t.fields["unchanged"] + ev["unchanged"],
                    failed=t.fields["failed"] + ev["failed"],
                    rate=f"{self._articles / elapsed:.1f} art/s")
        except Exception:  # noqa: BLE001 - a display must never break a run
            self.handleError(record)


def phase(name: str, flow: str = "ingest") -> None:
    """Announce a phase outside a run body (the command: "starting Prefect")."""
    log.debug("%s", name, extra={"newsmill_progress": {"flow": flow, "event": "phase", "phase": name}})


@contextlib.contextmanager
def display(enabled: bool, title: str) -> Iterator[LiveDisplay | None]:
    """A :class:`LiveDisplay` while the block runs when ``enabled`` (a terminal, not ``--quiet``)."""
    if not enabled:
        yield None
        return
    with LiveDisplay(title) as live:
        yield live
