"""The `veo` provider against a fake Vertex AI endpoint, driven by the real `google-genai` SDK."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from mvagent.errors import ConfigError, ModerationError, RetryableProviderError
from mvagent.ffmpeg import probe
from mvagent.providers import get_provider
from mvagent.providers.generation import generate_clip
from tests.fakes.media import tiny_png
from tests.fakes.server import Reply
from tests.fakes.veo import FakeVeo, google_error
from tests.providers.helpers import VEO_KEY, actions, make_request, settings_for

pytestmark = pytest.mark.service


@pytest.fixture
def fake():
    with FakeVeo(api_key=VEO_KEY, polls_to_complete=2) as server:
        yield server


def provider(fake: FakeVeo, sleeps: list[float], **kw: object):
    return get_provider("veo", api_key=VEO_KEY, base_url=fake.url, poll_interval_s=0.01,
                        sleep=sleeps.append, **kw)  # fmt: skip


def test_generate_videos_operation_poll_and_inline_bytes(fake, sleeps, tmp_path: Path) -> None:
    out = provider(fake, sleeps).generate(
        make_request(duration_s=6.0, seed=42), dest=tmp_path / "a.mp4"
    )
    op = fake.created[0]
    assert op.model == "veo-3.1-fast-generate-preview"
    assert op.instance == {"prompt": "neon city at night, rain"}
    assert op.parameters == {"sampleCount": 1, "durationSeconds": 6, "seed": 42, "aspectRatio": "16:9",
                             "resolution": "720p", "generateAudio": False}  # fmt: skip
    assert fake.calls["create"] == 1 and fake.calls["poll"] == 3 and sleeps == [0.01] * 3
    assert probe(out).duration_s == pytest.approx(6.0, abs=0.05)


def test_portrait_1080p_and_reference_image(fake, sleeps, tmp_path: Path) -> None:
    ref = tmp_path / "ref.png"
    ref.write_bytes(tiny_png())
    req = make_request(duration_s=8.0, reference_image=ref).model_copy(
        update={"width": 1080, "height": 1920}
    )
    provider(fake, sleeps).generate(req, dest=tmp_path / "a.mp4")
    op = fake.created[0]
    assert (op.parameters["aspectRatio"], op.parameters["resolution"]) == ("9:16", "1080p")
    image = base64.b64decode(op.instance["image"]["bytesBase64Encoded"])
    assert op.instance["image"]["mimeType"] == "image/png"
    assert (int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")) == (
        1080,
        1920,
    )


def test_rai_filter_is_a_moderation_error(fake, sleeps, tmp_path: Path) -> None:
    with pytest.raises(ModerationError, match="violate our policies"):
        provider(fake, sleeps).generate(make_request(prompt="FORBIDDEN"), dest=tmp_path / "a.mp4")


def test_429_retry_after_and_resume_without_a_second_create(fake, sleeps, tmp_path: Path) -> None:
    p = provider(fake, sleeps, jobs_dir=tmp_path / "jobs")
    fake.inject("poll", Reply(429, google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"),
                              headers={"retry-after": "12"}))  # fmt: skip
    with pytest.raises(RetryableProviderError) as info:
        p.generate(make_request(), dest=tmp_path / "a.mp4")
    assert info.value.retry_after_s == 12.0 and "Quota exceeded" in str(info.value)
    provider(fake, sleeps, jobs_dir=tmp_path / "jobs").generate(
        make_request(), dest=tmp_path / "a.mp4"
    )
    assert fake.calls["create"] == 1 and probe(tmp_path / "a.mp4").has_video


def test_500_is_retryable_and_400_is_not(fake, sleeps, tmp_path: Path) -> None:
    fake.inject("create", Reply(500, google_error(500, "INTERNAL", "Internal error")))
    with pytest.raises(RetryableProviderError, match="HTTP 500"):
        provider(fake, sleeps).generate(make_request(), dest=tmp_path / "a.mp4")
    fake.inject(
        "create",
        Reply(400, google_error(400, "INVALID_ARGUMENT", "aspectRatio 4:3 is not supported")),
    )
    with pytest.raises(Exception) as info:
        provider(fake, sleeps).generate(make_request(), dest=tmp_path / "b.mp4")
    assert (
        not isinstance(info.value, RetryableProviderError)
        and getattr(info.value, "http_status", 0) == 400
    )


def test_rejected_key_is_a_config_error_without_the_key(fake, sleeps, tmp_path: Path) -> None:
    wrong = "veo-WRONG-key-must-not-leak"
    p = get_provider("veo", api_key=wrong, base_url=fake.url, sleep=sleeps.append)
    with pytest.raises(ConfigError) as info:
        p.generate(make_request(), dest=tmp_path / "a.mp4")
    assert wrong not in str(info.value) and "VeoCredentials" in str(info.value)


def test_key_from_env_and_missing_key(fake, sleeps, tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(ConfigError, match="GEMINI_API_KEY or GOOGLE_API_KEY"):
        get_provider("veo")
    monkeypatch.setenv("GOOGLE_API_KEY", VEO_KEY)
    get_provider("veo", base_url=fake.url, poll_interval_s=0.01).generate(
        make_request(), dest=tmp_path / "a.mp4"
    )
    assert fake.log[0].headers["x-goog-api-key"] == VEO_KEY


def test_capabilities_per_model_and_retired_models() -> None:
    fast = get_provider("veo", api_key="k-123456").capabilities
    full = get_provider("veo", api_key="k-123456", model="veo-3.1-generate-preview").capabilities
    assert fast.durations_s == (4.0, 6.0, 8.0) and fast.price_per_second_usd == 0.15
    assert full.price_per_second_usd == 0.40 and full.cost(8) == 3.2
    assert (1080, 1920) in full.sizes and full.image_reference
    with pytest.raises(ConfigError, match="shut down on 2026-06-30"):
        get_provider("veo", api_key="k-123456", model="veo-2.0-generate-001")
    with pytest.raises(ConfigError, match="shut down"):
        get_provider("veo", api_key="k-123456", model="veo-3.0-generate-001")


def test_reference_images_go_as_assets_and_change_the_cache_key(fake, sleeps, tmp_path) -> None:
    from mvagent.providers.generation import cache_model

    refs = []
    for i, colour in enumerate(["red", "blue", "green", "white"]):
        refs.append(tmp_path / f"r{i}.png")
        refs[-1].write_bytes(tiny_png(color=colour))
    p = provider(fake, sleeps, reference_images=refs)
    p.generate(make_request(), dest=tmp_path / "a.mp4")
    sent = fake.created[0].instance["referenceImages"]
    assert len(sent) == 3 and all(r["referenceType"] == "ASSET" for r in sent)
    assert cache_model(p) != cache_model(provider(fake, sleeps))


def test_generation_falls_back_after_a_second_rai_refusal(
    fake, tmp_path, clips_dir, decisions, retry
) -> None:
    creds = {"api_key": VEO_KEY, "base_url": fake.url, "poll_interval_s": 0.01}
    clip = generate_clip(make_request(prompt="FORBIDDEN blood"), settings=settings_for("veo", tmp_path, fallback=["local"]),
                         clips_dir=clips_dir, decisions=decisions, credentials=creds, retry=retry)  # fmt: skip
    assert clip.provider == "local" and fake.calls["create"] == 2
    assert actions(decisions) == ["rewrite_prompt", "fallback", "generated"]
    assert VEO_KEY not in json.dumps(decisions.read())
