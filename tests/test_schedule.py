"""One schedule: a source's schedule lives in the sources file; the due-check, the served
deployments and deployments/prefect.yaml all read it from there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsmill.deployments.serve import DeploymentError, plan, prefect_yaml
from newsmill.sources import Source, SourcesError, parse_sources

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)


def test_interval_due_check():
    s = Source("a", urls=("http://x/",), schedule="15m")
    assert s.not_due(None, NOW) is None  # never polled
    assert s.not_due(NOW - timedelta(minutes=16), NOW) is None
    reason = s.not_due(NOW - timedelta(minutes=5), NOW)
    assert reason and reason.startswith("schedule 15m: last polled 2026-03-04 12:25:00Z")
    assert Source("b", urls=("http://x/",)).not_due(NOW, NOW) is None  # no schedule: every run


def test_cron_due_check_counts_fire_times_since_the_last_poll():
    s = Source("a", urls=("http://x/",), schedule="0 6,18 * * *")
    assert s.schedule_cron == "0 6,18 * * *" and s.schedule_seconds is None
    assert s.not_due(datetime(2026, 3, 4, 5, 59, tzinfo=UTC), NOW) is None  # 06:00 came since
    assert s.not_due(datetime(2026, 3, 4, 6, 0, 5, tzinfo=UTC), NOW)  # polled at 06:00; next is 18:00
    assert s.not_due(datetime(2026, 3, 4, 6, 0, 5, tzinfo=UTC), NOW.replace(hour=18, minute=0)) is None


def test_bad_schedules_are_refused_when_the_file_is_read():
    with pytest.raises(SourcesError, match="not a valid cron expression"):
        parse_sources('[[source]]\nname = "a"\nurls = ["http://x/"]\nschedule = "61 * * * *"\n')
    with pytest.raises(SourcesError, match="not a duration.*or give a cron expression"):
        parse_sources('[[source]]\nname = "a"\nurls = ["http://x/"]\nschedule = "soon"\n')


def test_served_deployments_take_the_schedule_from_the_file(tmp_path):
    f = tmp_path / "sources.toml"
    f.write_text('[defaults]\nschedule = "10m"\n[[source]]\nname = "a"\nurls = ["http://x/a"]\n'
                 '[[source]]\nname = "b"\nurls = ["http://x/b"]\nschedule = "30 5 * * 1"\n')
    p = plan(sources=str(f), db=str(tmp_path / "w.duckdb"))
    assert [(x.name, x.interval, x.cron) for x in p] == [("ingest-a", 600.0, None), ("ingest-b", None, "30 5 * * 1"),
                                                         ("refresh", None, None)]
    with pytest.raises(DeploymentError, match="schedule lives in"):
        plan(sources=str(f), interval=60)


def test_prefect_yaml_is_generated_from_the_sources_file():
    shipped = (ROOT / "deployments" / "prefect.yaml").read_text(encoding="utf-8")
    assert shipped == prefect_yaml(str(ROOT / "sources.example.toml")), \
        "deployments/prefect.yaml is stale: newsmill serve --sources sources.example.toml --prefect-yaml"
    import yaml

    spec = yaml.safe_load(shipped)
    scheds = {d["name"]: d.get("schedules") for d in spec["deployments"]}
    assert scheds == {"ingest-daily-ledger": [{"interval": 900.0}],
                      "ingest-le-registre": [{"cron": "0 6,18 * * *", "timezone": "UTC"}], "refresh": None}
