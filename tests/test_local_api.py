"""Prefect's temporary server started by the command itself, before Prefect is imported."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from newsmill.flows import local_api


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for k in list(os.environ):
        if k.startswith("PREFECT_") or k == "NEWSMILL_EARLY_PREFECT_SERVER":
            monkeypatch.delenv(k)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_left_to_prefect_when_its_settings_come_from_elsewhere(clean_env):
    cwd = clean_env
    assert not local_api._configured_elsewhere(cwd)
    (cwd / "home").mkdir()
    profiles = cwd / "home" / "profiles.toml"
    profiles.write_text('active = "local"\n[profiles.local]\nPREFECT_LOGGING_LEVEL = "INFO"\n')
    assert not local_api._configured_elsewhere(cwd)  # a profile that sets no API
    profiles.write_text('active = "cloud"\n[profiles.cloud]\nPREFECT_API_URL = "http://prefect.example:4200/api"\n')
    assert local_api._configured_elsewhere(cwd)  # Prefect would use that server, not start one
    profiles.write_text("not toml [")
    assert local_api._configured_elsewhere(cwd)  # unreadable: Prefect decides
    profiles.unlink()
    (cwd / "prefect.toml").write_text('[api]\nurl = "http://prefect.example:4200/api"\n')
    assert local_api._configured_elsewhere(cwd)


def test_not_wanted_with_an_api_url_or_when_turned_off(clean_env, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:1/api")
    assert not local_api.wanted()
    monkeypatch.delenv("PREFECT_API_URL")
    monkeypatch.setenv("NEWSMILL_EARLY_PREFECT_SERVER", "0")
    assert not local_api.wanted()
    monkeypatch.delenv("NEWSMILL_EARLY_PREFECT_SERVER")
    monkeypatch.setenv("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "false")
    assert not local_api.wanted()


_PROGRAM = textwrap.dedent("""
    import json, os, sys, threading, urllib.request
    mode = sys.argv[1]
    from newsmill.flows import local_api
    url = local_api.start()
    assert url and os.environ["PREFECT_API_URL"] == url
    if mode == "process":
        assert "prefect" not in sys.modules
    proc, thread = local_api._proc, local_api._thread
    assert (proc is not None) == (mode == "process") and (thread is not None) == (mode == "thread")
    from prefect import flow
    @flow
    def hello(x: int) -> int:
        return x + 1
    local_api.wait_ready()
    out = hello(41)
    from prefect.client.orchestration import get_client
    with get_client(sync_client=True) as c:
        runs = [r.name for r in c.read_flow_runs()]
    local_api.stop()
    print(json.dumps({"out": out, "runs": len(runs), "server_module": "prefect.server.api.server" in sys.modules,
                      "server_exit": proc.returncode if proc else None,
                      "thread_alive": thread.is_alive() if thread else None,
                      "threads": sorted(t.name for t in threading.enumerate())}))
""")


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["thread", "process"])
def test_a_flow_runs_against_the_early_server_and_it_stops(clean_env, mode):
    """By default the server runs on a thread of the command (Prefect's client modules are
    imported once, issue 16); NEWSMILL_EARLY_PREFECT_SERVER=process starts it in a process of its
    own, and the command never imports the server's API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(clean_env / "home"), PREFECT_LOGGING_LEVEL="WARNING",
               PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if mode == "process":
        env["NEWSMILL_EARLY_PREFECT_SERVER"] = "process"
    else:
        env.pop("NEWSMILL_EARLY_PREFECT_SERVER", None)
    out = subprocess.run([sys.executable, "-c", _PROGRAM, mode], capture_output=True, text=True, timeout=240,
                         env=env, cwd=clean_env)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["out"] == 42 and r["runs"] == 1
    if mode == "process":
        assert r["server_module"] is False  # the command never imported the server's API
        assert r["server_exit"] is not None  # stopped, not left running
    else:
        assert r["thread_alive"] is False and "prefect-server" not in r["threads"]  # stopped
    assert "Traceback" not in out.stderr
