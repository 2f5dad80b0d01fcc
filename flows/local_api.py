"""Prefect's temporary API server for one ``newsmill`` command, started before Prefect is imported.

Without ``PREFECT_API_URL`` Prefect runs a flow against a temporary server it starts itself
("local mode"), once the flow is called: after the command has imported Prefect, and after
importing the server's whole API (FastAPI routes, the ORM, ~3 s of CPU) into the command's own
process only to launch it in a subprocess that imports it all again. The server's start (~4-5 s
of CPU) thus waited for everything before it, and the command paid for the API twice.

:func:`start` starts the same server (Prefect's app, ``create_app(ephemeral=True, final=True)``,
as Prefect's temporary server runs it: no UI, ephemeral services) as the command's first act,
on a socket bound here, and points ``PREFECT_API_URL`` at it; Prefect's import, the worker pool
and the first fetches then run while it starts. :func:`wait_ready` waits for its health check
before the flow is called; :func:`stop` ends it (as Prefect's local mode does at exit).

By default the server runs on a thread of the command (uvicorn, its own event loop): Prefect's
client modules, which the command imports anyway and the server's app is built on, are then
imported and held once instead of twice. Against the server in a process of its own that saved
about 2.3 CPU-seconds of a one-shot run (the server's start fell from ~5.5 to ~3 s of CPU) and
~90 MB of memory (issue 16). ``NEWSMILL_EARLY_PREFECT_SERVER=process`` starts it in a process of
its own instead, as before (Prefect's own command: ``uvicorn --factory
prefect.server.api.server:create_app``, in a session of its own so that a terminal's Ctrl-C
reaches the command only; it gets SIGTERM when the command dies). A server on the command's
thread ends with the command however it ends, SIGKILL included.

Nothing is started when Prefect would not start a temporary server itself (an API URL set in
the environment, a profile or a settings file), when Prefect is already imported (its settings
are read), or with ``NEWSMILL_EARLY_PREFECT_SERVER=0``. This module imports no Prefect; the
thread imports Prefect's server.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from importlib.util import find_spec
from pathlib import Path

log = logging.getLogger(__name__)

# what Prefect's SubprocessASGIServer sets for its temporary server: no UI, ephemeral services
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
STOP_WAIT = 5.0  # seconds between SIGTERM and SIGKILL, as Prefect's local mode


class LocalApiError(RuntimeError):
    """The temporary server did not answer its health check in time, or exited. The message
    contains "ephemeral Prefect API server", as Prefect's own error for the same failure."""


_proc: subprocess.Popen | None = None
_url: str | None = None
_thread: "_ServerThread | None" = None


def _false(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("0", "false", "no", "off")


def _configured_elsewhere(cwd: Path) -> bool:
    """Whether Prefect's settings may come from somewhere other than the environment: then
    Prefect is left to decide (it may not start a temporary server at all)."""
    for name in ("prefect.toml", ".env"):
        if (cwd / name).exists():
            return True
    with contextlib.suppress(OSError):
        if "tool.prefect" in (cwd / "pyproject.toml").read_text(encoding="utf-8"):
            return True
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    if not profiles.exists():
        return False
    try:
        data = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    active = os.environ.get("PREFECT_PROFILE") or data.get("active") or "ephemeral"
    chosen = (data.get("profiles") or {}).get(active) or {}
    return any(k in chosen for k in ("PREFECT_API_URL", "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "PREFECT_API_KEY"))


def wanted() -> bool:
    """Whether Prefect would start its temporary server for this process, and :func:`start` may
    start it instead."""
    if _false(os.environ.get("NEWSMILL_EARLY_PREFECT_SERVER")):
        return False
    if "prefect" in sys.modules or os.environ.get("PREFECT_API_URL"):
        return False
    if _false(os.environ.get("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE")):
        return False
    return not _configured_elsewhere(Path.cwd())


def start() -> str | None:
    """Start the temporary server now and set ``PREFECT_API_URL`` to it; its API URL, or None
    when Prefect is left to start its own (see :func:`wanted`) or the start failed."""
    global _proc, _url, _thread
    if _proc is not None or _thread is not None:
        return _url
    if not wanted():
        return None
    spec = find_spec("prefect")
    if spec is None or not spec.submodule_search_locations:
        return None
    in_process = (os.environ.get("NEWSMILL_EARLY_PREFECT_SERVER") or "").strip().lower() == "process"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        port = sock.getsockname()[1]
        if in_process:
            _proc = _launch_process(sock, spec)
        else:
            # these register an exit hook with threading when first imported, which fails once
            # the interpreter is shutting down: a command that stops early (a damaged warehouse)
            # would have the still-starting server thread import them then, and Prefect prints
            # "Failed to initialize plugins: can't register atexit after shutdown"
            import concurrent.futures.process  # noqa: F401
            import concurrent.futures.thread  # noqa: F401

            _thread = _ServerThread(sock)
            _thread.start()
    except OSError as e:
        log.debug("could not start Prefect's temporary server early: %s", e)
        _proc = _thread = None
        sock.close()
        return None
    if in_process:
        sock.close()  # the server holds its own copy
    _url = f"http://127.0.0.1:{port}/api"
    os.environ["PREFECT_API_URL"] = _url
    atexit.register(stop)
    return _url


def _launch_process(sock: socket.socket, spec) -> subprocess.Popen:
    app_dir = str(Path(list(spec.submodule_search_locations)[0]).parent)
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", app_dir, "--factory",
         "prefect.server.api.server:create_app", "--fd", str(sock.fileno()),
         "--log-level", "error", "--lifespan", "on"],
        env={**os.environ, **SERVER_ENV}, pass_fds=(sock.fileno(),), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        # its own session: a terminal's Ctrl-C (or a signal to the command's process group)
        # reaches the command only, which records the stop through this server, then stops it
        start_new_session=True, preexec_fn=_die_with_parent())


class _ServerThread(threading.Thread):
    """Prefect's server app served by uvicorn on a daemon thread of this process, on ``sock``.

    uvicorn installs no signal handlers off the main thread: Ctrl-C and SIGTERM stay the
    command's, which records the stop through this server, then stops it."""

    def __init__(self, sock: socket.socket):
        super().__init__(daemon=True, name="prefect-server")
        self.sock = sock
        self.server = None
        self.error: BaseException | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            import uvicorn
            from prefect.server.api.server import create_app

            # as Prefect's temporary server: ephemeral services, no UI, the app final
            app = create_app(ephemeral=True, final=True)
            config = uvicorn.Config(app, log_level="error", lifespan="on",
                                    timeout_graceful_shutdown=STOP_WAIT)
            self.server = uvicorn.Server(config)
            if self.stopping.is_set():
                return
            self.server.run(sockets=[self.sock])
        except BaseException as e:  # noqa: BLE001 - reported by wait_ready, as a server process's exit
            self.error = e
            log.debug("Prefect's temporary server ended with an error", exc_info=True)
        finally:
            with contextlib.suppress(OSError):
                self.sock.close()

    def stop(self, timeout: float) -> None:
        self.stopping.set()
        server = self.server
        if server is not None:
            server.should_exit = True
        self.join(timeout)
        if self.is_alive() and server is not None:
            server.force_exit = True
            self.join(2.0)


def _die_with_parent():
    """A function for ``preexec_fn`` that makes the server get SIGTERM when the thread that
    launched it ends (Linux's parent-death signal), so that a command killed with SIGKILL, or
    before its watcher (:mod:`newsmill.reaper`) is up, leaves no server behind; None elsewhere
    or off the main thread (the signal follows the launching thread, not the process)."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def in_child() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the command died before the line above: nobody to serve
            os._exit(1)

    return in_child


PR_SET_PDEATHSIG = 1


def started() -> bool:
    return _proc is not None or _thread is not None


def wait_ready(timeout: float | None = None) -> None:
    """Wait for the server :func:`start` launched to answer ``/health`` (no-op when none was).
    Raises :class:`LocalApiError` when it exits or does not answer within ``timeout`` seconds
    (default: ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS``, else 90)."""
    if _proc is None and _thread is None:
        return
    if timeout is None:
        timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or 90)
    deadline = time.monotonic() + timeout
    while True:
        if _thread is not None and not _thread.is_alive():
            raise LocalApiError(f"the ephemeral Prefect API server ended: {_thread.error!r}")
        if _proc is not None and _proc.poll() is not None:
            out = _proc.stdout.read().decode("utf-8", "replace")[-2000:] if _proc.stdout else ""
            raise LocalApiError(f"the ephemeral Prefect API server exited with code {_proc.returncode}: {out}")
        try:
            with urllib.request.urlopen(f"{_url}/health", timeout=2) as r:
                if r.status == 200:
                    _drain_output()
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise LocalApiError(f"Timed out while attempting to connect to ephemeral Prefect API server ({timeout:g}s)")
        time.sleep(0.05)


def _drain_output() -> None:
    # its output (errors only, at --log-level error) is read so that a full pipe never blocks it
    import threading

    def pump(f) -> None:
        with contextlib.suppress(OSError, ValueError):
            for line in iter(f.readline, b""):
                log.debug("prefect server: %s", line.decode("utf-8", "replace").rstrip())

    if _proc is not None and _proc.stdout is not None:
        threading.Thread(target=pump, args=(_proc.stdout,), daemon=True, name="prefect-server-output").start()


def stop() -> None:
    """Stop the server :func:`start` started: on its thread, uvicorn's graceful shutdown (its
    lifespan, Prefect's services) for up to :data:`STOP_WAIT` seconds, then at once; in a
    process, SIGTERM, then SIGKILL after :data:`STOP_WAIT`."""
    global _proc, _thread
    thread, _thread = _thread, None
    if thread is not None:
        thread.stop(STOP_WAIT)
    proc, _proc = _proc, None
    if proc is None:
        return
    with contextlib.suppress(OSError):
        proc.terminate()
    try:
        proc.wait(timeout=STOP_WAIT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait()
