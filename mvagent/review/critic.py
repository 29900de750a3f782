"""The clip critic: does this take show the shot, fit the video, and look right?

Two critics behind one `judge(clip, shot=...) -> Judgement`:
- `RulesCritic`: technical QA (decodable, long enough, not black, not frozen) plus the
  offline detectors (a cut inside the clip, flicker, burned-in text, motion against energy).
- `VisionCritic`: the same checks first (a broken file needs no model to be rejected),
  then 3-6 keyframes as images, with the shot's prompt and the visual bible, to a vision
  model through the LLM client, answered as a structured `ClipVerdict`. The detectors'
  findings go along as hints: the model sees the frames and decides whether they matter.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from mvagent.errors import FFmpegError, LLMError
from mvagent.llm import LLM
from mvagent.providers.cache import ClipCache
from mvagent.review.clip_qa import assess_clip
from mvagent.review.detectors import run_detectors
from mvagent.review.frames import read_rgb_frames

Verdict = Literal["accept", "regenerate", "revise"]


class ClipVerdict(BaseModel):
    """What the vision model answers (strict: every field required)."""

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict = Field(
        description="accept the take; regenerate it (same prompt, new seed: the prompt is fine "
        "but this take failed); or revise (the prompt itself led the model astray)"
    )
    prompt_adherence: int = Field(ge=1, le=5, description="1-5: does it show what the prompt asks")
    continuity: int = Field(
        ge=1, le=5, description="1-5: characters, places and palette as the visual bible says"
    )
    visual_quality: int = Field(
        ge=1, le=5, description="1-5: artefacts, distorted faces, text, flicker, glitches"
    )
    problems: list[str] = Field(description="what is wrong, concretely; empty when nothing")
    revised_prompt: str = Field(
        description="with verdict revise: the whole new prompt for this shot; otherwise ''"
    )


@dataclass(frozen=True)
class Shot:
    """What the take was supposed to show."""

    scene_index: int
    prompt: str
    duration_s: float
    energy: float = 0.5
    visual_bible: str = ""
    section: str = ""
    lyric: str = ""


@dataclass(frozen=True)
class Judgement:
    """One take, judged."""

    verdict: Verdict
    critic: Literal["rules", "llm"]
    prompt_adherence: int = 3
    continuity: int = 3
    visual_quality: int = 3
    problems: list[str] = field(default_factory=list)
    revised_prompt: str = ""
    technical_ok: bool = True
    cost_usd: float = 0.0
    note: str = ""
    cached: bool = (
        False  # a verdict given before on the same bytes (mvagent/review/verdict_cache.py)
    )

    @property
    def score(self) -> float:
        """Mean of the three scores; a technically broken take scores 0 (never kept)."""
        if not self.technical_ok:
            return 0.0
        return round((self.prompt_adherence + self.continuity + self.visual_quality) / 3, 3)

    def as_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "critic": self.critic,
            "score": self.score,
            "prompt_adherence": self.prompt_adherence,
            "continuity": self.continuity,
            "visual_quality": self.visual_quality,
            "problems": list(self.problems),
            "revised_prompt": self.revised_prompt,
            "technical_ok": self.technical_ok,
            "cost_usd": self.cost_usd,
            "note": self.note,
            "cached": self.cached,
        }


class Critic(Protocol):
    name: str

    def judge(self, clip: Path, *, shot: Shot) -> Judgement: ...


@dataclass(frozen=True)
class RulesCritic:
    """Technical QA plus the offline detectors; no model, no cost."""

    name: str = "rules"

    def findings(self, clip: Path, *, shot: Shot) -> tuple[list[str], list[str]]:
        """(technical failures, detector findings)."""
        qa = assess_clip(clip, expected_duration_s=shot.duration_s)
        if not qa.ok:
            return list(qa.reasons), []
        try:
            found = run_detectors(clip, energy=shot.energy).problems
        except FFmpegError as exc:
            return [f"undecodable: {exc}"], []
        return [], found

    def judge(self, clip: Path, *, shot: Shot) -> Judgement:
        broken, found = self.findings(clip, shot=shot)
        if broken:
            return Judgement(verdict="regenerate", critic="rules", prompt_adherence=1,
                             continuity=1, visual_quality=1, problems=broken,
                             technical_ok=False)  # fmt: skip
        quality = max(5 - len(found), 1)
        return Judgement(
            verdict="regenerate" if found else "accept",
            critic="rules",
            visual_quality=quality,
            problems=found,
        )


SYSTEM = (
    "You are the editor of a music video. You see keyframes of one generated shot, in order, "
    "with the prompt it was generated from and the video's visual bible. Judge the take: does "
    "it show what the prompt asks (prompt_adherence), does it match the bible's characters, "
    "places and palette (continuity), is it technically clean: no garbled faces or hands, no "
    "text or watermarks, no flicker or sudden cuts (visual_quality). Scores are 1-5. Answer "
    "accept when the take is usable; regenerate when the prompt is right but this take failed "
    "(a new seed will do); revise when the prompt itself led the model astray, and then write "
    "the whole revised prompt, keeping character descriptions word for word."
)


def keyframe_times(duration_s: float, count: int) -> list[float]:
    """`count` times spread over the clip, away from the very first and last frame."""
    count = min(max(count, 3), 6)
    return [round(duration_s * (i + 0.5) / count, 3) for i in range(count)]


def keyframes_jpeg(clip: Path, *, duration_s: float, count: int, width: int = 384) -> list[bytes]:
    """Keyframes of `clip` as JPEG bytes (small: the model needs the content, not pixels)."""
    from PIL import Image

    from mvagent.ffmpeg import probe

    info = probe(clip)
    aspect = (info.height or 9) / (info.width or 16)
    height = max(int(round(width * aspect / 2)) * 2, 2)
    frames = read_rgb_frames(
        clip, width=width, height=height, times_s=keyframe_times(duration_s, count)
    )
    out = []
    for frame in frames:
        buf = io.BytesIO()
        Image.fromarray(frame).save(buf, format="JPEG", quality=80)
        out.append(buf.getvalue())
    return out


def data_url(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def clip_messages(shot: Shot, images: list[bytes], *, hints: list[str]) -> list[dict]:
    brief = {
        "scene": shot.scene_index,
        "section": shot.section,
        "prompt": shot.prompt,
        "visual_bible": shot.visual_bible,
        "lyric": shot.lyric,
        "music_energy_0_to_1": round(shot.energy, 2),
        "offline_detectors_found": hints,
        "keyframes": len(images),
    }
    content: list[dict] = [{"type": "text", "text": json.dumps(brief, ensure_ascii=False)}]
    content += [
        {"type": "image_url", "image_url": {"url": data_url(img), "detail": "low"}}
        for img in images
    ]
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": content}]


def verdict_problems(v: ClipVerdict) -> list[str]:
    if v.verdict == "revise" and not v.revised_prompt.strip():
        return ["verdict is revise but revised_prompt is empty: write the whole new prompt"]
    return []


@dataclass(frozen=True)
class VisionCritic:
    """A vision model over keyframes, after the rules' technical checks."""

    llm: LLM
    keyframes: int = 4
    rules: RulesCritic = field(default_factory=RulesCritic)
    name: str = "llm"

    def judge(self, clip: Path, *, shot: Shot) -> Judgement:
        broken, hints = self.rules.findings(clip, shot=shot)
        if broken:  # a broken file is rejected without paying for a look at it
            return self.rules.judge(clip, shot=shot)
        images = keyframes_jpeg(clip, duration_s=shot.duration_s, count=self.keyframes)
        before = self.llm.total_cost_usd
        try:
            v = self.llm.structured(
                messages=clip_messages(shot, images, hints=hints),  # type: ignore[arg-type]
                schema=ClipVerdict,
                purpose="clip review",
                check=verdict_problems,
            )
        except LLMError as exc:
            # The model is down or talks nonsense: the rules decide this take (said so).
            fallback = self.rules.judge(clip, shot=shot)
            return Judgement(**{**fallback.__dict__, "note": f"vision critic failed: {exc}"[:300],
                                "cost_usd": round(self.llm.total_cost_usd - before, 6)})  # fmt: skip
        return Judgement(
            verdict=v.verdict,
            critic="llm",
            prompt_adherence=v.prompt_adherence,
            continuity=v.continuity,
            visual_quality=v.visual_quality,
            problems=[p[:300] for p in v.problems[:10]],
            revised_prompt=v.revised_prompt.strip() if v.verdict == "revise" else "",
            cost_usd=round(self.llm.total_cost_usd - before, 6),
        )


def build_critic(
    mode: str, *, llm: LLM | None, keyframes: int = 4, cache: ClipCache | None = None
) -> Critic | None:
    """The critic for `mode` (auto|llm|rules|off); None for off. `llm` without a model raises.

    With `cache` (the clip cache) the vision model's verdicts are kept and reused."""
    if mode == "off":
        return None
    if mode == "llm" or (mode == "auto" and llm is not None):
        if llm is None:
            from mvagent.errors import ConfigError

            raise ConfigError(
                "--critic llm needs a vision model: set MVAGENT_LLM_BASE_URL (and "
                "MVAGENT_LLM_API_KEY, MVAGENT_LLM_MODEL) or --llm-credentials BLOCK, or use "
                "--critic rules"
            )
        vision = VisionCritic(llm=llm, keyframes=keyframes)
        if cache is None:
            return vision
        from mvagent.review.verdict_cache import CachedCritic

        return CachedCritic(inner=vision, cache=cache)
    return RulesCritic()
