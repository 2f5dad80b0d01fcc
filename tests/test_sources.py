"""The sources file: validation, editing that keeps comments, and `newsmill sources list|add|remove`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsmill.cli import main
from newsmill.sources import (Source, SourcesError, add_source, load_sources, parse_duration, parse_sources,
                              remove_source, select)

ROOT = Path(__file__).resolve().parent.parent


def test_example_file_loads():
    sources = load_sources(ROOT / "sources.example.toml")
    assert [s.name for s in sources] == ["daily-ledger", "le-registre", "pinned"]
    ledger, registre, pinned = sources
    assert ledger.interval == 2.0 and ledger.schedule_seconds == 900 and ledger.language == "en"
    assert registre.interval == 5.0 and registre.schedule_cron == "0 6,18 * * *" and registre.revisit_after == 86400
    assert [s.name for s in select(sources, None)] == ["daily-ledger", "le-registre"]  # pinned is disabled
    assert ledger.hosts == frozenset({"www.example.com"})


@pytest.mark.parametrize("text, message", [
    ('[[source]]\nname = "a"\n', "at least one of feeds, sitemaps or urls"),
    ('[[source]]\nname = "a"\nfeeds = ["ftp://x/y"]\n', "only http and https"),
    ('[[source]]\nname = "a"\nfeeds = ["http://x/"]\nrate = 3\n', "unknown key(s) rate"),
    ('[[source]]\nname = "a"\nfeeds = ["http://x/"]\ninclude = ["(unclosed"]\n', "not a regular expression"),
    ('[[source]]\nname = "a"\nfeeds = ["http://x/"]\nschedule = "soon"\n', "not a duration"),
    ('[[source]]\nname = "a"\nfeeds = ["http://x/"]\ninterval = -1\n', "interval must be"),
    ('[[source]]\nname = "a b"\nfeeds = ["http://x/"]\n', "name must be"),
    ('[[source]]\nname = "a"\nurls = ["http://x/"]\n[[source]]\nname = "a"\nurls = ["http://y/"]\n', "two sources are named"),
    ('[source]\nname = "a"\n', "double brackets"),
    ('[[source]\nname = "a"\n', "not valid TOML"),
    ('[feeds]\nx = 1\n', "unknown table(s) feeds"),
])
def test_invalid_files_are_explained(text, message):
    with pytest.raises(SourcesError) as e:
        parse_sources(text, "s.toml")
    assert message in str(e.value) and "s.toml" in str(e.value)


def test_durations():
    assert [parse_duration(x) for x in ("90s", "15m", "2h", "1d", "1.5h")] == [90, 900, 7200, 86400, 5400]
    for bare in ("90", "5", 30):  # no unit: seconds or minutes? refused, naming the units
        with pytest.raises(ValueError, match="has no unit: write .*s, .*m, .*h or .*d"):
            parse_duration(bare)


def test_add_and_remove_keep_comments_and_other_sources(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text('# my sites\n[defaults]\ninterval = 3.0  # be gentle\n\n'
                    '[[source]]\nname = "one"  # the first\nfeeds = ["http://one.example/rss"]\n')
    add_source(path, Source("two", sitemaps=("http://two.example/sitemap.xml",), include=(r"/20\d\d/",), interval=1.5))
    text = path.read_text()
    assert "# my sites" in text and "# be gentle" in text and "# the first" in text
    two = load_sources(path)[1]
    assert two.sitemaps == ("http://two.example/sitemap.xml",) and two.include == (r"/20\d\d/",) and two.interval == 1.5
    with pytest.raises(SourcesError, match="exists already"):
        add_source(path, Source("two", urls=("http://two.example/a",)))
    remove_source(path, "one")
    assert [s.name for s in load_sources(path)] == ["two"]
    assert "# my sites" in path.read_text() and "interval = 3.0" in path.read_text()
    with pytest.raises(SourcesError, match="no source named 'one'"):
        remove_source(path, "one")
    with pytest.raises(SourcesError, match="no source named 'nope'"):
        select(load_sources(path), ["nope"])


def test_cli_sources_commands(tmp_path, capsys):
    f = str(tmp_path / "s.toml")
    assert main(["sources", "add", "ledger", "--feed", "http://127.0.0.1:1/rss", "--sitemap",
                 "http://127.0.0.1:1/sitemap.xml", "--interval", "2", "--schedule", "15m", "--file", f]) == 0
    assert main(["sources", "add", "pins", "--url", "http://127.0.0.1:1/a.html", "--exclude", "/video/", "--file", f]) == 0
    capsys.readouterr()
    assert main(["sources", "list", "--json", "--file", f]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(s["name"], s["feeds"], s["interval"], s["schedule"]) for s in listed] == [
        ("ledger", ["http://127.0.0.1:1/rss"], 2.0, "15m"), ("pins", [], None, None)]
    assert main(["sources", "list", "--file", f]) == 0
    out = capsys.readouterr().out
    assert "ledger: 1 feed(s), 1 sitemap(s), 0 URL(s)  [interval=2.0, schedule=15m]" in out
    assert "  url      http://127.0.0.1:1/a.html" in out
    # errors: exit 2 and one clear line, never a traceback
    assert main(["sources", "add", "bad", "--feed", "file:///etc/passwd", "--file", f]) == 2
    assert main(["sources", "add", "bad", "--file", f]) == 2
    assert main(["sources", "remove", "nope", "--file", f]) == 2
    assert main(["sources", "list", "--file", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err
    assert "only http and https" in err and "at least one of feeds" in err and "no source named 'nope'" in err
    assert "sources file not found" in err and "Traceback" not in err
    assert main(["sources", "remove", "ledger", "--file", f]) == 0
    assert [s.name for s in load_sources(f)] == ["pins"]


def test_cli_ingest_rejects_bad_sources_before_starting(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[source]]\nname = "x"\nfeeds = ["http://127.0.0.1:1/rss"]\nspeed = 1\n')
    db = str(tmp_path / "n.duckdb")
    assert main(["ingest", "--sources", str(bad), "--db", db]) == 2
    assert "unknown key(s) speed" in capsys.readouterr().err
    good = tmp_path / "good.toml"
    good.write_text('[[source]]\nname = "x"\nfeeds = ["http://127.0.0.1:1/rss"]\n')
    assert main(["ingest", "--sources", str(good), "--source", "y", "--db", db]) == 2
    assert "no source named 'y'" in capsys.readouterr().err
    assert not Path(db).exists()  # nothing was started
