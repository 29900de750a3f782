"""The retake loop with a real vision critic call: the openai SDK against a fake endpoint
that sees the keyframes, and a fake paid provider that counts what it is paid for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from mvagent.decisions import DecisionLog
from mvagent.errors import BudgetExceededError
from mvagent.llm import LLMConfig, LLMRetryPolicy, OpenAICompatibleLLM
from mvagent.models import ClipRequest, GenerationSettings
from mvagent.providers.generation import Budget, generate_clip
from mvagent.review.critic import RulesCritic, Shot, VisionCritic
from mvagent.review.retakes import review_scene
from tests.fakes.openai_chat import FakeOpenAIChat, VisionEditor, image_parts
from tests.fakes.scripted import ScriptedProvider

KEY = "sk-vision-test-3e1f"


class PaidTakes(ScriptedProvider):
    """$0.10/s, and the seed is part of what it makes (like Sora, Veo)."""

    name = "paid-takes"
    cache_fields = ("prompt", "seed", "reference")


@pytest.fixture
def provider(monkeypatch, tmp_path) -> Iterator[type[PaidTakes]]:
    from mvagent.providers import _REGISTRY

    monkeypatch.setenv("MVAGENT_CACHE_DIR", str(tmp_path / "cache"))
    PaidTakes.reset()
    _REGISTRY["paid-takes"] = PaidTakes
    yield PaidTakes
    _REGISTRY.pop("paid-takes", None)


def _setup(tmp_path: Path, editor: VisionEditor, fake: FakeOpenAIChat, *, max_usd=None):
    settings = GenerationSettings(provider="paid-takes", cache_dir=str(tmp_path / "cache"))
    decisions = DecisionLog(tmp_path / "decisions.jsonl")
    budget = Budget(max_usd)
    request = ClipRequest(scene_index=3, prompt="a lighthouse in a storm", duration_s=4.0,
                          width=1280, height=720, fps=24, seed=7, energy=0.6)  # fmt: skip

    def make(req: ClipRequest):
        return generate_clip(req, settings=settings, clips_dir=tmp_path / "clips",
                             decisions=decisions, budget=budget)  # fmt: skip

    llm = OpenAICompatibleLLM(
        LLMConfig(base_url=fake.base_url, api_key=SecretStr(KEY), model="gpt-4o-mini"),
        retry=LLMRetryPolicy(sleep=lambda s: None, backoff_s=0.01),
    )
    shot = Shot(scene_index=3, prompt=request.prompt, duration_s=4.0, energy=0.6,
                visual_bible="a keeper in a yellow oilskin; slate blue and amber")  # fmt: skip
    return request, make, llm, shot, decisions, budget


def _loop(request, make, critic, shot, decisions, tmp_path, *, max_retakes=2, charge=None):
    first = make(request)
    return review_scene(request, first, shot=shot, critic=critic, make=make,
                        revise=lambda req, prev, prompt: make(req), max_retakes=max_retakes,
                        decisions=decisions, takes_dir=tmp_path / "clips" / "takes",
                        charge=charge)  # fmt: skip


def test_regenerate_verdict_makes_exactly_one_retake_judged_again(tmp_path, provider):
    editor = VisionEditor("regenerate")
    with FakeOpenAIChat(api_key=KEY, responder=editor) as fake:
        request, make, llm, shot, decisions, _ = _setup(tmp_path, editor, fake)
        review = _loop(request, make, VisionCritic(llm=llm, keyframes=4), shot, decisions, tmp_path)
        sent = list(fake.requests)
    assert len(provider.calls) == 2  # the first take and ONE retake, both paid
    assert [c.seed for c in provider.calls] == [7, 8]  # the retake is a new seed
    assert editor.clip_reviews == 2 and len(sent) == 2  # the retake was judged again
    for body in sent:  # the keyframes really went out as images
        parts = image_parts(body)
        assert len(parts) == 4
        assert all(p["image_url"]["url"].startswith("data:image/jpeg;base64,/9j/") for p in parts)
        assert "a lighthouse in a storm" in body["messages"][1]["content"][0]["text"]
        assert "yellow oilskin" in body["messages"][1]["content"][0]["text"]
    assert [t.judgement.verdict for t in review.takes] == ["regenerate", "accept"]
    assert review.kept == 1 and review.best.judgement.score > review.takes[0].judgement.score
    assert review.cost_usd == pytest.approx(0.8 + sum(t.judgement.cost_usd for t in review.takes))
    log = decisions.read()
    assert [d["action"] for d in log if d["stage"] == "review"] == [
        "verdict", "regenerate", "verdict", "keep_take"]  # fmt: skip
    assert KEY not in (tmp_path / "decisions.jsonl").read_text()
    assert all((tmp_path / "clips" / "takes" / f"scene-003-take-{i}.mp4").is_file() for i in (0, 1))


def test_max_retakes_bounds_the_loop_and_the_best_take_is_kept(tmp_path, provider):
    editor = VisionEditor("regenerate", "regenerate", "regenerate", "regenerate")
    with FakeOpenAIChat(api_key=KEY, responder=editor) as fake:
        request, make, llm, shot, decisions, _ = _setup(tmp_path, editor, fake)
        review = _loop(request, make, VisionCritic(llm=llm), shot, decisions, tmp_path)
    assert len(provider.calls) == 3 and editor.clip_reviews == 3  # first + 2 retakes
    assert review.stopped.startswith("max retakes") and review.kept == 0


def test_budget_stops_the_loop_before_a_retake_is_paid(tmp_path, provider):
    editor = VisionEditor("regenerate", "regenerate")
    with FakeOpenAIChat(api_key=KEY, responder=editor) as fake:
        # $0.40 a take: the first fits in $0.50, a retake would not.
        request, make, llm, shot, decisions, budget = _setup(tmp_path, editor, fake, max_usd=0.5)
        review = _loop(request, make, VisionCritic(llm=llm), shot, decisions, tmp_path)
    assert len(provider.calls) == 1 and review.stopped.startswith("budget")
    assert any(d["action"] == "budget_stop" and d["stage"] == "review" for d in decisions.read())
    with pytest.raises(BudgetExceededError):
        budget.reserve(0.4, what="another take")


def test_revise_uses_the_revised_prompt(tmp_path, provider):
    editor = VisionEditor(
        "revise", revised_prompt="a lighthouse at dusk, waves breaking, amber beam"
    )
    with FakeOpenAIChat(api_key=KEY, responder=editor) as fake:
        request, make, llm, shot, decisions, _ = _setup(tmp_path, editor, fake)
        review = _loop(request, make, VisionCritic(llm=llm), shot, decisions, tmp_path)
        second = fake.requests[1]
    assert [c.prompt for c in provider.calls][
        1
    ] == "a lighthouse at dusk, waves breaking, amber beam"
    assert review.takes[1].how == "revised_prompt"
    assert "amber beam" in second["messages"][1]["content"][0]["text"]  # judged on the new prompt


def test_rules_critic_accepts_a_clean_clip_and_rejects_a_broken_one(tmp_path, provider):
    request, make, _, shot, decisions, _ = _setup(tmp_path, VisionEditor(), FakeOpenAIChat())
    clip = make(request)
    assert RulesCritic().judge(clip.path, shot=shot).verdict == "accept"
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    j = RulesCritic().judge(broken, shot=shot)
    assert j.verdict == "regenerate" and not j.technical_ok and j.score == 0.0
