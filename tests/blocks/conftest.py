"""Fixtures for the Block tests (they need the session Prefect server)."""

from tests.fakes.s3 import s3_server  # noqa: F401  (a fixture)
