"""The newsmill command line as users run it: subprocesses, exit codes, output formats."""

import pytest
import json
import subprocess
import sys

import duckdb

from newsmill.cli import main

NEWSMILL = [sys.executable, "-m", "newsmill.cli"]


def run(args, **kw):
    return subprocess.run(NEWSMILL + args, capture_output=True, text=True, timeout=180, **kw)


@pytest.mark.slow
def test_every_command_has_help_and_no_prefect_import():
    code = (
        "import sys\nfrom newsmill.cli import build_parser\n"
        "p = build_parser()\n"
        "cmds = [a for a in p._subparsers._group_actions[0].choices]\n"
        "for c in cmds:\n"
        "    try:\n        p.parse_args([c, '--help'])\n    except SystemExit:\n        pass\n"
        "print(','.join(cmds))\n"
        "print('prefect' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert {"ingest", "extract", "enrich"} <= set(lines[-2].split(","))
    assert lines[-1] == "False"


@pytest.mark.slow
def test_extract_needs_no_prefect(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><head><title>T</title></head><body><article><p>" + "Words here. " * 30 + "</p></article></body></html>")
    code = ("import sys, io, contextlib\nfrom newsmill.cli import main\n"
            f"main(['extract', {str(page)!r}])\n"
            "assert 'prefect' not in sys.modules, 'extract imported prefect'\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    rec = json.loads(out.stdout.splitlines()[0])
    assert set(rec) >= {"path", "url", "title", "authors", "published", "site_name", "language", "text"}


def test_ingest_argument_errors(tmp_path, capsys):
    assert main(["ingest", "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "at least one URL" in capsys.readouterr().err
    assert main(["ingest", "http://127.0.0.1:9/a", "--db", str(tmp_path / "no" / "such" / "dir.duckdb")]) == 1
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[fetch]\nread_timeout = 'soon'\n")
    assert main(["ingest", "http://127.0.0.1:9/a", "--config", str(bad), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "fetch.read_timeout" in capsys.readouterr().err


@pytest.mark.slow
def test_ingest_cli_end_to_end(site, tmp_path):
    url = site.add_fixture("/news/pentagon", "pages/article.html")
    dead = site.url("/gone")
    db = tmp_path / "news.duckdb"
    env_cfg = tmp_path / "c.toml"
    env_cfg.write_text("[fetch]\nretries = 0\nper_host_interval = 0\n[enrich]\nenabled = false\n")
    out = run(["ingest", url, dead, "--db", str(db), "--config", str(env_cfg), "--json"])
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert (summary["new"], summary["failed"], summary["errors"]) == (1, 1, {"http_404": 1})
    assert summary["failures"] == [{"url": dead, "error": "http_404", "detail": "HTTP 404 Not Found"}]
    assert "Traceback" not in out.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select title, site_name from articles").fetchall() == [
        ("Pentagon Weighs New Syria Options as Talks Stall", "The Daily Ledger")]
    con.close()
