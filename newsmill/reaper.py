"""Nothing a run started outlives it, however it ends.

A run starts child processes: Prefect's temporary API server (~200 MB) and the extract/enrich
workers (~230 MB each with spaCy). Python stops them on a normal exit, but not when the run is
killed: SIGTERM's default action skips ``atexit``, and ``kill -9`` skips everything. So:

- :func:`install` turns SIGTERM into :class:`Terminated` (a ``KeyboardInterrupt``), so that a
  terminated run unwinds like Ctrl-C: its ``runs`` row is closed as ``interrupted``, the worker
  pool and Prefect's server are stopped by their own clean-up code;
- and it starts a small watcher process in its own session (so a Ctrl-C or a signal to the
  terminal's process group does not reach it) that notes the run's descendants twice a second
  and, once the run's process is gone, sends them SIGTERM, then SIGKILL after a grace period.
  That covers ``kill -9`` and a crash of the interpreter itself.

Linux only (it reads ``/proc``); elsewhere :func:`install` only sets the SIGTERM handler.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

POLL = 0.5  # seconds between looks at the process tree
GRACE = 5.0  # seconds between SIGTERM and SIGKILL for the leftovers


class Terminated(KeyboardInterrupt):
    """The process was sent SIGTERM: unwind as for Ctrl-C, then exit with 143."""

    signal_name = "SIGTERM"
    exit_code = 143


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


_installed = False


def install() -> None:
    """SIGTERM unwinds the run; a watcher process stops the run's children after it ends."""
    global _installed
    if _installed:
        return
    _installed = True
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    if not Path("/proc/self/stat").exists() or os.environ.get("NEWSMILL_NO_REAPER"):
        return
    me = os.getpid()
    with contextlib.suppress(OSError):
        subprocess.Popen([sys.executable, "-m", "newsmill.reaper", str(me), _start_time(me) or "0"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         close_fds=True, start_new_session=True)


# ---- the watcher process ------------------------------------------------------------------------

def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def _start_time(pid: int) -> str | None:
    st = _stat(pid)
    return st[19] if st else None  # field 22 of proc(5): start time, in clock ticks since boot


def _alive(pid: int, start: str) -> bool:
    st = _stat(pid)
    return st is not None and st[19] == start and st[0] not in ("Z", "X")


def _tree() -> dict[int, list[tuple[int, str]]]:
    """Parent pid -> [(pid, start time)] for every process."""
    kids: dict[int, list[tuple[int, str]]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st:
                kids.setdefault(int(st[1]), []).append((int(name), st[19]))
    return kids


def _descendants(root: int, kids: dict[int, list[tuple[int, str]]]) -> dict[int, str]:
    out, todo = {}, [root]
    while todo:
        for pid, start in kids.get(todo.pop(), ()):
            if pid not in out:
                out[pid] = start
                todo.append(pid)
    return out


def watch(parent: int, parent_start: str) -> None:
    me = os.getpid()
    known: dict[int, str] = {}
    while _alive(parent, parent_start):
        known.update(_descendants(parent, _tree()))
        known.pop(me, None)
        known = {p: s for p, s in known.items() if _alive(p, s)}
        time.sleep(POLL)
    # The parent is gone and its children were handed to init: stop the ones it left, and
    # whatever they started since.
    kids = _tree()
    left = {p: s for p, s in known.items() if _alive(p, s)}
    for pid in list(left):
        left.update(_descendants(pid, kids))
    left.pop(me, None)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid, start in left.items():
            if _alive(pid, start):
                with contextlib.suppress(OSError):
                    os.kill(pid, sig)
        deadline = time.monotonic() + GRACE
        while time.monotonic() < deadline and any(_alive(p, s) for p, s in left.items()):
            time.sleep(0.1)


if __name__ == "__main__":
    for s in (signal.SIGINT, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)
    watch(int(sys.argv[1]), sys.argv[2])
