"""`newsmill dashboard`: a static page rendered in real headless Chromium (Debian's chromium).

The page must draw its charts from the embedded Chart.js with the test warehouse's data and load
nothing from the network (its Content-Security-Policy forbids it). A screenshot is kept under
tests/artifacts/ (not in git) for a human to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsmill.dashboard import write_dashboard
from newsmill.warehouse import db
from tests.test_marts import build_warehouse

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def _chromium(tmp_path, *args) -> subprocess.CompletedProcess:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install -y chromium (.ci/run does this)")
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=90)


def _attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def _canvases(dom: str) -> dict[str, dict[str, str]]:
    return {a["id"]: a for a in (_attrs(t) for t in re.findall(r"<canvas[^>]*>", dom))}


def test_dashboard_renders_charts_and_quotes_in_chromium(db_path, tmp_path):
    build_warehouse(db_path)
    r = subprocess.run([sys.executable, "-m", "newsmill.cli", "dashboard", "--db", db_path, "--out", str(tmp_path / "dash")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    page = Path(r.stdout.strip())
    assert page == tmp_path / "dash" / "index.html"
    text = page.read_text()
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?:', text), "page loads something from the network"

    out = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert out.returncode == 0, out.stderr[-2000:]
    dom = out.stdout
    body = _attrs(re.search(r"<body[^>]*>", dom).group(0))
    assert body["data-rendered"] == "true" and body["data-charts"] == "4"
    c = _canvases(dom)
    # 3 days (2025-03-03..05) x 2 sources; 3 people, 2 organisations, 4 places
    assert c["daily"]["data-points"] == "6"
    assert (c["ent-PERSON"]["data-points"], c["ent-ORG"]["data-points"], c["ent-PLACE"]["data-points"]) == ("3", "2", "4")
    assert "data-points" not in c["ent-NORP"]  # no groups in this warehouse: that card says so instead
    for cid, attrs in c.items():
        if cid != "ent-NORP":
            assert int(attrs["data-painted"]) > 200, f"canvas {cid} is blank"
    tbody = re.search(r'<table id="quotes">.*?<tbody>(.*?)</tbody>', dom, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", tbody, re.S)
    assert len(rows) == 5
    assert "Ada Park" in rows[-1] and "This budget keeps every school open" in rows[-1]
    assert 'href="http://ledger.test/2025/03/03/council-approves-new-budget"' in rows[-1]

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    shot.unlink(missing_ok=True)
    out = _chromium(tmp_path, "--window-size=1280,1300", f"--screenshot={shot}", page.as_uri())
    assert out.returncode == 0 and shot.stat().st_size > 20_000  # a blank page compresses to a few KB


def test_dashboard_on_an_empty_warehouse_says_so(db_path, tmp_path):
    with db.writer(db_path, snapshot=True):
        pass  # a migrated warehouse with no articles
    page = write_dashboard(db_path, tmp_path / "dash")
    out = _chromium(tmp_path, "--dump-dom", page.as_uri())
    dom = out.stdout
    body = _attrs(re.search(r"<body[^>]*>", dom).group(0))
    assert body["data-rendered"] == "true" and body["data-charts"] == "0"
    assert re.search(r'<p class="empty-note" id="daily-empty">', dom)  # shown (no hidden attribute)
    assert "No quotes yet" in dom


def test_dashboard_escapes_page_content(db_path, tmp_path):
    from datetime import UTC, datetime

    from newsmill.records import Enrichment, FetchedPage, PageResult, Quote
    from newsmill.tasks.extract import extract_document
    from newsmill.warehouse import loader

    evil = '</script><script>document.body.setAttribute("data-pwned","1")</script>'
    url = "http://evil.test/a"
    html = (f'<html><head><title>Title {evil}</title></head><body><article><h1>Title</h1>'
            f'<p>{"Plain words about nothing in particular. " * 5}</p><p>"Hello {evil}" said Mallory.</p>'
            f'</article></body></html>').encode()
    doc = extract_document(html, url)
    start = doc.text.index("Hello")
    enr = Enrichment(quotes=(Quote(doc.text[start:start + 40], start, start + 40, "direct", "said", "Mallory",
                                   None, None, "Mallory " + evil),))
    page = FetchedPage(url, url, 200, "text/html", html, "utf-8", datetime.now(UTC), 1)
    with db.writer(db_path, snapshot=True) as con:
        loader.load_batch(con, [PageResult(page, doc, enr)], "run-x")
    path = write_dashboard(db_path, tmp_path / "dash")
    dom = _chromium(tmp_path, "--dump-dom", path.as_uri()).stdout
    body = _attrs(re.search(r"<body[^>]*>", dom).group(0))
    assert body["data-rendered"] == "true" and "data-pwned" not in body  # shown as text, never run
    assert "&lt;/script&gt;&lt;script&gt;" in dom
