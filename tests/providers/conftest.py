"""Fixtures for provider tests: fake servers, an isolated cache, recorded sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mvagent.decisions import DecisionLog
from mvagent.providers.generation import RetryPolicy
from tests.fakes.s3 import s3_server  # noqa: F401  (a fixture)
from tests.fakes.scripted import ScriptedProvider


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real keys or cache folders leak into (or out of) a test."""
    for name in ("SORA_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "GEMINI_API_KEY", "GOOGLE_API_KEY",
                 "GOOGLE_CLOUD_PROJECT", "MVAGENT_WEB_SESSION_COOKIE", "SORA_MODEL", "FAL_KEY",
                 "REPLICATE_API_TOKEN", "RUNWAYML_API_SECRET", "RUNWAYML_BASE_URL",
                 "REPLICATE_BASE_URL", "FAL_QUEUE_RUN_HOST"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MVAGENT_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture
def scripted() -> Iterator[type[ScriptedProvider]]:
    """The scripted provider, registered as "scripted" for this test only."""
    from mvagent.providers import _REGISTRY

    ScriptedProvider.reset()
    _REGISTRY["scripted"] = ScriptedProvider
    yield ScriptedProvider
    _REGISTRY.pop("scripted", None)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def retry(sleeps: list[float]) -> RetryPolicy:
    """The default policy, but sleeping only into a list we can inspect."""
    return RetryPolicy(sleep=sleeps.append)


@pytest.fixture
def decisions(tmp_path: Path) -> DecisionLog:
    return DecisionLog(tmp_path / "out" / "decisions.jsonl")


@pytest.fixture
def clips_dir(tmp_path: Path) -> Path:
    return tmp_path / "out" / "clips"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The openai SDK flags the Videos API as deprecated on every call: expected here."""
    mark = pytest.mark.filterwarnings("ignore:The Sora API is scheduled:DeprecationWarning")
    for item in items:
        if "tests/providers/" in str(item.path) or "tests/blocks/" in str(item.path):
            item.add_marker(mark)
