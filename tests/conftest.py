"""Session-wide fixtures: an isolated PREFECT_HOME and one ephemeral Prefect server."""

from __future__ import annotations

import os
import tempfile

import pytest

# Set before anything imports prefect, so settings pick them up.
_PREFECT_HOME = tempfile.mkdtemp(prefix="mvagent-prefect-")
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.pop("PREFECT_API_URL", None)
# Events are stored in batches every 5 s by default; tests that read them back wait less.
os.environ.setdefault("PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL", "0.5")


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the whole session (it takes ~10 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
