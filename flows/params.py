"""Flow parameters as pydantic models, so the Prefect UI shows a real form."""

from __future__ import annotations

from pydantic import BaseModel, Field

from mvagent.models import GenerationSettings, PlannerSettings, RenderSettings
from mvagent.review.settings import ReviewSettings


class SongInput(BaseModel):
    """Which song to make a video for."""

    source: str = Field(default="", description="a local file path, an http(s) URL, or suno:<id>")
    demo: bool = Field(default=False, description="ignore `source` and use the built-in demo song")
    title: str = ""
    artist: str = ""
    lyrics_path: str | None = Field(
        default=None, description="Suno aligned-words JSON, LRC, SRT or plain text"
    )


class VideoOptions(BaseModel):
    """How the video should look and be made."""

    style: str = Field(
        default="", description="free text, e.g. 'neon synthwave, rainy city at night'"
    )
    out_dir: str = "out"
    seed: int = 0
    render: RenderSettings = Field(default_factory=RenderSettings)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
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
        default=None, description="S3Bucket block to upload the result to"
    )
    drop_local_after_upload: bool = Field(
        default=False,
        description="with storage_block: after a successful upload keep only the outputs "
        "locally (final.mp4, reports, the JSON files); clips and frames stay in the bucket",
    )
