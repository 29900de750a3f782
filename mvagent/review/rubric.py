"""The video rubric: a vision model looks at the contact sheet and scores the whole video."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from mvagent.llm import LLM
from mvagent.models import Storyboard


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SceneScore(_Strict):
    scene: int = Field(description="the number printed on the frame")
    score: int = Field(ge=1, le=5, description="1-5: how well this scene serves the video")
    problem: str = Field(description="what is wrong with it, or ''")


class VideoRubric(_Strict):
    theme_fit: int = Field(ge=1, le=5, description="1-5: the pictures fit the song and brief")
    storytelling: int = Field(ge=1, le=5, description="1-5: the scenes build a progression")
    continuity: int = Field(ge=1, le=5, description="1-5: characters, places, palette hold")
    technical_quality: int = Field(ge=1, le=5, description="1-5: clean, sharp, no artefacts")
    scenes: list[SceneScore] = Field(description="one entry per frame on the sheet")
    summary: str = Field(description="two sentences at most")


SYSTEM = (
    "You are the editor of a music video. The image is a contact sheet: one frame per scene, "
    "in order, each labelled with its scene number. Score the whole video 1-5 for theme fit, "
    "storytelling, continuity and technical quality, and score each scene 1-5, naming what "
    "is wrong with the weak ones."
)


def rubric_messages(sheet_png: bytes, storyboard: Storyboard, *, title: str) -> list[dict]:
    import base64

    brief = {
        "title": title,
        "concept": storyboard.concept.logline if storyboard.concept else "",
        "visual_bible": storyboard.visual_bible,
        "scenes": [{"scene": s.index, "section": s.section, "prompt": s.prompt[:300]}
                   for s in storyboard.scenes],
    }  # fmt: skip
    url = "data:image/png;base64," + base64.b64encode(sheet_png).decode("ascii")
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": [
            {"type": "text", "text": json.dumps(brief, ensure_ascii=False)},
            {"type": "image_url", "image_url": {"url": url, "detail": "high"}},
        ]},
    ]  # fmt: skip


def score_video(llm: LLM, *, sheet: Path, storyboard: Storyboard, title: str) -> VideoRubric:
    return llm.structured(
        messages=rubric_messages(Path(sheet).read_bytes(), storyboard, title=title),  # type: ignore[arg-type]
        schema=VideoRubric,
        purpose="video rubric",
    )
