"""How the editor reviews: which critic, how many retakes, what a weak scene is."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CriticMode = Literal["auto", "llm", "rules", "off"]


class ReviewSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    critic: CriticMode = Field(
        default="auto",
        description="who judges each clip: llm (a vision model over 3-6 keyframes, with the "
        "shot's prompt and the visual bible), rules (technical QA plus offline detectors: cuts "
        "inside a clip, flicker, burned-in text, motion against the music's energy), off, or "
        "auto (llm when an LLM is configured, else rules)",
    )
    max_retakes: int = Field(
        default=2, ge=0, le=10, description="new takes per scene at most, besides the first"
    )
    keyframes: int = Field(default=4, ge=3, le=6, description="frames per clip sent to the critic")
    rescue_below: float = Field(
        default=2.5,
        ge=1.0,
        le=5.0,
        description="after the edit, scenes the video rubric scores below this (1-5) are "
        "regenerated once if the budget allows, and the video is rendered again",
    )
