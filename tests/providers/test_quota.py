"""Quota: an empty account is told apart from a busy server, not retried, and announced."""

from __future__ import annotations

import pytest

from mvagent.errors import QuotaExceededError
from mvagent.ops.quota import read_suno
from mvagent.providers import get_provider
from mvagent.providers.generation import generate_clip
from mvagent.providers.quota import is_quota_error
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.fakes.server import Reply
from tests.fakes.suno import FakeSuno
from tests.providers.helpers import SORA_KEY, actions, make_request, settings_for

# OpenAI's answer when the account has no credit left (HTTP 429, like a rate limit).
NO_QUOTA = Reply(429, {"error": {"message": "You exceeded your current quota, please check your "
                                 "plan and billing details.", "type": "insufficient_quota",
                                 "param": None, "code": "insufficient_quota"}})  # fmt: skip


def test_quota_is_not_a_rate_limit() -> None:
    assert is_quota_error(429, "insufficient_quota", "")
    assert is_quota_error(402, None, "Payment Required")
    assert is_quota_error(429, None, "You exceeded your current quota")
    assert not is_quota_error(429, "rate_limit_exceeded", "Rate limit reached, retry in 3 s")
    assert not is_quota_error(500, None, "internal error")


@pytest.mark.service
def test_an_empty_account_is_announced_once_and_falls_back_unretried(
    tmp_path, clips_dir, decisions, retry, sleeps
) -> None:
    told: list[tuple[str, str]] = []
    with FakeOpenAIVideos(api_key=SORA_KEY, polls_to_complete=0, poll_after_ms=5) as fake:
        fake.inject("create", NO_QUOTA)
        clip = generate_clip(
            make_request(), settings=settings_for("sora", tmp_path, fallback=["local"]),
            clips_dir=clips_dir, decisions=decisions, retry=retry,
            credentials={"api_key": SORA_KEY, "base_url": fake.base_url},
            on_quota=lambda name, why: told.append((name, why)),
        )  # fmt: skip
    assert fake.calls["create"] == 1 and sleeps == []  # asked once: waiting refills nothing
    assert clip.provider == "local"
    assert [name for name, _ in told] == ["sora"]
    assert "out of quota" in told[0][1] and SORA_KEY not in told[0][1]
    assert actions(decisions)[:2] == ["quota_exceeded", "fallback"]


@pytest.mark.service
def test_the_sora_provider_raises_quota_exceeded(tmp_path) -> None:
    with FakeOpenAIVideos(api_key=SORA_KEY) as fake:
        fake.inject("create", NO_QUOTA)
        sora = get_provider("sora", api_key=SORA_KEY, base_url=fake.base_url, sleep=lambda s: None)
        with pytest.raises(QuotaExceededError, match="insufficient_quota"):
            sora.generate(make_request(), dest=tmp_path / "c.mp4")


@pytest.mark.service
def test_suno_credits_against_the_threshold() -> None:
    with FakeSuno(api_key="suno-PLANTED-key-0123") as fake:
        config = {"base_url": fake.url, "kind": "selfhosted", "api_key": "suno-PLANTED-key-0123"}
        fake.credits = 420
        assert not read_suno(config, threshold=100).low
        fake.credits = 12
        low = read_suno(config, threshold=100)
        unreadable = read_suno({**config, "api_key": "suno-PLANTED-wrong-999"}, threshold=100)
    assert (
        low.low
        and low.remaining == 12
        and "12 credits left, below the threshold of 100" in low.reason
    )
    assert unreadable.remaining is None and not unreadable.low
    assert "PLANTED" not in unreadable.message and unreadable.message
