"""Critic verdicts kept next to the clip cache: the same take, shot, model and rubric is not
sent to the model twice; change any of them and it is. Plus the provider rate setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvagent.models import GenerationSettings
from mvagent.providers.cache import LocalClipCache
from mvagent.review.critic import Shot, VisionCritic, build_critic
from mvagent.review.verdict_cache import CachedCritic
from tests.fakes.media import tiny_mp4
from tests.fakes.scripted_llm import ScriptedLLM

VERDICT = {"verdict": "regenerate", "prompt_adherence": 2, "continuity": 4, "visual_quality": 3,
           "problems": ["the lighthouse is missing"], "revised_prompt": ""}  # fmt: skip
SHOT = Shot(scene_index=2, prompt="a lighthouse in a storm", duration_s=4.0, energy=0.6,
            visual_bible="a keeper in a yellow oilskin")  # fmt: skip


def _clip(path: Path, width: int = 160) -> Path:
    path.write_bytes(tiny_mp4(4.0, width=width))
    return path


def test_a_verdict_is_asked_once_per_take_shot_model_and_rubric(tmp_path):
    cache = LocalClipCache(tmp_path / "cache")
    llm = ScriptedLLM(*[VERDICT] * 5)
    critic = build_critic("llm", llm=llm, keyframes=3, cache=cache)
    assert isinstance(critic, CachedCritic)
    clip = _clip(tmp_path / "scene-002.mp4")

    first = critic.judge(clip, shot=SHOT)
    again = critic.judge(clip, shot=SHOT)
    assert len(llm.requests) == 1  # the second look came from the cache
    assert not first.cached and again.cached and again.cost_usd == 0.0
    assert (again.verdict, again.score, again.problems) == (first.verdict, first.score,
                                                            first.problems)  # fmt: skip
    assert list((tmp_path / "cache" / "records" / "verdicts").glob("*.json"))

    critic.judge(clip, shot=Shot(**{**SHOT.__dict__, "prompt": "a lighthouse at dawn"}))
    assert len(llm.requests) == 2  # another prompt: judged again
    critic.judge(_clip(tmp_path / "take-1.mp4", width=176), shot=SHOT)
    assert len(llm.requests) == 3  # another take: judged again
    CachedCritic(inner=VisionCritic(llm=llm, keyframes=4), cache=cache).judge(clip, shot=SHOT)
    assert len(llm.requests) == 4  # another rubric (keyframe count): judged again
    llm.model = "another-vision-model"
    critic.judge(clip, shot=SHOT)
    assert len(llm.requests) == 5  # another model: judged again


def test_a_rules_fallback_is_not_remembered(tmp_path):
    from mvagent.errors import LLMError

    cache = LocalClipCache(tmp_path / "cache")
    llm = ScriptedLLM(LLMError("the endpoint is down"), VERDICT)
    critic = CachedCritic(inner=VisionCritic(llm=llm, keyframes=3), cache=cache)
    clip = _clip(tmp_path / "scene-002.mp4")
    down = critic.judge(clip, shot=SHOT)
    assert down.critic == "rules" and "vision critic failed" in down.note
    assert critic.judge(clip, shot=SHOT).critic == "llm"  # asked again, not the fallback
    assert len(llm.requests) == 2


def test_provider_rate_is_a_setting_shared_by_every_take(monkeypatch):
    from tasks.provider_calls import rate_per_minute

    monkeypatch.delenv("MVAGENT_PROVIDER_RATE_PER_MINUTE", raising=False)
    assert rate_per_minute(GenerationSettings()) == 10.0
    monkeypatch.setenv("MVAGENT_PROVIDER_RATE_PER_MINUTE", "4")
    assert rate_per_minute(GenerationSettings()) == 4.0
    assert rate_per_minute(GenerationSettings(rate_per_minute=30)) == 30.0
    assert rate_per_minute(GenerationSettings(rate_per_minute=30), 0) == 0.0  # a task override
    with pytest.raises(ValueError):
        GenerationSettings(rate_per_minute=-1)


def test_retakes_are_limited_at_the_configured_rate(monkeypatch, tmp_path):
    import tasks.provider_calls as calls
    from mvagent.decisions import DecisionLog
    from mvagent.providers.generation import Budget

    seen: list[dict] = []
    monkeypatch.setattr(calls, "provider_limiter", lambda **kw: seen.append(kw))
    calls.clip_makers(settings=GenerationSettings(rate_per_minute=3, concurrency=1),
                      clips_dir=tmp_path, decisions=DecisionLog(tmp_path / "d.jsonl"),
                      planner=None, budget=Budget())  # fmt: skip
    assert seen == [{"concurrency": 1, "rate_per_minute": 3.0}]  # was a fixed 10 per minute
