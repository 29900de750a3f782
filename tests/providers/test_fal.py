"""The `fal` provider against a fake fal queue, driven by the real `fal-client` SDK."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from mvagent.errors import ConfigError, ModerationError, ProviderError, RetryableProviderError
from mvagent.ffmpeg import probe
from mvagent.providers import get_provider
from mvagent.providers.generation import generate_clip
from tests.fakes.fal import FakeFal
from tests.fakes.media import tiny_png
from tests.fakes.server import Reply
from tests.providers.helpers import FAL_KEY, actions, make_request, settings_for

pytestmark = pytest.mark.service
KLING = "fal-ai/kling-video/v2.5-turbo/pro/text-to-video"


@pytest.fixture
def fake():
    with FakeFal(api_key=FAL_KEY, polls_to_complete=2) as server:
        yield server


def provider(fake: FakeFal, sleeps: list[float], **kw: object):
    return get_provider("fal", api_key=FAL_KEY, base_url=fake.url, poll_interval_s=0.01,
                        sleep=sleeps.append, **kw)  # fmt: skip


def test_submit_queue_states_result_and_download(fake, sleeps, tmp_path: Path) -> None:
    out = provider(fake, sleeps).generate(
        make_request(duration_s=8.0, seed=7), dest=tmp_path / "a.mp4"
    )
    job = fake.created[0]
    assert job.endpoint == KLING
    assert job.arguments == {"prompt": "neon city at night, rain", "duration": "5",
                             "aspect_ratio": "16:9", "seed": 7}  # fmt: skip
    # IN_QUEUE, IN_PROGRESS, COMPLETED (+ the SDK's own check before the result): one paid submit.
    assert fake.calls["submit"] == 1 and fake.calls["result"] == 1 and fake.calls["file"] == 1
    assert sleeps == [0.01, 0.01]
    assert fake.log[0].headers["authorization"] == f"Key {FAL_KEY}"
    assert probe(out).duration_s == pytest.approx(5.0, abs=0.05)


def test_start_image_goes_to_the_image_endpoint_as_a_data_uri(fake, sleeps, tmp_path) -> None:
    ref = tmp_path / "ref.png"
    ref.write_bytes(tiny_png())
    provider(fake, sleeps).generate(make_request(reference_image=ref), dest=tmp_path / "a.mp4")
    job = fake.created[0]
    assert job.endpoint == "fal-ai/kling-video/v2.5-turbo/pro/image-to-video"
    head, data = job.arguments["image_url"].split(",", 1)
    assert head == "data:image/png;base64" and base64.b64decode(data)[:4] == b"\x89PNG"


def test_429_carries_retry_after_and_the_sdk_does_not_retry_it(fake, sleeps, tmp_path) -> None:
    fake.inject(
        "submit", Reply(429, {"detail": "Rate limit exceeded"}, headers={"retry-after": "7"})
    )
    with pytest.raises(RetryableProviderError) as info:
        provider(fake, sleeps).generate(make_request(), dest=tmp_path / "a.mp4")
    assert info.value.retry_after_s == 7.0 and fake.calls["submit"] == 1


def test_500_on_status_resumes_without_a_second_submit(fake, sleeps, tmp_path) -> None:
    fake.inject("status", Reply(500, {"detail": "internal"}))
    with pytest.raises(RetryableProviderError, match="HTTP 500"):
        provider(fake, sleeps, jobs_dir=tmp_path / "jobs").generate(
            make_request(), dest=tmp_path / "a.mp4"
        )
    provider(fake, sleeps, jobs_dir=tmp_path / "jobs").generate(
        make_request(), dest=tmp_path / "a.mp4"
    )
    assert fake.calls["submit"] == 1 and probe(tmp_path / "a.mp4").has_video


def test_content_policy_is_a_moderation_error(fake, sleeps, tmp_path) -> None:
    with pytest.raises(ModerationError, match="content checker"):
        provider(fake, sleeps).generate(make_request(prompt="FORBIDDEN"), dest=tmp_path / "a.mp4")


def test_completed_with_an_error_is_a_provider_error(fake, sleeps, tmp_path) -> None:
    fake.failing["broken"] = "CUDA out of memory"
    with pytest.raises(ProviderError, match="out of memory") as info:
        provider(fake, sleeps).generate(make_request(prompt="broken"), dest=tmp_path / "a.mp4")
    assert not isinstance(info.value, RetryableProviderError | ModerationError)


def test_a_slow_answer_is_a_retryable_timeout(fake, sleeps, tmp_path) -> None:
    fake.inject("submit", Reply(200, {}, delay_s=1.5))
    with pytest.raises(RetryableProviderError, match="timed out"):
        provider(fake, sleeps, timeout_s=0.3).generate(make_request(), dest=tmp_path / "a.mp4")
    assert fake.calls["submit"] == 1  # neither the SDK nor its backup-domain transport retried


def test_an_expired_result_url_is_refreshed_not_paid_again(fake, sleeps, tmp_path) -> None:
    fake.expire_next = 1
    out = provider(fake, sleeps).generate(make_request(), dest=tmp_path / "a.mp4")
    assert probe(out).has_video
    assert fake.calls["submit"] == 1 and fake.calls["result"] == 2 and fake.calls["file"] == 2


def test_rejected_key_is_a_config_error_without_the_key(fake, sleeps, tmp_path) -> None:
    wrong = "fal-WRONG-key-must-not-leak"
    p = get_provider("fal", api_key=wrong, base_url=fake.url, sleep=sleeps.append)
    with pytest.raises(ConfigError) as info:
        p.generate(make_request(), dest=tmp_path / "a.mp4")
    assert wrong not in str(info.value) and "FAL_KEY" in str(info.value)


def test_key_from_env_and_missing_key(fake, sleeps, tmp_path, monkeypatch) -> None:
    with pytest.raises(ConfigError, match="FAL_KEY"):
        get_provider("fal")
    monkeypatch.setenv("FAL_KEY", FAL_KEY)
    get_provider("fal", base_url=fake.url, poll_interval_s=0.01).generate(
        make_request(), dest=tmp_path / "a.mp4"
    )
    assert fake.calls["submit"] == 1


def test_model_table_drives_capabilities_and_arguments(fake, sleeps, tmp_path) -> None:
    p = provider(fake, sleeps, model="fal-ai/veo3.1/fast")
    assert (
        p.capabilities.durations_s == (4.0, 6.0, 8.0)
        and p.capabilities.price_per_second_usd == 0.10
    )
    p.generate(make_request(duration_s=6.0), dest=tmp_path / "a.mp4")
    assert fake.created[0].arguments["duration"] == "6s"
    assert fake.created[0].arguments["generate_audio"] is False
    with pytest.raises(ConfigError, match="no model 'fal-ai/nope'"):
        get_provider("fal", api_key=FAL_KEY, model="fal-ai/nope")


def test_generation_retries_then_reruns_for_free(
    fake, tmp_path, clips_dir, decisions, retry
) -> None:
    creds = {"api_key": FAL_KEY, "base_url": fake.url, "poll_interval_s": 0.01}
    fake.inject("submit", Reply(503, {"detail": "overloaded"}, headers={"retry-after": "2"}))
    settings = settings_for("fal", tmp_path)
    clip = generate_clip(make_request(), settings=settings, clips_dir=clips_dir, decisions=decisions,
                         credentials=creds, retry=retry)  # fmt: skip
    assert clip.provider == "fal" and clip.paid_seconds == 5.0 and clip.cost_usd == 0.35
    assert actions(decisions) == ["fit_duration", "fit_size", "retry", "generated"]
    again = generate_clip(make_request(), settings=settings, clips_dir=clips_dir, decisions=decisions,
                          credentials=creds, retry=retry)  # fmt: skip
    assert again.cached and again.cost_usd == 0 and len(fake.created) == 1
    assert FAL_KEY not in json.dumps(decisions.read())
