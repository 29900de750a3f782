"""After the edit: contact sheet, audio-visual fit, and (with a vision model) the rubric."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mvagent.errors import LLMError
from mvagent.llm import LLM
from mvagent.models import Analysis, Storyboard, Timeline
from mvagent.providers.cache import ClipCache
from mvagent.review.av_fit import AVFit, measure_av_fit
from mvagent.review.contact_sheet import write_contact_sheet
from mvagent.review.rubric import VideoRubric
from mvagent.review.verdict_cache import cached_rubric


@dataclass
class VideoReview:
    sheet: Path
    fit: AVFit
    rubric: VideoRubric | None = None
    note: str = ""
    rescued: list[int] = field(default_factory=list)

    def weak_scenes(self, *, below: float) -> list[int]:
        if self.rubric is None:
            return []
        return sorted({s.scene for s in self.rubric.scenes if s.score < below})

    def summary(self) -> str:
        f = self.fit
        text = (f"{f.cuts_on_onsets:.0%} of {f.cuts} cuts on onsets, motion~energy r="
                f"{f.motion_energy_r:+.2f}, brightness~energy r={f.brightness_energy_r:+.2f}")  # fmt: skip
        if self.rubric:
            r = self.rubric
            text += (f"; rubric theme {r.theme_fit}, story {r.storytelling}, continuity "
                     f"{r.continuity}, technical {r.technical_quality}")  # fmt: skip
        return text + (f"; {self.note}" if self.note else "")

    def as_dict(self) -> dict:
        return {
            "contact_sheet": self.sheet.name,
            "fit": self.fit.as_dict(),
            "rubric": self.rubric.model_dump() if self.rubric else None,
            "note": self.note,
            "rescued": self.rescued,
        }


def review_final(
    video: Path,
    *,
    timeline: Timeline,
    analysis: Analysis,
    storyboard: Storyboard,
    sheet: Path,
    llm: LLM | None,
    cache: ClipCache | None = None,
) -> VideoReview:
    """Measure the video; with `llm`, score it (a rubric kept in `cache` is not paid twice)."""
    write_contact_sheet(video, timeline=timeline, dest=sheet)
    fit = measure_av_fit(video, timeline=timeline, analysis=analysis)
    out = VideoReview(sheet=sheet, fit=fit)
    if llm is not None:
        try:
            out.rubric, cached = cached_rubric(llm, cache, sheet=sheet, storyboard=storyboard,
                                               title=storyboard.title)  # fmt: skip
            out.note = "rubric from the cache (this very sheet was scored before)" if cached else ""
        except LLMError as exc:  # the measures stand; the rubric is said to be missing
            out.note = f"no rubric: {exc}"[:300]
    return out
