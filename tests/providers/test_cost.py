"""Cost estimates, and the paid/final ratio the planner reaches with each model's durations."""

from __future__ import annotations

import random

import pytest

from mvagent.errors import BudgetExceededError
from mvagent.models import (
    Analysis,
    ClipRequest,
    GenerationSettings,
    RenderSettings,
    Scene,
    Section,
    Storyboard,
)
from mvagent.planning.cost import estimate_cost
from mvagent.planning.storyboard import plan_storyboard
from mvagent.providers.cache import open_cache
from mvagent.providers.generation import capabilities_for, generate_clip
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.providers.helpers import SORA_KEY, settings_for


def synthetic_song(rng: random.Random) -> Analysis:
    """A 4/4 song at a random tempo with sections of 4..16 bars (the known answer: bar lines)."""
    bpm = rng.uniform(70, 170)
    beat = 60.0 / bpm
    t, sections, group = rng.uniform(0.0, 0.5), [], 0
    labels = ["intro", "verse", "prechorus", "chorus", "bridge", "outro"]
    beats: list[float] = []
    while len(sections) < rng.randint(5, 9):
        bars = rng.choice([4, 8, 8, 12, 16])
        start = t
        for _ in range(bars * 4):
            beats.append(round(t, 4))
            t += beat
        sections.append(
            Section(start=round(start, 4), end=round(t, 4), label=rng.choice(labels), group=group)
        )
        group += 1
    return Analysis(duration=round(t + 0.5, 4), tempo_bpm=bpm, beats=beats, downbeats=beats[::4],
                    sections=sections, energy=[0.5] * len(beats))  # fmt: skip


@pytest.mark.parametrize("provider,model", [
    ("sora", "sora-2"), ("veo", "veo-3.1-fast-generate-preview"), ("veo", "veo-3.1-generate-preview"),
    ("fal", "fal-ai/kling-video/v2.5-turbo/pro/text-to-video"),
    ("fal", "fal-ai/bytedance/seedance/v1/pro/text-to-video"), ("fal", "fal-ai/wan/v2.2-a14b/text-to-video"),
    ("fal", "fal-ai/minimax/hailuo-02/standard/text-to-video"), ("fal", "fal-ai/veo3.1/fast"),
    ("replicate", "bytedance/seedance-1-pro"), ("replicate", "kwaivgi/kling-v2.1"),
    ("replicate", "wan-video/wan-2.5-t2v"), ("replicate", "minimax/hailuo-02"),
    ("replicate", "google/veo-3.1-fast"), ("runway", "gen4.5"), ("runway", "gen4_turbo"),
    ("runway", "veo3.1"), ("runway", "veo3.1_fast"),
])  # fmt: skip
def test_planned_paid_to_final_ratio_stays_under_1_15(provider: str, model: str) -> None:
    caps = capabilities_for(provider, model=model)
    rng = random.Random(20261121)
    ratios = []
    for _ in range(20):
        board = plan_storyboard(synthetic_song(rng), capabilities=caps)
        est = estimate_cost(board, settings=GenerationSettings(provider=provider, model=model))
        ratios.append(est.ratio)
        assert est.total_usd == pytest.approx(
            est.total_paid_seconds * caps.price_per_second_usd, abs=0.01 * len(board.scenes)
        )
    print(f"{provider}/{model}: paid/final ratio over 20 songs: max {max(ratios):.3f}, "
          f"mean {sum(ratios) / len(ratios):.3f}")  # fmt: skip
    assert max(ratios) <= 1.15


def _scene(i: int, start: float, end: float, prompt: str, clip: float, seed: int = 1) -> Scene:
    return Scene(
        index=i, start=start, end=end, section="verse", prompt=prompt, clip_duration=clip, seed=seed
    )


def test_estimate_per_scene_repeats_are_free_and_no_key_is_needed() -> None:
    board = Storyboard(
        scenes=[_scene(0, 0, 8, "a", 8), _scene(1, 8, 12, "b", 4), _scene(2, 12, 20, "a", 8)]
    )
    est = estimate_cost(board, settings=GenerationSettings(provider="sora", model="sora-2-pro"))
    assert [s.paid_s for s in est.scenes] == [8.0, 4.0, 0.0]
    assert est.scenes[2].note == "same clip as scene 0"
    assert (est.total_paid_seconds, est.final_seconds, est.total_usd, est.ratio) == (
        12.0,
        20.0,
        3.6,
        0.6,
    )
    assert "sora sora-2-pro" in est.summary() and "$3.60" in est.summary()


def test_local_is_free() -> None:
    board = Storyboard(scenes=[_scene(0, 0, 8, "a", 8)])
    est = estimate_cost(board, settings=GenerationSettings(provider="local"))
    assert est.total_usd == 0.0 and est.total_paid_seconds == 0.0


def test_max_cost_stops_before_spending() -> None:
    board = Storyboard(scenes=[_scene(i, 8 * i, 8 * i + 8, f"p{i}", 8) for i in range(10)])
    est = estimate_cost(board, settings=GenerationSettings(provider="sora"))
    assert est.total_usd == 8.0
    est.require_within(8.0)
    with pytest.raises(BudgetExceededError, match=r"\$8\.00 on sora, over --max-cost \$5\.00"):
        est.require_within(5.0)


@pytest.mark.service
def test_cached_scenes_cost_nothing_on_rerun(tmp_path, clips_dir, decisions, retry) -> None:
    """The estimate's cache keys are the generator's: after a run, the rerun estimate is $0."""
    board = Storyboard(
        scenes=[_scene(0, 0, 8, "glass city", 8), _scene(1, 8, 12, "river of light", 4)]
    )
    settings = settings_for("sora", tmp_path)
    render = RenderSettings()
    cache = open_cache(settings.cache_dir)
    assert estimate_cost(board, settings=settings, render=render, cache=cache).total_usd == 1.2
    with FakeOpenAIVideos(api_key=SORA_KEY, polls_to_complete=0) as fake:
        for s in board.scenes:
            req = ClipRequest(scene_index=s.index, prompt=s.prompt, duration_s=s.clip_duration, width=render.width,
                              height=render.height, fps=render.fps, seed=s.seed)  # fmt: skip
            generate_clip(req, settings=settings, clips_dir=clips_dir, decisions=decisions, retry=retry,
                          credentials={"api_key": SORA_KEY, "base_url": fake.base_url})  # fmt: skip
    again = estimate_cost(board, settings=settings, render=render, cache=cache)
    assert again.total_usd == 0.0 and [s.note for s in again.scenes] == ["cached", "cached"]


def test_block_price_retakes_and_extra_spend_are_budgeted() -> None:
    board = Storyboard(scenes=[_scene(i, 8 * i, 8 * i + 8, f"p{i}", 8) for i in range(2)])
    settings = GenerationSettings(provider="fal", model="fal-ai/veo3.1/fast")
    assert estimate_cost(board, settings=settings).total_usd == 1.6  # table: $0.10/s
    est = estimate_cost(board, settings=settings, price_per_second_usd=0.05, retake_share=0.25,
                        extra_usd=0.30)  # fmt: skip
    assert est.price_per_second_usd == 0.05 and est.total_usd == 0.8 + 0.2 + 0.3


def test_budget_charges_outside_spend_against_the_same_cap() -> None:
    from mvagent.providers.generation import Budget

    budget = Budget(1.0)
    budget.charge(0.4, what="the LLM planner")
    assert budget.remaining_usd == 0.6
    with pytest.raises(BudgetExceededError, match="the LLM critic"):
        budget.charge(0.7, what="the LLM critic")
