"""Fixtures for LLM tests: the fake OpenAI-compatible server, a planted key, recorded sleeps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from mvagent.llm import LLMConfig, LLMRetryPolicy, OpenAICompatibleLLM
from tests.fakes.openai_chat import FakeOpenAIChat

PLANTED_KEY = "sk-planted-LLM-9f3c2a7e51d04b"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("MVAGENT_LLM_BASE_URL", "MVAGENT_LLM_API_KEY", "MVAGENT_LLM_MODEL",
                 "OPENAI_API_KEY", "OPENAI_BASE_URL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MVAGENT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def fake() -> Iterator[FakeOpenAIChat]:
    with FakeOpenAIChat(api_key=PLANTED_KEY) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_llm(fake, sleeps):
    def make(**overrides) -> OpenAICompatibleLLM:
        fields = {"base_url": fake.base_url, "api_key": SecretStr(PLANTED_KEY), "model": "gpt-4o-mini",
                  "timeout_s": 5.0, **overrides}  # fmt: skip
        config = LLMConfig(**fields)
        retry = LLMRetryPolicy(
            sleep=sleeps.append, backoff_s=0.01, max_attempts=config.max_attempts
        )
        return OpenAICompatibleLLM(config, retry=retry)

    return make
