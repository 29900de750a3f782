"""The `replicate` provider against a fake Replicate API, driven by the real `replicate` SDK."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mvagent.errors import ConfigError, ModerationError, ProviderError, RetryableProviderError
from mvagent.ffmpeg import probe
from mvagent.providers import get_provider
from mvagent.providers.generation import generate_clip
from tests.fakes.media import tiny_png
from tests.fakes.replicate import FakeReplicate, problem
from tests.fakes.server import Reply
from tests.providers.helpers import REPLICATE_KEY, actions, make_request, settings_for

pytestmark = pytest.mark.service


@pytest.fixture
def fake():
    with FakeReplicate(api_key=REPLICATE_KEY, polls_to_complete=2) as server:
        yield server


def provider(fake: FakeReplicate, sleeps: list[float], **kw: object):
    return get_provider("replicate", api_key=REPLICATE_KEY, base_url=fake.url, poll_interval_s=0.01,
                        sleep=sleeps.append, **kw)  # fmt: skip


def test_create_poll_and_file_output(fake, sleeps, tmp_path: Path) -> None:
    out = provider(fake, sleeps).generate(
        make_request(duration_s=8.0, seed=3), dest=tmp_path / "a.mp4"
    )
    p = fake.created[0]
    assert p.model == "bytedance/seedance-1-pro"
    assert p.input == {"prompt": "neon city at night, rain", "resolution": "1080p", "duration": 8,
                       "aspect_ratio": "16:9", "seed": 3}  # fmt: skip
    assert fake.calls["create"] == 1 and fake.calls["get"] == 3 and sleeps == [0.01, 0.01]
    assert probe(out).duration_s == pytest.approx(8.0, abs=0.05)


def test_start_image_uses_the_models_input_name(fake, sleeps, tmp_path) -> None:
    ref = tmp_path / "ref.png"
    ref.write_bytes(tiny_png())
    provider(fake, sleeps, model="kwaivgi/kling-v2.1").generate(
        make_request(reference_image=ref), dest=tmp_path / "a.mp4"
    )
    inp = fake.created[0].input
    assert inp["start_image"].startswith("data:image/png;base64,") and inp["duration"] == 5
    assert "aspect_ratio" not in inp and inp["mode"] == "standard"


def test_image_only_model_without_an_image_says_so(fake, sleeps, tmp_path) -> None:
    with pytest.raises(ProviderError, match="needs a start image"):
        provider(fake, sleeps, model="kwaivgi/kling-v2.1").generate(
            make_request(), dest=tmp_path / "a.mp4"
        )
    assert fake.calls["create"] == 0


def test_429_on_create_has_retry_after_and_is_not_retried_by_the_sdk(
    fake, sleeps, tmp_path
) -> None:
    fake.inject("create", Reply(429, problem(429, "Too Many Requests", "throttled"),
                                headers={"retry-after": "9"}))  # fmt: skip
    with pytest.raises(RetryableProviderError) as info:
        provider(fake, sleeps).generate(make_request(), dest=tmp_path / "a.mp4")
    assert info.value.retry_after_s == 9.0 and fake.calls["create"] == 1


def test_503_on_get_is_not_retried_by_the_sdk_and_resumes(fake, sleeps, tmp_path) -> None:
    fake.inject(
        "get", Reply(503, problem(503, "Unavailable", "try later"), headers={"retry-after": "1"})
    )
    with pytest.raises(RetryableProviderError, match="HTTP 503"):
        provider(fake, sleeps, jobs_dir=tmp_path / "j").generate(
            make_request(), dest=tmp_path / "a.mp4"
        )
    assert fake.calls["get"] == 1
    provider(fake, sleeps, jobs_dir=tmp_path / "j").generate(
        make_request(), dest=tmp_path / "a.mp4"
    )
    assert fake.calls["create"] == 1


def test_e005_is_a_moderation_error(fake, sleeps, tmp_path) -> None:
    with pytest.raises(ModerationError, match="flagged as sensitive"):
        provider(fake, sleeps).generate(make_request(prompt="FORBIDDEN"), dest=tmp_path / "a.mp4")


def test_validation_error_is_not_retryable(fake, sleeps, tmp_path) -> None:
    fake.inject("create", Reply(422, problem(422, "Input validation failed", "prompt too long")))
    with pytest.raises(ProviderError) as info:
        provider(fake, sleeps).generate(make_request(), dest=tmp_path / "a.mp4")
    assert not isinstance(info.value, RetryableProviderError) and info.value.http_status == 422


def test_timeout_is_retryable(fake, sleeps, tmp_path) -> None:
    # The SDK sends the create without a read timeout (it may wait for the model); polls have one.
    fake.inject("get", Reply(200, {}, delay_s=1.5))
    with pytest.raises(RetryableProviderError, match="timed out"):
        provider(fake, sleeps, timeout_s=0.3).generate(make_request(), dest=tmp_path / "a.mp4")


def test_expired_output_url_is_refreshed(fake, sleeps, tmp_path) -> None:
    fake.expire_next = 1
    provider(fake, sleeps).generate(make_request(), dest=tmp_path / "a.mp4")
    assert fake.calls["create"] == 1 and fake.calls["file"] == 2


def test_a_forgotten_prediction_is_created_anew(fake, sleeps, tmp_path) -> None:
    p = provider(fake, sleeps, jobs_dir=tmp_path / "j")
    fake.inject("get", Reply(500, problem(500, "Internal", "boom")))
    with pytest.raises(RetryableProviderError):
        p.generate(make_request(), dest=tmp_path / "a.mp4")
    fake.predictions.clear()
    p.generate(make_request(), dest=tmp_path / "a.mp4")
    assert fake.calls["create"] == 2


def test_rejected_and_missing_token(fake, sleeps, tmp_path, monkeypatch) -> None:
    wrong = "r8_WRONG-token-must-not-leak"
    with pytest.raises(ConfigError) as info:
        get_provider("replicate", api_key=wrong, base_url=fake.url).generate(
            make_request(), dest=tmp_path / "a.mp4"
        )
    assert wrong not in str(info.value) and "REPLICATE_API_TOKEN" in str(info.value)
    with pytest.raises(ConfigError, match="REPLICATE_API_TOKEN"):
        get_provider("replicate")
    monkeypatch.setenv("REPLICATE_API_TOKEN", REPLICATE_KEY)
    get_provider("replicate", base_url=fake.url, poll_interval_s=0.01).generate(
        make_request(), dest=tmp_path / "a.mp4"
    )


def test_generation_refused_twice_does_not_pay_and_stops(
    fake, tmp_path, clips_dir, decisions, retry
) -> None:
    creds = {"api_key": REPLICATE_KEY, "base_url": fake.url, "poll_interval_s": 0.01}
    with pytest.raises(ProviderError, match="scene 0"):
        generate_clip(make_request(prompt="FORBIDDEN blood"), settings=settings_for("replicate", tmp_path),
                      clips_dir=clips_dir, decisions=decisions, credentials=creds, retry=retry)  # fmt: skip
    assert fake.calls["create"] == 2 and actions(decisions)[-2:] == ["rewrite_prompt", "give_up"]
    assert REPLICATE_KEY not in json.dumps(decisions.read())
