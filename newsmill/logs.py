"""Where newsmill's log records go: the terminal (by verbosity) and a Prefect run's logs.

Verbosity of the command line (``-v``/``-q`` before or after the subcommand):

====== =================================================================================
``-q``  warnings and errors only: no progress display, no per-batch lines
(none)  progress: a live display on a terminal, one plain line per batch otherwise
``-v``  also newsmill's informational logs (migrations, snapshot, dashboard written, ...)
``-vv`` newsmill's debug logs
``-vvv`` Prefect's own logs too (``PREFECT_LOGGING_LEVEL=INFO``; ``-vvvv``: DEBUG)
====== =================================================================================

Inside a flow run, :func:`to_prefect_run` sends the ``newsmill`` loggers' records to the Prefect
API as that run's logs (shown on the run's page and by ``prefect flow-run logs``), whoever runs
the flow: ``newsmill ingest`` in local mode, ``newsmill serve``, or a worker.

Only the standard library is imported here; Prefect is imported by :func:`to_prefect_run` alone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator

PROGRESS = "newsmill.progress"  # per-batch and per-phase records (see newsmill.progress)


class ConsoleHandler(logging.StreamHandler):
    """A stream handler that writes to whatever ``sys.stderr`` is at the time (pytest swaps it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


class _ConsoleFilter(logging.Filter):
    def __init__(self, newsmill_level: int, other_level: int, progress_lines: bool):
        super().__init__()
        self.newsmill_level, self.other_level, self.progress_lines = newsmill_level, other_level, progress_lines

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if name == PROGRESS or name.startswith(PROGRESS + "."):
            if record.levelno >= logging.WARNING:
                return True
            # plain progress lines off a terminal; with a live display they are drawn there instead
            return self.progress_lines and record.levelno >= logging.INFO or record.levelno >= self.newsmill_level
        if name == "newsmill" or name.startswith("newsmill."):
            return record.levelno >= self.newsmill_level
        if self.other_level >= logging.WARNING and name in _RUN_NARRATION:
            # a flow or task run's state changes and the flow's own log lines: the command prints
            # how the run ended (one line for a full disk, not three); -vvv shows them all
            return False
        if self.other_level >= logging.WARNING and _from_prefect(record):
            # Prefect's client chatter ("Still processing items", API retries) is not the user's
            # business unless it failed; -vvv shows it all
            return record.levelno >= logging.ERROR
        return record.levelno >= self.other_level


_RUN_NARRATION = ("prefect.flow_runs", "prefect.task_runs")


def _from_prefect(record: logging.LogRecord) -> bool:
    return record.name.startswith("prefect") or f"{os.sep}prefect{os.sep}" in (record.pathname or "")


def levels(verbosity: int) -> tuple[int, int, str]:
    """(newsmill console level, other libraries' console level, PREFECT_LOGGING_LEVEL) for ``-v`` count."""
    newsmill = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG) if verbosity >= 0 else logging.WARNING
    other = logging.WARNING if verbosity < 3 else (logging.INFO if verbosity == 3 else logging.DEBUG)
    prefect = "WARNING" if verbosity < 3 else ("INFO" if verbosity == 3 else "DEBUG")
    return newsmill, other, prefect


def setup_cli(verbosity: int = 0, quiet: bool = False, progress_lines: bool = True) -> None:
    """Configure the terminal for one command. Call before Prefect is imported.

    ``progress_lines``: print one plain line per batch (off a terminal); False when a live display
    draws progress instead, or with ``quiet``.
    """
    newsmill_level, other_level, prefect_level = levels(-1 if quiet else verbosity)
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_newsmill_console", False):
            root.removeHandler(h)
    handler = ConsoleHandler()
    handler._newsmill_console = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(_ConsoleFilter(newsmill_level, other_level, progress_lines and not quiet))
    root.addHandler(handler)
    root.setLevel(min(other_level, logging.WARNING))
    # Records are made at INFO at least, so a Prefect run's logs get the progress lines whatever
    # the terminal shows; -vv makes debug records too.
    logging.getLogger("newsmill").setLevel(min(newsmill_level, logging.INFO))
    # Prefect reads these at import. A level the user set in the environment wins, unless -vvv.
    if verbosity >= 3 and not quiet:
        os.environ["PREFECT_LOGGING_LEVEL"] = prefect_level
        os.environ["PREFECT_SERVER_LOGGING_LEVEL"] = prefect_level
        os.environ["PREFECT_LOGGING_SERVER_LEVEL"] = prefect_level
    else:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", prefect_level)
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "ERROR")
        os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "ERROR")


class _StampRun(logging.Filter):
    """Give records made outside Prefect's run context (plain threads) the run they belong to."""

    def __init__(self, flow_run_id: str):
        super().__init__()
        self.flow_run_id = flow_run_id

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "flow_run_id", None) is None:
            record.flow_run_id = self.flow_run_id
        return True


@contextlib.contextmanager
def to_prefect_run(flow_run_id: str | None) -> Iterator[None]:
    """While the block runs, ``newsmill.*`` records at INFO and above are also that flow run's logs.

    Without a run id (the flow body called outside Prefect, as the benchmark does) nothing changes.
    """
    if not flow_run_id:
        yield
        return
    from prefect.logging.handlers import APILogHandler

    logger = logging.getLogger("newsmill")
    if any(isinstance(h, APILogHandler) for h in logger.handlers):  # PREFECT_LOGGING_EXTRA_LOGGERS=newsmill
        yield
        return
    handler = APILogHandler()
    handler.setLevel(logging.INFO)
    handler.addFilter(_StampRun(str(flow_run_id)))
    old_level = logger.level
    if old_level == logging.NOTSET or old_level > logging.INFO:
        logger.setLevel(logging.INFO)  # under `serve` nobody configured newsmill's loggers
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        with contextlib.suppress(Exception):
            handler.flush()
        logger.setLevel(old_level)
