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
- When the run's process ended without exiting normally (``kill -9``, a crash: its exit
  handlers never told the watcher "done" through a pipe), the watcher then waits for the
  warehouse's write lock and marks that process's ``running`` rows ``interrupted`` (their counts
  are what their batches committed), and removes its disk reserve file. A normal exit costs the
  warehouse nothing: the watcher does not open it.

Linux only (it reads ``/proc``); elsewhere :func:`install` only sets the SIGTERM handler.
"""

from __future__ import annotations

import atexit
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


def _in_import_machinery(frame) -> bool:
    # importlib's own frames hold the global import lock or a module lock in windows no
    # try/finally covers: an exception raised there leaks the lock, and every later import,
    # on any thread, waits for it forever (the run then hangs at exit instead of stopping).
    return frame is not None and frame.f_code.co_filename.startswith("<frozen importlib")


def _later(signum: int) -> None:
    t = threading.Timer(0.05, os.kill, (os.getpid(), signum))
    t.daemon = True
    t.start()


def _on_sigterm(signum, frame) -> None:
    if _in_import_machinery(frame):
        _later(signum)
        return
    raise Terminated()


def _on_sigint(signum, frame) -> None:
    if _in_import_machinery(frame):
        _later(signum)
        return
    raise KeyboardInterrupt


_installed = False


DONE = b"done"
LOCK_WAIT = 600.0  # seconds the watcher waits for the warehouse's write lock to close a dead run's row


def install(db_path: str | None = None) -> None:
    """SIGTERM unwinds the run; a watcher process stops the run's children after it ends and,
    if it did not exit normally, closes its rows in the warehouse ``db_path``."""
    global _installed
    if _installed:
        return
    _installed = True
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _on_sigint)
    if not Path("/proc/self/stat").exists() or os.environ.get("NEWSMILL_NO_REAPER"):
        return
    me = os.getpid()
    read_end, write_end = os.pipe()
    try:
        subprocess.Popen([sys.executable, "-m", "newsmill.reaper", str(me), _start_time(me) or "0", str(read_end),
                          os.path.abspath(db_path) if db_path else ""],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         close_fds=True, pass_fds=(read_end,), start_new_session=True)
    except OSError:
        os.close(write_end)
        return
    finally:
        os.close(read_end)
    # Exit handlers run on every normal exit (Ctrl-C and SIGTERM included: they unwind), never
    # after kill -9 or a crash of the interpreter.
    atexit.register(_done, write_end)


def _done(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.write(fd, DONE)
        os.close(fd)


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


def _exited_normally(fd: int) -> bool:
    """Whether the run's process said "done" on the pipe before it went (read once it is gone)."""
    got = b""
    with contextlib.suppress(OSError):
        os.set_blocking(fd, False)
        while chunk := os.read(fd, 64):
            got += chunk
    return DONE in got


def close_dead_runs(db_path: str, pid: int, lock_wait: float = LOCK_WAIT) -> list[str]:
    """Mark the ``running`` rows of this machine's process ``pid`` (gone) ``interrupted`` once the
    write lock is free, and remove its reserve file. Returns the run ids so marked."""
    from newsmill.warehouse import db
    from newsmill.warehouse import discovery as wdiscovery

    if not Path(db_path).exists():
        return []
    with db.writer(db_path, lock_wait) as con:
        marked = wdiscovery.interrupt_runs_of(con, pid)
    db.remove_stale_reserves(db_path, wdiscovery.pid_alive)
    return marked


if __name__ == "__main__":
    for s in (signal.SIGINT, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)
    parent = int(sys.argv[1])
    watch(parent, sys.argv[2])
    if len(sys.argv) > 4 and sys.argv[4] and not _exited_normally(int(sys.argv[3])):
        from newsmill.warehouse.db import WarehouseError

        # nobody reads this process's output: a warehouse it cannot open is the next run's to find
        with contextlib.suppress(WarehouseError):
            close_dead_runs(sys.argv[4], parent)
