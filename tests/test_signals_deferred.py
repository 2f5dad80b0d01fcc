"""Signals that arrive where unwinding would leave the process broken take effect just after.

Ctrl-C or SIGTERM inside importlib's own frames can leak the import lock (every later import then
waits forever and the run hangs at exit); during a worker's spawn it leaves a worker the pool does
not know, which outlives the run. Both were seen under load (tests/test_hostile_run.py).
"""
from __future__ import annotations

import os
import signal
import types

import pytest

from newsmill import reaper
from newsmill.tasks import cpu


def _frame(filename: str):
    return types.SimpleNamespace(f_code=types.SimpleNamespace(co_filename=filename))


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
