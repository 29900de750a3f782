"""`generate_clip`: retries, Retry-After, moderation rewrite, fallback, budget, cache, decisions."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mvagent.errors import (
    BudgetExceededError,
    ConfigError,
    ModerationError,
    ProviderError,
    RetryableProviderError,
)
from mvagent.ffmpeg import probe
from mvagent.models import GenerationSettings
from mvagent.providers.generation import (
    Budget,
    RetryPolicy,
    generate_clip,
    provider_chain,
    revise_clip,
    soften_prompt,
    with_reference,
)
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.fakes.server import Reply
from tests.providers.helpers import SORA_KEY, actions, make_request, settings_for


@pytest.fixture
def fake():
    with FakeOpenAIVideos(api_key=SORA_KEY, polls_to_complete=1, poll_after_ms=1) as server:
        yield server


def sora_creds(fake: FakeOpenAIVideos) -> dict:
    return {"api_key": SORA_KEY, "base_url": fake.base_url}


# --------------------------------------------------------------------------- pure policy


def test_chain_is_only_what_the_user_asked_for() -> None:
    assert provider_chain(GenerationSettings(provider="sora", fallback=["veo"])) == ["sora", "veo"]
    assert provider_chain(GenerationSettings(provider="sora", fallback=["local", "veo"])) == [
        "sora",
        "local",
        "veo",
    ]
    assert provider_chain(GenerationSettings(provider="sora")) == ["sora"]
    assert provider_chain(GenerationSettings()) == ["local"]


def test_backoff_doubles_with_bounded_jitter() -> None:
    policy = RetryPolicy(backoff_s=2.0, jitter=0.5, max_backoff_s=60.0)
    rng = random.Random(7)
    for attempt, base in [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0)]:
        delays = [policy.delay_s(attempt, retry_after_s=None, rng=rng) for _ in range(200)]
        assert base <= min(delays) and max(delays) <= base * 1.5
        assert max(delays) - min(delays) > 0.3 * base  # jitter actually spreads retries
    assert policy.delay_s(10, retry_after_s=None, rng=rng) == 60.0


def test_retry_after_is_never_undercut() -> None:
    policy = RetryPolicy(backoff_s=2.0, jitter=0.5)
    rng = random.Random(1)
    delays = [policy.delay_s(1, retry_after_s=3.0, rng=rng) for _ in range(100)]
    assert min(delays) >= 3.0 and max(delays) <= 4.0


def test_soften_prompt_swaps_risky_words() -> None:
    out = soften_prompt('A river of Blood under "Famous Person", guns everywhere.')
    assert "blood" not in out.lower() and "guns" not in out and "Famous Person" not in out
    assert out.startswith("A river of Red paint") and out.endswith("suitable for all audiences")


# --------------------------------------------------------------------------- against the fake API


@pytest.mark.service
def test_429_then_500_are_retried_honouring_retry_after(
    fake, tmp_path, clips_dir, decisions, retry, sleeps
):
    fake.inject(
        "create",
        Reply(429, {"error": {"message": "Rate limit reached"}}, headers={"retry-after": "3"}),
    )
    fake.inject("retrieve", Reply(500, {"error": {"message": "internal"}}))
    clip = generate_clip(make_request(), settings=settings_for("sora", tmp_path), clips_dir=clips_dir,
                         decisions=decisions, credentials=sora_creds(fake), retry=retry)  # fmt: skip

    assert clip.provider == "sora" and not clip.cached
    assert clip.path == clips_dir / "scene-000.mp4" and probe(clip.path).has_video
    assert (clip.paid_seconds, clip.cost_usd) == (8.0, 0.8)
    # 429 on create: one retry at >= Retry-After; 500 on the poll: resumed, no second create.
    assert fake.calls["create"] == 2 and len(fake.created) == 1
    assert sleeps[0] >= 3.0 and 4.0 <= sleeps[1] <= 6.0
    assert actions(decisions) == ["retry", "retry", "generated"]


@pytest.mark.service
def test_retries_stop_at_max_attempts_then_fall_back(fake, tmp_path, clips_dir, decisions, sleeps):
    for _ in range(3):
        fake.inject("create", Reply(503, {"error": {"message": "overloaded"}}))
    retry = RetryPolicy(max_attempts=3, backoff_s=1.0, sleep=sleeps.append)
    clip = generate_clip(make_request(), settings=settings_for("sora", tmp_path, fallback=["local"]), clips_dir=clips_dir,
                         decisions=decisions, credentials=sora_creds(fake), retry=retry)  # fmt: skip
    assert fake.calls["create"] == 3 and len(fake.created) == 0
    assert len(sleeps) == 2 and 1.0 <= sleeps[0] <= 1.5 and 2.0 <= sleeps[1] <= 3.0
    assert clip.provider == "local" and clip.cost_usd == 0.0
    assert actions(decisions) == ["retry", "retry", "fallback", "generated"]


@pytest.mark.service
def test_validation_errors_are_not_retried(fake, tmp_path, clips_dir, decisions, retry, sleeps):
    fake.inject(
        "create",
        Reply(400, {"error": {"message": "Invalid value for size", "code": "invalid_value"}}),
    )
    clip = generate_clip(make_request(), settings=settings_for("sora", tmp_path, fallback=["local"]), clips_dir=clips_dir,
                         decisions=decisions, credentials=sora_creds(fake), retry=retry)  # fmt: skip
    assert fake.calls["create"] == 1 and sleeps == []
    assert clip.provider == "local"
    fallback = [d for d in decisions.read() if d["action"] == "fallback"][0]
    assert "HTTP 400" in fallback["reason"] and fallback["data"]["next_provider"] == "local"


@pytest.mark.service
def test_timeouts_are_retried(fake, tmp_path, clips_dir, decisions, retry, sleeps):
    fake.inject("create", Reply(200, {}, delay_s=0.6))
    creds = {**sora_creds(fake), "timeout_s": 0.2}
    clip = generate_clip(make_request(), settings=settings_for("sora", tmp_path), clips_dir=clips_dir,
                         decisions=decisions, credentials=creds, retry=retry)  # fmt: skip
    assert clip.provider == "sora" and len(sleeps) == 1
    assert "timed out" in decisions.read()[0]["reason"]


@pytest.mark.service
def test_moderation_rewrites_once_and_succeeds(fake, tmp_path, clips_dir, decisions, retry):
    clip = generate_clip(make_request(prompt="a river of blood at dusk"), settings=settings_for("sora", tmp_path),
                         clips_dir=clips_dir, decisions=decisions, credentials=sora_creds(fake), retry=retry)  # fmt: skip
    assert clip.provider == "sora"
    assert [j.prompt for j in fake.created] == [
        "a river of blood at dusk",
        "a river of red paint at dusk, tasteful, non-violent, stylised, suitable for all audiences",
    ]
    assert actions(decisions) == ["rewrite_prompt", "generated"]


@pytest.mark.service
def test_second_refusal_falls_back_to_local_and_rerun_pays_nothing(
    fake, tmp_path, clips_dir, decisions, retry
):
    settings = settings_for("sora", tmp_path, fallback=["local"])
    req = make_request(prompt="FORBIDDEN dance")
    clip = generate_clip(req, settings=settings, clips_dir=clips_dir, decisions=decisions,
                         credentials=sora_creds(fake), retry=retry)  # fmt: skip
    assert clip.provider == "local" and len(fake.created) == 2
    assert actions(decisions) == ["rewrite_prompt", "fallback", "generated"]

    again = generate_clip(req, settings=settings, clips_dir=tmp_path / "rerun", decisions=decisions,
                          credentials=sora_creds(fake), retry=retry)  # fmt: skip
    assert again.cached and again.provider == "local" and again.cost_usd == 0.0
    assert len(fake.created) == 2 and fake.calls["create"] == 2  # nothing asked of sora again
    assert "could not make this clip before" in decisions.read()[-1]["reason"]


@pytest.mark.service
def test_rerun_is_served_from_cache_with_zero_calls(fake, tmp_path, clips_dir, decisions, retry):
    settings = settings_for("sora", tmp_path)
    reqs = [make_request(i, prompt=f"scene {i}", duration_s=4.0) for i in range(3)]
    first = [generate_clip(r, settings=settings, clips_dir=clips_dir, decisions=decisions,
                           credentials=sora_creds(fake), retry=retry) for r in reqs]  # fmt: skip
    calls_after_first = sum(fake.calls.values())
    out2 = tmp_path / "second" / "clips"
    second = [generate_clip(r, settings=settings, clips_dir=out2, decisions=decisions,
                            credentials=sora_creds(fake), retry=retry) for r in reqs]  # fmt: skip
    assert sum(fake.calls.values()) == calls_after_first
    assert (
        sum(c.cost_usd for c in first) == pytest.approx(1.2)
        and sum(c.cost_usd for c in second) == 0
    )
    assert all(c.cached for c in second)
    for a, b in zip(first, second, strict=True):
        assert b.path.parent == out2 and b.path.read_bytes() == a.path.read_bytes()


@pytest.mark.service
def test_changed_prompt_is_a_cache_miss(fake, tmp_path, clips_dir, decisions, retry):
    settings = settings_for("sora", tmp_path)
    generate_clip(make_request(prompt="one"), settings=settings, clips_dir=clips_dir, decisions=decisions,
                  credentials=sora_creds(fake), retry=retry)  # fmt: skip
    generate_clip(make_request(prompt="two"), settings=settings, clips_dir=clips_dir, decisions=decisions,
                  credentials=sora_creds(fake), retry=retry)  # fmt: skip
    assert len(fake.created) == 2


@pytest.mark.service
def test_budget_stops_before_the_call_that_would_exceed_it(
    fake, tmp_path, clips_dir, decisions, retry
):
    settings = settings_for("sora", tmp_path, max_cost_usd=1.0)
    budget = Budget(settings.max_cost_usd)
    generate_clip(make_request(0, prompt="a"), settings=settings, clips_dir=clips_dir, decisions=decisions,
                  credentials=sora_creds(fake), retry=retry, budget=budget)  # fmt: skip
    with pytest.raises(BudgetExceededError, match=r"\$1\.60.*--max-cost of \$1\.00"):
        generate_clip(make_request(1, prompt="b"), settings=settings, clips_dir=clips_dir,
                      decisions=decisions, credentials=sora_creds(fake), retry=retry, budget=budget)  # fmt: skip
    assert len(fake.created) == 1 and budget.spent_usd == pytest.approx(0.8)
    assert actions(decisions)[-1] == "budget_stop"
    assert not (clips_dir / "scene-001.mp4").exists()


def test_budget_holds_under_concurrency(scripted, tmp_path, clips_dir, decisions, retry):
    """Eight threads race for a $2.00 budget at $0.40 a clip: exactly five get paid."""
    scripted.reset(price=0.10)
    settings = settings_for("scripted", tmp_path)
    budget = Budget(2.0)

    def one(i: int) -> str:
        try:
            generate_clip(make_request(i, prompt=f"p{i}", duration_s=4.0), settings=settings,
                          clips_dir=clips_dir, decisions=decisions, budget=budget, retry=retry)  # fmt: skip
            return "ok"
        except BudgetExceededError:
            return "stopped"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(8)))
    assert results.count("ok") == 5 and len(scripted.calls) == 5
    assert budget.spent_usd == pytest.approx(2.0)


def test_failed_clip_is_not_charged(scripted, tmp_path, clips_dir, decisions, retry):
    scripted.reset(ModerationError("no"), ModerationError("no again"))
    budget = Budget(10.0)
    clip = generate_clip(make_request(), settings=settings_for("scripted", tmp_path, fallback=["local"]), clips_dir=clips_dir,
                         decisions=decisions, budget=budget, retry=retry)  # fmt: skip
    assert clip.provider == "local" and budget.spent_usd == 0.0 and budget.remaining_usd == 10.0


def test_request_is_fitted_and_each_change_recorded(
    scripted, tmp_path, clips_dir, decisions, retry
):
    req = make_request(prompt="word " * 100, duration_s=10.0, reference_image=None)
    req = req.model_copy(update={"width": 1920, "height": 1080})
    clip = generate_clip(req, settings=settings_for("scripted", tmp_path), clips_dir=clips_dir,
                         decisions=decisions, retry=retry)  # fmt: skip
    sent = scripted.calls[0]
    assert (sent.duration_s, sent.width, sent.height) == (8.0, 1280, 720)
    assert len(sent.prompt) <= 200 and not sent.prompt.endswith(" ")
    assert actions(decisions) == ["fit_duration", "fit_size", "truncate_prompt", "generated"]
    assert clip.paid_seconds == 8.0


def test_unconfigured_fallback_is_skipped_with_a_reason(
    scripted, tmp_path, clips_dir, decisions, retry
):
    scripted.reset(ProviderError("HTTP 422"))
    settings = settings_for("scripted", tmp_path, fallback=["veo", "local"])
    clip = generate_clip(make_request(), settings=settings, clips_dir=clips_dir, decisions=decisions,
                         retry=retry)  # fmt: skip
    assert clip.provider == "local"
    skipped = [d for d in decisions.read() if d["action"] == "skip_provider"]
    assert (
        skipped
        and skipped[0]["data"]["provider"] == "veo"
        and "GEMINI_API_KEY" in skipped[0]["reason"]
    )


def test_unconfigured_primary_is_a_config_error(tmp_path, clips_dir, decisions):
    with pytest.raises(ConfigError, match="SORA_API_KEY"):
        generate_clip(make_request(), settings=settings_for("sora", tmp_path), clips_dir=clips_dir,
                      decisions=decisions)  # fmt: skip


def test_dry_run_never_calls_a_remote_provider(scripted, tmp_path, clips_dir, decisions, retry):
    clip = generate_clip(make_request(), settings=settings_for("scripted", tmp_path, fallback=["local"], dry_run=True),
                         clips_dir=clips_dir, decisions=decisions, retry=retry)  # fmt: skip
    assert scripted.calls == [] and clip.provider == "local"


def test_limiter_wraps_every_remote_attempt_only(scripted, tmp_path, clips_dir, decisions, retry):
    entered: list[str] = []

    class Gate:
        def __init__(self, name: str) -> None:
            entered.append(name)

        def __enter__(self) -> None: ...

        def __exit__(self, *exc: object) -> None: ...

    scripted.reset(RetryableProviderError("503"), "ok", ModerationError("x"), ModerationError("y"))
    settings = settings_for("scripted", tmp_path, fallback=["local"])
    generate_clip(make_request(0, prompt="a"), settings=settings, clips_dir=clips_dir, decisions=decisions,
                  retry=retry, limiter=Gate)  # fmt: skip
    generate_clip(make_request(1, prompt="b"), settings=settings, clips_dir=clips_dir, decisions=decisions,
                  retry=retry, limiter=Gate)  # fmt: skip
    # two attempts for scene 0, two for scene 1; the local fallback is not gated
    assert entered == ["scripted"] * 4


def test_a_bad_download_is_not_cached(scripted, tmp_path, clips_dir, decisions, retry, monkeypatch):
    from tests.fakes.scripted import ScriptedProvider

    def broken(self, request, *, dest):
        Path(dest).write_bytes(b"<html>oops</html>")
        return Path(dest)

    monkeypatch.setattr(ScriptedProvider, "generate", broken)
    clip = generate_clip(make_request(), settings=settings_for("scripted", tmp_path, fallback=["local"]), clips_dir=clips_dir,
                         decisions=decisions, retry=retry)  # fmt: skip
    assert clip.provider == "local"
    assert (
        "not a playable video"
        in [d for d in decisions.read() if d["action"] == "fallback"][0]["reason"]
    )
    assert not list(clips_dir.glob(".scene-*"))  # no staging leftovers


@pytest.mark.service
def test_revision_uses_remix_when_the_provider_has_it(fake, tmp_path, clips_dir, decisions, retry):
    settings = settings_for("sora", tmp_path)
    req = make_request()
    first = generate_clip(req, settings=settings, clips_dir=clips_dir, decisions=decisions,
                          credentials=sora_creds(fake), retry=retry)  # fmt: skip
    revised = revise_clip(req, previous=first, prompt="the same street at dawn", settings=settings,
                          clips_dir=clips_dir, decisions=decisions, credentials=sora_creds(fake), retry=retry)  # fmt: skip
    assert fake.calls["remix"] == 1 and fake.created[-1].remixed_from == fake.created[0].id
    assert revised.cost_usd == 0.8 and revised.cache_key != first.cache_key
    assert probe(revised.path).has_video


@pytest.mark.service
def test_continuity_reference_from_the_previous_clip(fake, tmp_path, clips_dir, decisions, retry):
    settings = settings_for("sora", tmp_path)
    first = generate_clip(make_request(0, prompt="a door opens"), settings=settings, clips_dir=clips_dir,
                          decisions=decisions, credentials=sora_creds(fake), retry=retry)  # fmt: skip
    nxt = with_reference(
        make_request(1, prompt="through the door"), first, refs_dir=tmp_path / "refs"
    )
    assert nxt.reference_image.read_bytes()[:4] == b"\x89PNG"
    generate_clip(nxt, settings=settings, clips_dir=clips_dir, decisions=decisions, credentials=sora_creds(fake),
                  retry=retry)  # fmt: skip
    assert fake.created[0].reference is None and fake.created[1].reference[:4] == b"\x89PNG"
