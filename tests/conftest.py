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


@pytest.fixture(autouse=True)
def _fresh_robots_txt():
    """A process keeps each host's robots.txt for its TTL, as a long-running server should; test
    servers reuse ephemeral ports, so one test's robots.txt must not answer for another's server."""
    from newsmill.tasks.robots import clear_shared

    clear_shared()
    yield
