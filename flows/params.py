"""Flow parameters as pydantic models, so the Prefect UI shows a real form.

Every field has a description (the form shows it) and every closed choice is a Literal (the
form shows a drop-down, the server refuses a typo before any run starts).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from mvagent.models import GenerationSettings, PlannerSettings, RenderSettings
from mvagent.providers import ProviderName
from mvagent.review.settings import ReviewSettings


class SongInput(BaseModel):
    """Which song to make a video for."""

    source: str = Field(
        default="",
        description="a local file path (on the worker), an http(s) URL, or suno:<id>; "
        "when given it always wins over `demo`",
    )
    demo: bool = Field(
        default=False,
        description="use the built-in demo song when `source` is empty (a `source` wins)",
    )
    title: str = Field(
        default="", description="song title for the title card; empty: from the source"
    )
    artist: str = Field(default="", description="artist name for the title card and the report")
    style: str = Field(
        default="",
        description="the song's own style (Suno tags, a manifest's style column); used when "
        "options.style is empty, and read from the Suno track when both are",
    )
    lyrics_path: str | None = Field(
        default=None, description="Suno aligned-words JSON, LRC, SRT or plain text"
    )
    suno_credentials_block: str | None = Field(
        default=None,
        description="SunoCredentials Block for suno: sources (`name` or "
        "`mvagent-suno-credentials/name`); empty: SUNO_API_* on the worker",
    )

    @field_validator("suno_credentials_block", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        # The Suno trigger templates "" when the watcher used environment variables.
        return value.strip() or None if isinstance(value, str) else value


class GenerationForm(GenerationSettings):
    """GenerationSettings as the form offers it: only the built-in providers."""

    provider: ProviderName = Field(
        default="local",
        description="video model: local (free animatic, no key), sora (OpenAI-compatible "
        "gateway), veo, fal, replicate, runway, web (a browser recipe)",
    )
    fallback: list[ProviderName] = Field(
        default_factory=list,
        description="providers to try in order when a clip fails on `provider` (none: stop)",
    )


class VideoOptions(BaseModel):
    """How the video should look and be made."""

    style: str = Field(
        default="",
        description="free text, e.g. 'neon synthwave, rainy city at night'; empty: the "
        "song's own style (Suno tags)",
    )
    out_dir: str = Field(
        default="out", description="folder on the worker where <slug>/final.mp4 is written"
    )
    seed: int = Field(default=0, description="same seed, same storyboard and clips (cached)")
    render: RenderSettings = Field(
        default_factory=RenderSettings, description="size, frame rate, quality, cuts, subtitles"
    )
    generation: GenerationForm = Field(
        default_factory=GenerationForm,
        description="which video model makes the clips, its key, budget and clip cache",
    )
    planner: PlannerSettings = Field(
        default_factory=PlannerSettings,
        description="who writes the storyboard and the prompts (LLM or heuristic), the brief, "
        "and transcription for songs without lyrics",
    )
    review_clips: bool = Field(
        default=True, description="check each clip and regenerate weak ones once"
    )
    review: ReviewSettings = Field(
        default_factory=ReviewSettings,
        description="the editor: which critic judges each clip, how many retakes a scene may "
        "get, and which scenes the video rubric sends back",
    )
    redo_scene: int | None = Field(
        default=None,
        description="redo ONE scene of a video already made in out_dir (new seed, or "
        "redo_prompt) and render it again; every other clip comes from the cache",
    )
    redo_prompt: str = Field(default="", description="with redo_scene: the scene's new prompt")
    storage_block: str | None = Field(
        default=None,
        description="S3Bucket Block (`name` or `s3-bucket/name`) to upload the song's folder "
        "to, under <bucket_folder>/<slug>/; empty: keep it on the worker only",
    )
    drop_local_after_upload: bool = Field(
        default=False,
        description="with storage_block: after a successful upload keep only the outputs "
        "locally (final.mp4, reports, the JSON files); clips and frames stay in the bucket",
    )

    @field_validator("generation", mode="before")
    @classmethod
    def _from_settings(cls, value: Any) -> Any:
        # Callers in Python pass the engine's GenerationSettings; check it against the form.
        if isinstance(value, GenerationSettings) and not isinstance(value, GenerationForm):
            return value.model_dump()
        return value
