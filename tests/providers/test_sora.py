"""The `sora` provider against a fake `/v1/videos` server, driven by the real `openai` SDK."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mvagent.errors import ConfigError, ModerationError, ProviderError, RetryableProviderError
from mvagent.ffmpeg import ffmpeg_exe, probe
from mvagent.providers import get_provider
from mvagent.providers.sora import SoraProvider
from tests.fakes.media import tiny_png
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.fakes.server import Reply
from tests.providers.helpers import SORA_KEY, make_request

pytestmark = pytest.mark.service


@pytest.fixture
def fake():
    with FakeOpenAIVideos(api_key=SORA_KEY, polls_to_complete=2, poll_after_ms=37) as server:
        yield server


def provider(fake: FakeOpenAIVideos, sleeps: list[float], **kw: object) -> SoraProvider:
    return get_provider("sora", api_key=SORA_KEY, base_url=fake.base_url, sleep=sleeps.append, **kw)


def test_create_poll_download_follow_the_contract(fake, sleeps, tmp_path: Path) -> None:
    out = provider(fake, sleeps).generate(make_request(duration_s=8.0), dest=tmp_path / "a.mp4")

    job = fake.created[0]
    assert (job.model, job.seconds, job.size) == ("sora-2", "8", "1280x720")
    assert job.prompt == "neon city at night, rain"
    # Two in_progress answers, each asking for 37 ms, then completed.
    assert sleeps == [0.037, 0.037]
    assert fake.calls["create"] == 1 and fake.calls["retrieve"] == 3 and fake.calls["content"] == 1
    info = probe(out)
    assert info.has_video and info.duration_s == pytest.approx(8.0, abs=0.05)


def test_duration_and_size_are_fitted_to_the_model(fake, sleeps, tmp_path: Path) -> None:
    req = make_request(duration_s=10.0).model_copy(update={"width": 720, "height": 1280})
    provider(fake, sleeps, model="sora-2-pro").generate(req, dest=tmp_path / "a.mp4")
    job = fake.created[0]
    assert (job.model, job.seconds, job.size) == ("sora-2-pro", "8", "720x1280")


def test_reference_image_goes_as_input_reference_at_output_size(
    fake, sleeps, tmp_path: Path
) -> None:
    ref = tmp_path / "last.png"
    ref.write_bytes(tiny_png(64, 36))
    provider(fake, sleeps).generate(make_request(reference_image=ref), dest=tmp_path / "a.mp4")
    job = fake.created[0]
    assert job.reference is not None and job.reference[:8] == b"\x89PNG\r\n\x1a\n"
    # PNG IHDR: width and height are the big-endian words at bytes 16..24.
    width, height = (
        int.from_bytes(job.reference[16:20], "big"),
        int.from_bytes(job.reference[20:24], "big"),
    )
    assert (width, height) == (1280, 720)


def test_moderation_failure_raises_and_clears_the_journal(fake, sleeps, tmp_path: Path) -> None:
    p = provider(fake, sleeps, jobs_dir=tmp_path / "jobs")
    with pytest.raises(ModerationError, match="moderation"):
        p.generate(make_request(prompt="a river of blood"), dest=tmp_path / "a.mp4")
    assert list((tmp_path / "jobs").glob("*.json")) == []
    assert not (tmp_path / "a.mp4").exists()


def test_a_retry_resumes_the_journalled_job_instead_of_paying_again(
    fake, sleeps, tmp_path: Path
) -> None:
    p = provider(fake, sleeps, jobs_dir=tmp_path / "jobs")
    fake.inject("retrieve", Reply(502, {"error": {"message": "bad gateway"}}))
    req = make_request()
    with pytest.raises(RetryableProviderError, match="HTTP 502"):
        p.generate(req, dest=tmp_path / "a.mp4")
    assert fake.calls["create"] == 1
    assert len(list((tmp_path / "jobs").glob("*.json"))) == 1

    # A new provider (as after a restart) with the same journal finishes the same job.
    again = provider(fake, sleeps, jobs_dir=tmp_path / "jobs")
    again.generate(req, dest=tmp_path / "a.mp4")
    assert fake.calls["create"] == 1
    assert again.last_job_id == fake.created[0].id
    assert list((tmp_path / "jobs").glob("*.json")) == []


def test_a_journalled_job_the_server_forgot_is_created_anew(fake, sleeps, tmp_path: Path) -> None:
    p = provider(fake, sleeps, jobs_dir=tmp_path / "jobs")
    req = make_request()
    p.generate(req, dest=tmp_path / "a.mp4")
    first = next(iter(fake.jobs))
    # A stale journal entry for this request, pointing at a job the server does not know.
    from mvagent.providers.remote import fingerprint

    stale = fingerprint(provider="sora", base_url=p.base_url, model="sora-2", prompt=req.prompt,
                        seconds=8, size=(1280, 720), reference=None)  # fmt: skip
    p.journal.put(stale, {"job_id": "video_gone"})
    p.generate(req, dest=tmp_path / "b.mp4")
    assert fake.calls["create"] == 2 and fake.created[-1].id != first
    assert p.journal.get(stale) is None


def test_rejected_key_is_a_config_error_without_the_key(fake, sleeps, tmp_path: Path) -> None:
    wrong = "sk-WRONG-key-that-must-not-leak-42"
    p = get_provider("sora", api_key=wrong, base_url=fake.base_url, sleep=sleeps.append)
    with pytest.raises(ConfigError) as info:
        p.generate(make_request(), dest=tmp_path / "a.mp4")
    assert wrong not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert "SoraCredentials" in str(info.value)


def test_validation_error_is_not_retryable(fake, sleeps, tmp_path: Path) -> None:
    fake.inject(
        "create", Reply(400, {"error": {"message": "Invalid size", "code": "invalid_value"}})
    )
    with pytest.raises(ProviderError) as info:
        provider(fake, sleeps).generate(make_request(), dest=tmp_path / "a.mp4")
    assert not isinstance(info.value, RetryableProviderError)
    assert getattr(info.value, "http_status", None) == 400


def test_moderation_at_create_time_is_a_moderation_error(fake, sleeps, tmp_path: Path) -> None:
    body = {"error": {"message": "Your request was blocked by our moderation system.",
                      "code": "moderation_blocked", "type": "invalid_request_error"}}  # fmt: skip
    fake.inject("create", Reply(400, body))
    with pytest.raises(ModerationError):
        provider(fake, sleeps).generate(make_request(), dest=tmp_path / "a.mp4")


def test_429_carries_retry_after(fake, sleeps, tmp_path: Path) -> None:
    fake.inject(
        "create", Reply(429, {"error": {"message": "Rate limit"}}, headers={"retry-after": "7"})
    )
    with pytest.raises(RetryableProviderError) as info:
        provider(fake, sleeps).generate(make_request(), dest=tmp_path / "a.mp4")
    assert info.value.retry_after_s == 7.0


def test_a_slow_answer_is_a_retryable_timeout(fake, sleeps, tmp_path: Path) -> None:
    fake.inject("create", Reply(200, {}, delay_s=1.0))
    with pytest.raises(RetryableProviderError, match="timed out"):
        provider(fake, sleeps, timeout_s=0.2).generate(make_request(), dest=tmp_path / "a.mp4")


def test_remix_revises_a_finished_video(fake, sleeps, tmp_path: Path) -> None:
    p = provider(fake, sleeps)
    p.generate(make_request(), dest=tmp_path / "a.mp4")
    first = p.last_job_id
    p.remix(first, prompt="same city, at dawn", dest=tmp_path / "b.mp4")
    assert fake.calls["remix"] == 1
    assert (
        fake.created[-1].remixed_from == first and fake.created[-1].prompt == "same city, at dawn"
    )
    assert probe(tmp_path / "b.mp4").has_video


def test_missing_key_names_the_block_and_env_vars() -> None:
    with pytest.raises(ConfigError, match="SoraCredentials.*SORA_API_KEY or OPENAI_API_KEY"):
        get_provider("sora")


def test_env_vars_configure_key_base_url(fake, sleeps, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SORA_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    p = get_provider("sora", sleep=sleeps.append)
    p.generate(make_request(duration_s=4.0), dest=tmp_path / "a.mp4")
    assert fake.created[0].seconds == "4"


def test_capabilities_per_model_and_gateway_price_override() -> None:
    sora2 = get_provider("sora", api_key="k-123456").capabilities
    pro = get_provider("sora", api_key="k-123456", model="sora-2-pro").capabilities
    gateway = get_provider("sora", api_key="k-123456", model="seedance-1-pro").capabilities
    priced = get_provider("sora", api_key="k-123456", model="wan-2.5", price_per_second_usd=0.05)
    assert sora2.price_per_second_usd == 0.10 and pro.price_per_second_usd == 0.30
    assert sora2.durations_s == (4.0, 8.0, 12.0) and sora2.pick_duration(10.0) == 8.0
    assert (1792, 1024) in pro.sizes and (1792, 1024) not in sora2.sizes
    assert gateway.price_per_second_usd == 0.30  # unknown models budget on the safe side
    assert priced.capabilities.cost(8) == 0.4


def test_sent_video_is_what_ffmpeg_reads(fake, sleeps, tmp_path: Path) -> None:
    out = provider(fake, sleeps).generate(make_request(duration_s=4.0), dest=tmp_path / "a.mp4")
    proc = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(out), "-f", "null", "-"],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == ""
