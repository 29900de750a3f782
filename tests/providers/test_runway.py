"""The `runway` provider against a fake Runway API, driven by the real `runwayml` SDK."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvagent.errors import ConfigError, ModerationError, ProviderError, RetryableProviderError
from mvagent.ffmpeg import probe
from mvagent.providers import get_provider
from mvagent.providers.generation import generate_clip
from tests.fakes.media import tiny_png
from tests.fakes.runway import FakeRunway
from tests.fakes.server import Reply
from tests.providers.helpers import RUNWAY_KEY, actions, make_request, settings_for

pytestmark = pytest.mark.service


@pytest.fixture
def fake():
    with FakeRunway(api_key=RUNWAY_KEY, polls_to_complete=3) as server:
        yield server


def provider(fake: FakeRunway, sleeps: list[float], **kw: object):
    return get_provider("runway", api_key=RUNWAY_KEY, base_url=fake.url, poll_interval_s=0.01,
                        sleep=sleeps.append, **kw)  # fmt: skip


def test_text_to_video_task_states_and_output(fake, sleeps, tmp_path: Path) -> None:
    out = provider(fake, sleeps).generate(
        make_request(duration_s=8.0, seed=5), dest=tmp_path / "a.mp4"
    )
    task = fake.created[0]
    assert task.kind == "text_to_video"
    assert task.body == {"model": "gen4.5", "promptText": "neon city at night, rain", "ratio": "1280:720",
                         "duration": 8, "seed": 5}  # fmt: skip
    assert (
        fake.calls["retrieve"] == 4 and len(sleeps) == 3
    )  # PENDING, THROTTLED, RUNNING, SUCCEEDED
    assert probe(out).duration_s == pytest.approx(8.0, abs=0.05)


def test_start_frame_makes_an_image_to_video_task(fake, sleeps, tmp_path) -> None:
    ref = tmp_path / "ref.png"
    ref.write_bytes(tiny_png())
    provider(fake, sleeps, model="gen4_turbo").generate(
        make_request(duration_s=8.0, reference_image=ref), dest=tmp_path / "a.mp4"
    )
    task = fake.created[0]
    assert task.kind == "image_to_video" and task.body["model"] == "gen4_turbo"
    assert (
        task.body["promptImage"].startswith("data:image/png;base64,") and task.body["duration"] == 5
    )


def test_gen4_turbo_without_an_image_is_refused_before_paying(fake, sleeps, tmp_path) -> None:
    with pytest.raises(ProviderError, match="needs a start image"):
        provider(fake, sleeps, model="gen4_turbo").generate(make_request(), dest=tmp_path / "a.mp4")
    assert fake.calls["create"] == 0


def test_safety_failure_is_a_moderation_error(fake, sleeps, tmp_path) -> None:
    with pytest.raises(ModerationError, match="SAFETY.INPUT.TEXT"):
        provider(fake, sleeps).generate(make_request(prompt="FORBIDDEN"), dest=tmp_path / "a.mp4")


def test_internal_failure_is_retryable(fake, sleeps, tmp_path, clips_dir, decisions, retry) -> None:
    fake.internal_failures.add("glitchy")
    creds = {"api_key": RUNWAY_KEY, "base_url": fake.url, "poll_interval_s": 0.01}
    clip = generate_clip(make_request(prompt="glitchy"), settings=settings_for("runway", tmp_path),
                         clips_dir=clips_dir, decisions=decisions, credentials=creds, retry=retry)  # fmt: skip
    assert clip.provider == "runway" and fake.calls["create"] == 2
    assert actions(decisions) == ["retry", "generated"]


def test_429_with_retry_after_and_no_sdk_retries(fake, sleeps, tmp_path) -> None:
    fake.inject("create", Reply(429, {"error": "Too many requests"}, headers={"retry-after": "4"}))
    with pytest.raises(RetryableProviderError) as info:
        provider(fake, sleeps).generate(make_request(), dest=tmp_path / "a.mp4")
    assert info.value.retry_after_s == 4.0 and fake.calls["create"] == 1


def test_502_on_retrieve_resumes_the_same_task(fake, sleeps, tmp_path) -> None:
    fake.inject("retrieve", Reply(502, {"error": "Bad gateway"}))
    with pytest.raises(RetryableProviderError, match="HTTP 502"):
        provider(fake, sleeps, jobs_dir=tmp_path / "j").generate(
            make_request(), dest=tmp_path / "a.mp4"
        )
    provider(fake, sleeps, jobs_dir=tmp_path / "j").generate(
        make_request(), dest=tmp_path / "a.mp4"
    )
    assert fake.calls["create"] == 1


def test_timeout_is_retryable(fake, sleeps, tmp_path) -> None:
    fake.inject("create", Reply(200, {"id": "late"}, delay_s=1.5))
    with pytest.raises(RetryableProviderError, match="timed out"):
        provider(fake, sleeps, timeout_s=0.3).generate(make_request(), dest=tmp_path / "a.mp4")
    assert fake.calls["create"] == 1


def test_expired_output_url_is_refreshed_by_retrieving_the_task(fake, sleeps, tmp_path) -> None:
    fake.expire_next = 1
    provider(fake, sleeps).generate(make_request(), dest=tmp_path / "a.mp4")
    assert fake.calls["create"] == 1 and fake.calls["file"] == 2


def test_keys(fake, sleeps, tmp_path, monkeypatch) -> None:
    wrong = "key_WRONG-secret-must-not-leak"
    with pytest.raises(ConfigError) as info:
        get_provider("runway", api_key=wrong, base_url=fake.url).generate(
            make_request(), dest=tmp_path / "a.mp4"
        )
    assert wrong not in str(info.value) and "RUNWAYML_API_SECRET" in str(info.value)
    with pytest.raises(ConfigError, match="RUNWAYML_API_SECRET"):
        get_provider("runway")
    monkeypatch.setenv("RUNWAYML_API_SECRET", RUNWAY_KEY)
    get_provider("runway", base_url=fake.url, poll_interval_s=0.01).generate(
        make_request(), dest=tmp_path / "a.mp4"
    )
