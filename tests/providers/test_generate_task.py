"""The Prefect task around generation: mapping, global concurrency limits, both caches."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from mvagent.decisions import DecisionLog
from mvagent.models import GenerationSettings
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.providers.helpers import SORA_KEY, make_request

pytestmark = [pytest.mark.service, pytest.mark.slow]


@pytest.fixture
def fake():
    with FakeOpenAIVideos(api_key=SORA_KEY, polls_to_complete=1, poll_after_ms=1) as server:
        yield server


def run_flow(requests, *, settings, out: Path, block: str | None = None):
    from prefect import flow, unmapped

    from tasks.generate import generate_clip_task

    @flow(name="generate-test")
    def generate_all():
        return generate_clip_task.map(
            requests,
            settings=unmapped(settings),
            clips_dir=unmapped(str(out / "clips")),
            decisions_path=unmapped(str(out / "decisions.jsonl")),
            credentials_block=unmapped(block),
            rate_per_minute=unmapped(600.0),
        ).result()

    return generate_all()


def test_mapped_task_limits_caches_and_refills(prefect_harness, fake, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    from blocks.credentials import SoraCredentials

    SoraCredentials(api_key=SORA_KEY, base_url=fake.base_url).save("sora-task-test", overwrite=True)
    settings = GenerationSettings(provider="sora", cache_dir=str(tmp_path / "cache"), concurrency=2,
                                  credentials_block="sora-task-test")  # fmt: skip
    requests = [make_request(i, prompt=f"scene {i}", duration_s=4.0) for i in range(3)]
    out = tmp_path / "out"
    log = DecisionLog(out / "decisions.jsonl")

    first = run_flow(requests, settings=settings, out=out)
    assert [c.provider for c in first] == ["sora"] * 3 and sum(
        c.cost_usd for c in first
    ) == pytest.approx(1.2)
    assert len(fake.created) == 3 and all(
        (out / "clips" / f"scene-{i:03d}.mp4").exists() for i in range(3)
    )
    with get_client(sync_client=True) as client:
        jobs = client.read_global_concurrency_limit_by_name("mvagent-provider-sora")
        rate = client.read_global_concurrency_limit_by_name("mvagent-provider-sora-rate")
    assert jobs.limit == 2 and rate.slot_decay_per_second == pytest.approx(10.0)

    # Rerun: the engine cache answers (zero calls); then Prefect's cache skips the task itself.
    second = run_flow(requests, settings=settings, out=out)
    assert all(c.cached and c.cost_usd == 0 for c in second)
    lines = len(log.read())
    third = run_flow(requests, settings=settings, out=out)
    assert [c.cached for c in third] == [True] * 3 and len(
        log.read()
    ) == lines  # task bodies skipped
    assert sum(fake.calls.values()) == 3 * 4  # create, 2 polls, content per clip: all from run 1

    # Lost output folder: Prefect has no key for a missing file, the engine cache refills it.
    for p in (out / "clips").glob("*.mp4"):
        p.unlink()
    fourth = run_flow(requests, settings=settings, out=out)
    assert all(c.path.exists() and c.cached for c in fourth) and len(fake.created) == 3
    assert SORA_KEY not in (out / "decisions.jsonl").read_text()


def test_concurrency_limit_holds_paid_jobs_to_one_at_a_time(
    prefect_harness, tmp_path: Path, monkeypatch
) -> None:
    from prefect.client.orchestration import get_client

    # An earlier test may have made the limit with 2 slots; it comes back with settings.concurrency.
    with get_client(sync_client=True) as client, contextlib.suppress(Exception):
        client.delete_global_concurrency_limit_by_name("mvagent-provider-sora")
    with FakeOpenAIVideos(api_key=SORA_KEY, polls_to_complete=3, poll_after_ms=40) as fake:
        monkeypatch.setenv("SORA_API_KEY", SORA_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        settings = GenerationSettings(provider="sora", model="sora-2-pro", cache_dir=str(tmp_path / "c"),
                                      concurrency=1)  # fmt: skip
        clips = run_flow([make_request(i, prompt=f"one at a time {i}", duration_s=4.0) for i in range(4)],
                         settings=settings, out=tmp_path / "out")  # fmt: skip
        assert len(clips) == 4 and len(fake.created) == 4
        assert fake.max_active == 1


def test_budget_stop_is_not_retried_by_prefect(
    prefect_harness, fake, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("SORA_API_KEY", SORA_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    settings = GenerationSettings(
        provider="sora", cache_dir=str(tmp_path / "cache"), max_cost_usd=0.5
    )
    out = tmp_path / "out"
    from mvagent.errors import BudgetExceededError

    with pytest.raises(BudgetExceededError):
        run_flow([make_request(0, duration_s=8.0)], settings=settings, out=out)
    stops = [d for d in DecisionLog(out / "decisions.jsonl").read() if d["action"] == "budget_stop"]
    assert len(stops) == 1 and fake.calls["create"] == 0


def test_existing_limits_are_left_as_tuned(prefect_harness) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    from tasks.generate import ensure_limits

    with get_client(sync_client=True) as client:
        client.create_global_concurrency_limit(
            GlobalConcurrencyLimitCreate(name="mvagent-provider-tuned", limit=7)
        )
        ensure_limits("tuned", concurrency=2, rate_per_minute=0)
        assert client.read_global_concurrency_limit_by_name("mvagent-provider-tuned").limit == 7


def test_cache_key_is_none_without_a_clip_in_place(tmp_path: Path) -> None:
    from tasks.generate import clip_cache_key

    settings = GenerationSettings(provider="sora")
    params = {"request": make_request(), "settings": settings, "clips_dir": str(tmp_path)}
    assert clip_cache_key(None, params) is None
    (tmp_path / "scene-000.mp4").write_bytes(b"one")
    k1 = clip_cache_key(None, params)
    (tmp_path / "scene-000.mp4").write_bytes(b"two")
    k2 = clip_cache_key(None, params)
    other = clip_cache_key(None, {**params, "request": make_request(prompt="other")})
    assert k1 and k2 and len({k1, k2, other}) == 3
    assert json.dumps(k1)  # plain string
