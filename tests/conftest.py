"""Session-wide fixtures: an isolated PREFECT_HOME and one ephemeral Prefect server."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import pytest

# Set before anything imports prefect, so settings pick them up.
_PREFECT_HOME = tempfile.mkdtemp(prefix="mvagent-prefect-")
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.pop("PREFECT_API_URL", None)
# Events are stored in batches every 5 s by default; tests that read them back wait less.
os.environ.setdefault("PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL", "0.5")
# A clip refused a provider's concurrency slot is told to come back after the slots' average
# occupancy times the queue (2 s per slot for a new limit, up to 30 s); the fakes finish a job
# in milliseconds, so the waiting clips mostly slept. The server still holds the limit.
os.environ.setdefault("PREFECT_SERVER_CONCURRENCY_MAXIMUM_CONCURRENCY_SLOT_WAIT_SECONDS", "0.2")


@pytest.fixture(scope="session")
def prefect_db(request: pytest.FixtureRequest, tmp_path_factory) -> Path:
    """A migrated Prefect database to copy for each test server (tests/prefect_db.py).

    Kept in pytest's cache between sessions (keyed by the Prefect version); without the
    cache plugin, in the session's temporary root, shared by the xdist workers.
    """
    from tests.prefect_db import template_path

    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("prefect-db") if cache is not None else None
    return template_path(folder or tmp_path_factory.getbasetemp().parent / "prefect-db")


@pytest.fixture(scope="session")
def prefect_harness(prefect_db: Path):
    """One Prefect test server for the whole session, on a copy of the migrated database."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL
    from prefect.testing.utilities import prefect_test_harness

    from tests.prefect_db import harness_on

    with harness_on(prefect_db) as copies, prefect_test_harness(server_startup_timeout=120):
        url = PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
        if not any(url.endswith(str(c)) for c in copies):  # the harness changed: only slower
            warnings.warn(f"the test harness did not start on the migrated copy: {url}",
                          stacklevel=1)  # fmt: skip
        yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the files with the most slow tests first, so `make test`'s two workers finish together.

    xdist's default queues files by test count, which puts the few-but-long end-to-end files
    last and leaves one worker idle for minutes; the Makefile turns that off
    (--no-loadscope-reorder) and this order applies instead. Within a file, order is kept.
    """
    slow: dict[str, int] = {}
    for item in items:
        slow.setdefault(item.path.as_posix(), 0)
        slow[item.path.as_posix()] += item.get_closest_marker("slow") is not None
    rank = {path: i for i, path in enumerate(slow)}
    items.sort(key=lambda it: (-slow[it.path.as_posix()], rank[it.path.as_posix()]))
