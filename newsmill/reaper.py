"""Nothing a run started outlives it, however it ends.

A run starts child processes: Prefect's temporary API server (~200 MB) and the extract/enrich
workers (~230 MB each with spaCy). Python stops them on a normal exit, but not when the run is
killed: SIGTERM's default action skips ``atexit``, and ``kill -9`` skips everything. So:

- :func:`install` turns SIGTERM into :class:`Terminated` (a ``KeyboardInterrupt``), so that a
  terminated run unwinds like Ctrl-C: its ``runs`` row is closed as ``interrupted``, the worker
  pool and Prefect's server are stopped by their own clean-up code. A signal that lands where
  the exception would be lost or would break the process (importlib's frames, code run by
  ``exec``, C code that prints it as "ignored") is delivered again a moment later; before a run
  records anything (:func:`stop_at_once`) a stop kills the children and exits at once;
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


# Where raising the stop exception would not unwind the run, the signal is delivered again a moment
# later, at most this many times (then it is raised wherever the run is: it stops, if untidily).
REDELIVER_DELAY = 0.05  # seconds
MAX_DEFERRALS = 100


def _unsafe_to_raise(frame) -> bool:
    """Whether the stop exception raised in ``frame`` (the main thread's, as the signal handler
    sees it) would not unwind the run as it should:

    - importlib's own frames hold the global import lock or a module lock in windows no
      try/finally covers: the exception leaks the lock, and every later import, on any thread,
      waits for it forever (the run then hangs at exit instead of stopping);
    - code run by ``exec``/``eval`` of a string (dataclasses and namedtuples build their methods
      so, pydantic and Prefect define hundreds at import): CPython 3.11 remembers a
      KeyboardInterrupt that leaves such code, even one caught later, and ends the process by
      SIGINT (-2) instead of with its exit status. The outermost frame is exempt: under
      ``python -c`` the whole program is such code.
    """
    if frame is None:
        return False
    if frame.f_code.co_filename.startswith("<frozen importlib"):
        return True
    while frame.f_back is not None:
        if frame.f_code.co_filename == "<string>":
            return True
        frame = frame.f_back
    return False


_redeliver_fd: int | None = None  # write end of the pipe the re-delivery thread reads
_deferrals = 0


def _redeliver(fd: int) -> None:
    while chunk := os.read(fd, 1):
        time.sleep(REDELIVER_DELAY)
        os.kill(os.getpid(), chunk[0])


def _start_redelivery() -> None:
    # A thread started now, not in the handler: starting one there takes threading's own locks,
    # which the main thread may hold where the signal interrupted it. Writing to a pipe takes none.
    global _redeliver_fd
    if _redeliver_fd is not None:
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    threading.Thread(target=_redeliver, args=(read_end,), daemon=True, name="signal-redelivery").start()
    _redeliver_fd = write_end


def _later(signum: int) -> None:
    """Send ``signum`` to this process again in :data:`REDELIVER_DELAY` seconds."""
    if _redeliver_fd is None:
        _start_redelivery()
    with contextlib.suppress(BlockingIOError):  # the pipe is full: deliveries are queued already
        os.write(_redeliver_fd, bytes([signum]))


def _deferred(signum: int, frame) -> bool:
    global _deferrals
    if _unsafe_to_raise(frame) and _deferrals < MAX_DEFERRALS:
        _deferrals += 1
        _later(signum)
        return True
    _deferrals = 0
    return False


_stop: KeyboardInterrupt | None = None  # what the handler raised, once it did


def stop_requested() -> KeyboardInterrupt | None:
    """The stop (``Terminated`` or ``KeyboardInterrupt``) raised in this process, if one was.

    C code that the main thread was in can re-type it on its way out: DuckDB turns it into
    ``RuntimeError: Query interrupted``, pydantic-core into a ``PydanticSerializationError``.
    Whoever sees another exception while a stop was requested treats it as the stop. Only in the
    newsmill program (:func:`handle_signals` with ``program``): a caller's process (tests, the
    Python API) may go on after a stop, and its later errors are its own."""
    return _stop if _deadline_fd is not None else None


def stopping(sigterm: bool) -> None:
    """A stop reached the run another way than this module's handlers (Prefect's own SIGTERM
    handler, which it installs while a flow runs, raises ``TerminationSignal``): the program's
    deadline starts all the same."""
    global _stop
    if _stop is None:
        _arm_deadline(signal.SIGTERM if sigterm else signal.SIGINT)
        _stop = Terminated() if sigterm else KeyboardInterrupt()


# The newsmill program (not a caller's process) ends at most this long after a stop, whatever it
# was doing: the run's row is closed by then, or by the watcher after (as after kill -9). What
# can hold it: Prefect reporting the flow run's end to its temporary server, which the terminal's
# Ctrl-C or a service manager's SIGTERM to the whole group stopped too (its client retries for
# minutes); a fetch that is still reading at exit.
STOP_GRACE = 20.0  # seconds
_deadline_fd: int | None = None


def _arm_deadline(signum: int) -> None:
    if _stop is None and _deadline_fd is not None:
        with contextlib.suppress(OSError):
            os.write(_deadline_fd, bytes([signum]))


def _raise_stop(stop: KeyboardInterrupt) -> None:
    global _stop
    _arm_deadline(signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT)
    _stop = stop
    raise stop


def _deadline(fd: int) -> None:
    chunk = os.read(fd, 1)
    if chunk:
        time.sleep(STOP_GRACE)
        _exit_now(chunk[0])


def _on_sigterm(signum, frame) -> None:
    if _at_once:
        _exit_now(signum)
    if not _deferred(signum, frame):
        _raise_stop(Terminated())


def _on_sigint(signum, frame) -> None:
    if _at_once:
        _exit_now(signum)
    if not _deferred(signum, frame):
        _raise_stop(KeyboardInterrupt())


# ---- before a run records anything: a stop ends the process at once ----------------------------

_at_once = False
_watcher_pid: int | None = None


def stop_at_once() -> None:
    """From now until :func:`stop_by_unwinding`, SIGTERM or Ctrl-C ends this process at once
    (exit 143 or 130) after killing its children, instead of raising where the main thread is.

    For the seconds before a run records anything, while ``newsmill ingest`` starts its head
    start and Prefect, until its flow writes the run's row: there is nothing to unwind then, and
    what runs (Prefect's import, its settings and its temporary server, much of it pydantic-core
    calling back into Python; DuckDB's open check) can swallow the exception ("Exception ignored
    in ...", the run then goes on to its end) or turn it into another one (a
    ``PydanticSerializationError``, "Query interrupted", and a traceback). Prefect's record of a
    flow run stopped so stays "Running" (its temporary server is stopped with the rest). Only a
    process whose signals :func:`handle_signals` handles is affected."""
    global _at_once
    _at_once = _handling


def stop_by_unwinding() -> None:
    """A stop raises again (``Terminated``, ``KeyboardInterrupt``): the run is about to record
    itself, and its row must say ``interrupted``."""
    global _at_once
    _at_once = False


def _exit_now(signum: int) -> None:
    # No locks, no unwinding: the main thread may be anywhere. The watcher and
    # multiprocessing's resource tracker (which frees the workers' semaphores once they are gone)
    # are left to end on their own; the watcher also closes any row left running, as after kill -9.
    with contextlib.suppress(Exception):
        keep = {_watcher_pid, _resource_tracker_pid(), os.getpid()}
        for pid, start in _descendants(os.getpid(), _tree()).items():
            if pid not in keep and _alive(pid, start):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
    os._exit(Terminated.exit_code if signum == signal.SIGTERM else 130)


def _resource_tracker_pid() -> int | None:
    tracker = sys.modules.get("multiprocessing.resource_tracker")
    return getattr(getattr(tracker, "_resource_tracker", None), "_pid", None)


_previous_unraisablehook = None


def _on_unraisable(unraisable) -> None:
    # C code that calls back into Python where it cannot pass an exception on (pydantic-core
    # building a validator while Prefect imports, a __del__, a weakref callback) prints
    # "Exception ignored in ..." and goes on: the stop would be lost and the run go on to the end.
    # It is delivered again instead, to be raised where it unwinds the run.
    exc = unraisable.exc_value
    if isinstance(exc, KeyboardInterrupt):
        _later(signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)
        return
    (_previous_unraisablehook or sys.__unraisablehook__)(unraisable)


_handling = False


def handle_signals(program: bool = False) -> None:
    """In this process (its main thread), SIGTERM raises :class:`Terminated` and Ctrl-C
    ``KeyboardInterrupt`` where that unwinds the run: a signal that arrives where the exception
    would be lost or leave the process broken is delivered again a moment later. SIGINT is left
    alone when something other than Python's default handler has it (``nohup``, a caller's own).
    A ``program`` (the newsmill command, not a caller's process) also ends at most
    :data:`STOP_GRACE` seconds after a stop."""
    global _handling, _previous_unraisablehook, _deadline_fd
    if program and _deadline_fd is None and threading.current_thread() is threading.main_thread():
        read_end, write_end = os.pipe()
        threading.Thread(target=_deadline, args=(read_end,), daemon=True, name="stop-deadline").start()
        _deadline_fd = write_end
    if _handling or threading.current_thread() is not threading.main_thread():
        return
    _handling = True
    _start_redelivery()
    _previous_unraisablehook, sys.unraisablehook = sys.unraisablehook, _on_unraisable
    signal.signal(signal.SIGTERM, _on_sigterm)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)


_installed = False


DONE = b"done"
LOCK_WAIT = 600.0  # seconds the watcher waits for the warehouse's write lock to close a dead run's row


def install(db_path: str | None = None) -> None:
    """SIGTERM unwinds the run; a watcher process stops the run's children after it ends and,
    if it did not exit normally, closes its rows in the warehouse ``db_path``."""
    global _installed, _watcher_pid
    if _installed:
        return
    _installed = True
    handle_signals()
    if not Path("/proc/self/stat").exists() or os.environ.get("NEWSMILL_NO_REAPER"):
        return
    me = os.getpid()
    read_end, write_end = os.pipe()
    try:
        _watcher_pid = subprocess.Popen([sys.executable, "-m", "newsmill.reaper", str(me), _start_time(me) or "0", str(read_end),
                          os.path.abspath(db_path) if db_path else ""],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         close_fds=True, pass_fds=(read_end,), start_new_session=True).pid
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
