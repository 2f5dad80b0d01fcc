"""Signals that arrive where unwinding would leave the process broken take effect just after.

Ctrl-C or SIGTERM inside importlib's own frames can leak the import lock (every later import then
waits forever and the run hangs at exit); during a worker's spawn it leaves a worker the pool does
not know, which outlives the run; inside C code that calls back into Python (pydantic-core while
Prefect imports) the exception is printed as "ignored" and the run goes on to its end; inside a
string run by exec (dataclasses) CPython ends the process by SIGINT whatever caught it; inside a
DuckDB query it becomes "RuntimeError: Query interrupted". All were seen under load
(tests/test_hostile_run.py, bench/stops.py), with py-spy stacks of the hung runs.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import types

import pytest

from newsmill import reaper
from newsmill.tasks import cpu


@pytest.fixture(autouse=True)
def _no_stop_recorded(monkeypatch):
    # the handlers called here record their stop in this (the test) process: forgotten after
    monkeypatch.setattr(reaper, "_stop", None)
    monkeypatch.setattr(reaper, "_deferrals", 0)
    monkeypatch.setattr(reaper, "_at_once", False)
    monkeypatch.setattr(reaper, "_deadline_fd", None)


def _frame(filename: str, back=None):
    return types.SimpleNamespace(f_code=types.SimpleNamespace(co_filename=filename), f_back=back)


@pytest.mark.parametrize("handler,exc", [(reaper._on_sigint, KeyboardInterrupt), (reaper._on_sigterm, reaper.Terminated)])
def test_a_signal_inside_the_import_system_is_delivered_again_later(monkeypatch, handler, exc):
    later = []
    monkeypatch.setattr(reaper, "_later", later.append)
    handler(signal.SIGINT, _frame("<frozen importlib._bootstrap>"))
    assert later == [signal.SIGINT]  # not raised there: re-sent once the import code is left
    with pytest.raises(exc):
        handler(signal.SIGINT, _frame(__file__))
    with pytest.raises(exc):
        handler(signal.SIGINT, None)
    assert later == [signal.SIGINT]


def test_a_signal_during_a_spawn_takes_effect_after_it():
    got = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: got.append(("after", signum)))
    try:
        with cpu._signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            got.append(("inside", None))
        assert got == [("inside", None), ("after", signal.SIGTERM)]
        with cpu._signals_deferred():
            got.append(("quiet", None))
        assert got[-1] == ("quiet", None)  # nothing pending: nothing re-delivered
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.parametrize("handler,exc", [(reaper._on_sigint, KeyboardInterrupt), (reaper._on_sigterm, reaper.Terminated)])
def test_a_signal_inside_code_run_by_exec_is_delivered_again_later(monkeypatch, handler, exc):
    later = []
    monkeypatch.setattr(reaper, "_later", later.append)
    main = _frame(__file__)
    handler(signal.SIGINT, _frame("dataclasses.py", _frame("<string>", _frame("models.py", main))))
    handler(signal.SIGINT, _frame("<string>", main))
    assert later == [signal.SIGINT, signal.SIGINT]
    with pytest.raises(exc):  # `python -c`: the whole program is such code, and is not deferred
        handler(signal.SIGINT, _frame(__file__, _frame("<string>")))


def test_deferring_is_bounded(monkeypatch):
    later = []
    monkeypatch.setattr(reaper, "_later", later.append)
    monkeypatch.setattr(reaper, "_deferrals", 0)
    monkeypatch.setattr(reaper, "_at_once", False)
    monkeypatch.setattr(reaper, "_deadline_fd", None)
    importing = _frame("<frozen importlib._bootstrap>")
    for _ in range(reaper.MAX_DEFERRALS):
        reaper._on_sigterm(signal.SIGTERM, importing)
    with pytest.raises(reaper.Terminated):  # stopping, if untidily, rather than never
        reaper._on_sigterm(signal.SIGTERM, importing)
    assert len(later) == reaper.MAX_DEFERRALS
    reaper._on_sigterm(signal.SIGTERM, importing)  # the count starts again after a raise
    assert len(later) == reaper.MAX_DEFERRALS + 1


def test_an_interrupt_that_c_code_could_not_pass_on_is_delivered_again(monkeypatch):
    later, printed = [], []
    monkeypatch.setattr(reaper, "_later", later.append)
    monkeypatch.setattr(reaper, "_previous_unraisablehook", printed.append)
    reaper._on_unraisable(types.SimpleNamespace(exc_value=reaper.Terminated()))
    reaper._on_unraisable(types.SimpleNamespace(exc_value=KeyboardInterrupt()))
    other = types.SimpleNamespace(exc_value=ValueError("a __del__ that failed"))
    reaper._on_unraisable(other)
    assert later == [signal.SIGTERM, signal.SIGINT] and printed == [other]


# A real process, its handlers installed as the CLI installs them: the signal arrives at the worst
# moment on purpose, and the process must end through its own `except KeyboardInterrupt`.
_PROGRAM = r"""
import os, signal, sys, time
from newsmill import reaper
reaper.handle_signals()
sig = getattr(signal, sys.argv[2])

class Finalized:
    def __del__(self):  # C code calls this and cannot pass an exception on: it prints it, "ignored"
        os.kill(os.getpid(), sig)
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            pass

try:
    if sys.argv[1] == "exec":  # a KeyboardInterrupt leaving an exec'd string ends CPython 3.11 by SIGINT
        exec("import os, signal, time\nos.kill(os.getpid(), sig)\nd = time.monotonic() + 0.5\n"
             "while time.monotonic() < d:\n    pass\n")
    else:
        Finalized()
    time.sleep(5)
    print("went on", flush=True)
    sys.exit(0)
except KeyboardInterrupt as e:
    sys.exit(getattr(e, "exit_code", 130))
"""


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # as from a terminal, even where the tests run with it ignored


@pytest.mark.parametrize("where", ["exec", "finalizer"])
@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_a_stop_arriving_where_it_would_be_lost_still_stops_the_process(tmp_path, where, how):
    # run with -m, as the tests run the CLI: only then does CPython act on the KeyboardInterrupt
    # an exec'd string let out (a file or -c exits with the status asked for)
    (tmp_path / "stopme.py").write_text(_PROGRAM)
    r = subprocess.run([sys.executable, "-m", "stopme", where, how], capture_output=True, text=True, timeout=60,
                       cwd=tmp_path, preexec_fn=_default_sigint)
    assert (r.returncode, r.stdout) == (128 + getattr(signal, how), ""), r.stderr[-2000:]
    assert "Traceback" not in r.stderr and "ignored" not in r.stderr, r.stderr[-2000:]


_BEFORE_THE_RUN = r"""
import os, signal, subprocess, sys, time
from newsmill import reaper
reaper.handle_signals()
reaper.stop_at_once()  # as `newsmill ingest` until its flow starts
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)

class Finalized:
    def __del__(self):
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            pass

try:
    Finalized()
    time.sleep(5)
    print("went on", flush=True)
except KeyboardInterrupt:
    print("unwound", flush=True)
"""


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_before_a_run_records_anything_a_stop_ends_the_process_and_its_children_at_once(tmp_path, how):
    (tmp_path / "before.py").write_text(_BEFORE_THE_RUN)
    r = subprocess.run([sys.executable, "-m", "before", how], capture_output=True, text=True, timeout=60,
                       cwd=tmp_path, preexec_fn=_default_sigint)
    assert r.returncode == 128 + getattr(signal, how), r.stderr[-2000:]
    child = int(r.stdout.split()[0])
    assert r.stdout.split()[1:] == []  # neither went on nor unwound: it ended where it was
    assert r.stderr == ""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and reaper._alive(child, reaper._start_time(child) or ""):
        time.sleep(0.05)  # killed; reaped by init once its parent is gone
    st = reaper._stat(child)
    assert st is None or st[0] in ("Z", "X")


_POOL = r"""
import sys, time
from newsmill.config import EnrichOptions, ExtractOptions
from newsmill.tasks import cpu
if __name__ == "__main__":
    from newsmill import reaper
    reaper.handle_signals()
    try:
        pool = cpu.CpuPool(2, ExtractOptions(), EnrichOptions(enabled=False))
        print("spawned", flush=True)
        time.sleep(60)
    except KeyboardInterrupt:
        time.sleep(1.5)  # the run unwinds (records its row) before it stops the workers
        pool.terminate()
        sys.exit(130)
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_a_terminals_ctrl_c_reaches_the_run_not_its_workers(tmp_path):
    """Ctrl-C in a terminal goes to the whole process group: the workers, still starting (their
    imports take a second or more), must not each print a KeyboardInterrupt traceback."""
    (tmp_path / "pool.py").write_text(_POOL)
    proc = subprocess.Popen([sys.executable, "-m", "pool"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path, preexec_fn=_default_sigint, start_new_session=True)
    assert proc.stdout.readline() == "spawned\n"
    time.sleep(0.3)  # the workers are importing
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    err = proc.stderr.read()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]


@pytest.mark.parametrize("stop,code", [(reaper.Terminated(), 143), (KeyboardInterrupt(), 130)])
def test_a_stop_that_duckdb_re_typed_is_recorded_as_the_stop(tmp_path, monkeypatch, stop, code):
    """DuckDB turns a KeyboardInterrupt raised while a query runs into ``RuntimeError: Query
    interrupted``: the run is still interrupted, not failed, and the stop goes on up."""
    import logging

    from newsmill.config import load_config
    from newsmill.flows import stages
    from newsmill.outcomes import RunSummary
    from tests.dbutil import query

    cfg = load_config(overrides={"load": {"db_path": str(tmp_path / "w.duckdb")}}, env={})
    summary = RunSummary(run_id="r", flow="ingest", status="running", db=cfg.load.db_path)
    monkeypatch.setattr(reaper, "_stop", stop)
    _program_deadline(monkeypatch)
    with pytest.raises(type(stop)):
        with stages.RecordedRun(cfg, summary, logging.getLogger("t"), 0, {}):
            raise RuntimeError("Query interrupted")
    assert summary.status == "interrupted" and summary.extra["exit_code"] == code
    assert query(cfg.load.db_path, "SELECT status FROM runs") == [("interrupted",)]


def _program_deadline(monkeypatch) -> int:
    """As in the newsmill program: a deadline pipe (read here, not by a thread that would end us)."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    monkeypatch.setattr(reaper, "_deadline_fd", write_end)
    return write_end, read_end


def test_a_stop_seen_elsewhere_is_not_translated_outside_the_program(monkeypatch):
    monkeypatch.setattr(reaper, "_stop", reaper.Terminated())
    assert reaper.stop_requested() is None  # tests, the Python API: their later errors are their own


def test_prefects_termination_signal_starts_the_programs_deadline(tmp_path, monkeypatch):
    """While a flow runs, Prefect's own SIGTERM handler raises TerminationSignal: the run still
    ends within the program's deadline (its temporary server may be gone with the same signal)."""
    import logging

    from prefect.exceptions import TerminationSignal

    from newsmill.config import load_config
    from newsmill.flows import stages
    from newsmill.outcomes import RunSummary

    _, read_end = _program_deadline(monkeypatch)
    cfg = load_config(overrides={"load": {"db_path": str(tmp_path / "w.duckdb")}}, env={})
    summary = RunSummary(run_id="r", flow="ingest", status="running", db=cfg.load.db_path)
    with pytest.raises(TerminationSignal):
        with stages.RecordedRun(cfg, summary, logging.getLogger("t"), 0, {}):
            raise TerminationSignal(signal.SIGTERM)
    assert os.read(read_end, 8) == bytes([signal.SIGTERM])
    assert isinstance(reaper.stop_requested(), reaper.Terminated) and summary.extra["exit_code"] == 143


def test_without_a_stop_another_exception_fails_the_run(tmp_path):
    import logging

    from newsmill.config import load_config
    from newsmill.flows import stages
    from newsmill.outcomes import RunSummary
    from tests.dbutil import query

    cfg = load_config(overrides={"load": {"db_path": str(tmp_path / "w.duckdb")}}, env={})
    summary = RunSummary(run_id="r", flow="ingest", status="running", db=cfg.load.db_path)
    with pytest.raises(RuntimeError):
        with stages.RecordedRun(cfg, summary, logging.getLogger("t"), 0, {}):
            raise RuntimeError("Query interrupted")
    assert query(cfg.load.db_path, "SELECT status FROM runs") == [("failed",)]


def test_a_stop_while_the_run_writes_its_row_still_closes_it(tmp_path, monkeypatch):
    """start_run commits on its own: a stop between it and the end of RecordedRun's enter (while
    older runs are claimed) leaves a row that says interrupted, not running."""
    import logging

    from newsmill.config import load_config
    from newsmill.flows import stages
    from newsmill.outcomes import RunSummary
    from newsmill.warehouse import discovery as wdiscovery
    from tests.dbutil import query

    def stopped(con, run_id):
        raise reaper.Terminated()

    monkeypatch.setattr(wdiscovery, "claim_run", stopped)
    cfg = load_config(overrides={"load": {"db_path": str(tmp_path / "w.duckdb")}}, env={})
    summary = RunSummary(run_id="r", flow="ingest", status="running", db=cfg.load.db_path)
    with pytest.raises(reaper.Terminated):
        with stages.RecordedRun(cfg, summary, logging.getLogger("t"), 0, {}, claim=True):
            pass
    assert (summary.status, summary.extra["exit_code"]) == ("interrupted", 143)
    assert query(cfg.load.db_path, "SELECT status FROM runs") == [("interrupted",)]
    assert not list(tmp_path.glob("w.duckdb.reserve-*"))


def test_writing_the_row_ends_stopping_at_once(tmp_path, monkeypatch):
    import logging

    from newsmill.config import load_config
    from newsmill.flows import stages
    from newsmill.outcomes import RunSummary

    monkeypatch.setattr(reaper, "_at_once", True)
    cfg = load_config(overrides={"load": {"db_path": str(tmp_path / "w.duckdb")}}, env={})
    summary = RunSummary(run_id="r", flow="ingest", status="running", db=cfg.load.db_path)
    with stages.RecordedRun(cfg, summary, logging.getLogger("t"), 0, {}):
        assert reaper._at_once is False


_HELD_AFTER_A_STOP = r"""
import os, signal, sys, time
from newsmill import reaper
reaper.STOP_GRACE = 1.0
reaper.handle_signals(program=True)
try:
    print("ready", flush=True)
    time.sleep(30)
except KeyboardInterrupt:
    time.sleep(30)  # as Prefect reporting to a server the same Ctrl-C stopped: it retries for minutes
    print("waited it out", flush=True)
"""


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_the_program_ends_soon_after_a_stop_whatever_holds_it(tmp_path, how):
    (tmp_path / "held.py").write_text(_HELD_AFTER_A_STOP)
    proc = subprocess.Popen([sys.executable, "-m", "held"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path, preexec_fn=_default_sigint)
    assert proc.stdout.readline() == "ready\n"
    os.kill(proc.pid, getattr(signal, how))
    started = time.monotonic()
    assert proc.wait(timeout=25) == 128 + getattr(signal, how)
    assert time.monotonic() - started < 15  # 1 s of grace, on a busy machine
    assert proc.stdout.read() == "" and proc.stderr.read() == ""
