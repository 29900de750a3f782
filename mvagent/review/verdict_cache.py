"""Critic verdicts and video rubrics kept next to the clip cache, so a rerun of an unchanged
song pays the vision model nothing.

A verdict depends on what the model saw and what it was asked: the clip's bytes, the shot
(prompt, visual bible, energy, section, lyric), the critic's model, and the rubric (system
prompt, answer schema, number of keyframes). The key covers exactly those, so changing any
of them judges the take again. Only the model's own answers are kept: a take the rules
judged because the model failed is asked again next time, not remembered as judged.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

from mvagent.llm import LLM
from mvagent.models import Storyboard
from mvagent.providers.cache import ClipCache
from mvagent.providers.remote import fingerprint, sha256_file
from mvagent.review import critic as clip_critic
from mvagent.review import rubric as video_rubric
from mvagent.review.critic import Judgement, Shot, VisionCritic

# Bump when the meaning of a kept verdict changes in a way the key does not see.
VERSION = 1
log = logging.getLogger("mvagent.review.verdict_cache")


def clip_rubric_version(keyframes: int) -> str:
    """What the clip critic is asked, as a hash: edit the prompt or schema, judge again."""
    return fingerprint(v=VERSION, system=clip_critic.SYSTEM, keyframes=keyframes,
                       schema=clip_critic.ClipVerdict.model_json_schema())  # fmt: skip


def video_rubric_version() -> str:
    return fingerprint(v=VERSION, system=video_rubric.SYSTEM,
                       schema=video_rubric.VideoRubric.model_json_schema())  # fmt: skip


def verdict_key(clip: Path, *, shot: Shot, model: str, rubric: str) -> str:
    return fingerprint(clip=sha256_file(clip), shot=dataclasses.asdict(shot), model=model,
                       rubric=rubric)  # fmt: skip


def _get(cache: ClipCache, name: str) -> dict | None:
    try:
        return cache.get_record(name)
    except Exception as exc:  # an unreachable cache costs a model call, not the run
        log.warning("cannot read %s from the clip cache: %s", name, exc)
        return None


def _put(cache: ClipCache, name: str, record: dict) -> None:
    try:
        cache.put_record(name, record)
    except Exception as exc:
        log.warning("cannot keep %s in the clip cache: %s", name, exc)


_FIELDS = {f.name for f in dataclasses.fields(Judgement)}


@dataclass(frozen=True)
class CachedCritic:
    """A `VisionCritic` that asks the model only about takes it has not judged before."""

    inner: VisionCritic
    cache: ClipCache
    name: str = "llm"

    def key(self, clip: Path, *, shot: Shot) -> str:
        return verdict_key(clip, shot=shot, model=self.inner.llm.model,
                           rubric=clip_rubric_version(self.inner.keyframes))  # fmt: skip

    def judge(self, clip: Path, *, shot: Shot) -> Judgement:
        if not Path(clip).is_file():  # nothing to hash: the rules say why it is broken
            return self.inner.judge(clip, shot=shot)
        name = f"verdicts/{self.key(clip, shot=shot)}"
        if (kept := _get(self.cache, name)) is not None:
            fields = {k: v for k, v in kept.items() if k in _FIELDS}
            if "problems" in fields:
                fields["problems"] = list(fields["problems"])
            return Judgement(**{**fields, "cost_usd": 0.0, "cached": True})
        judgement = self.inner.judge(clip, shot=shot)
        if judgement.critic == "llm":  # the model's answer, not a rules fallback
            _put(self.cache, name, {**dataclasses.asdict(judgement), "cached": False})
        return judgement


def cached_rubric(
    llm: LLM, cache: ClipCache | None, *, sheet: Path, storyboard: Storyboard, title: str
) -> tuple[video_rubric.VideoRubric, bool]:
    """The video rubric over `sheet`, from the cache when this very sheet and storyboard were
    scored by this model before; returns (rubric, whether it came from the cache)."""
    if cache is None:
        return video_rubric.score_video(llm, sheet=sheet, storyboard=storyboard, title=title), False
    brief = video_rubric.rubric_messages(b"", storyboard, title=title)[1]["content"][0]["text"]
    name = "rubrics/" + fingerprint(sheet=sha256_file(sheet), brief=brief, model=llm.model,
                                    rubric=video_rubric_version())  # fmt: skip
    if (kept := _get(cache, name)) is not None:
        try:
            return video_rubric.VideoRubric.model_validate(kept), True
        except ValueError:
            pass  # a record of an older shape: score again
    result = video_rubric.score_video(llm, sheet=sheet, storyboard=storyboard, title=title)
    _put(cache, name, result.model_dump())
    return result, False
