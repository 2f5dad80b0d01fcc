from __future__ import annotations

import os

import pytest

from tests.siteserver import SiteServer

# Prefect's local mode must not touch the user's ~/.prefect while tests run.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture
def site():
    server = SiteServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (starting one costs seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "news.duckdb")
