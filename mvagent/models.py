"""Pydantic contracts shared by every stage.

All times are seconds on the song's clock unless a field name says otherwise.
These shapes are written to disk (`analysis.json`, `storyboard.json`, `timeline.json`)
and read by other tools, so change them additively.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SectionLabel = Literal[
    "intro",
    "verse",
    "prechorus",
    "chorus",
    "bridge",
    "breakdown",
    "drop",
    "instrumental",
    "outro",
]

TransitionName = Literal["cut", "crossfade", "dip_to_black", "flash", "zoom", "whip"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- analysis


class Section(_Model):
    start: float
    end: float
    label: SectionLabel
    # Repeats of the same material share a group id, so a planner can reuse a motif.
    group: int = 0


class Region(_Model):
    start: float
    end: float


class WordTiming(_Model):
    word: str
    start: float
    end: float


class LyricLine(_Model):
    text: str
    start: float
    end: float
    words: list[WordTiming] = Field(default_factory=list)
    estimated: bool = False


class Mood(_Model):
    valence: float = 0.0  # -1 sad/dark .. +1 happy/bright
    arousal: float = 0.5  # 0 calm .. 1 intense
    tags: list[str] = Field(default_factory=list)


# Below this `beat_confidence` the editor cuts on strong onsets and the report warns first.
LOW_BEAT_CONFIDENCE = 0.5


class TempoCandidate(_Model):
    """A metrical level a listener might tap; `beats_at_level` gives its beat times."""

    level: Literal["half", "beat", "double"]
    tempo_bpm: float
    score: float = Field(description="0..1, periodicity support times the tempo prior")


class Analysis(_Model):
    """What `mvagent analyze SONG --json` prints."""

    duration: float
    sample_rate: int = 44100
    tempo_bpm: float
    beats: list[float] = Field(default_factory=list)
    downbeats: list[float] = Field(default_factory=list)
    time_signature: int = 4
    sections: list[Section] = Field(default_factory=list)
    energy: list[float] = Field(default_factory=list, description="0..1, one value per beat")
    vocals: list[Region] = Field(default_factory=list)
    mood: Mood = Field(default_factory=Mood)
    lyrics: list[LyricLine] = Field(default_factory=list)
    tempo_changes: list[tuple[float, float]] = Field(
        default_factory=list, description="(time_s, bpm) where the tempo changes"
    )
    beat_confidence: float = Field(
        default=1.0, description="0..1: how clearly the audio supports the beat grid"
    )
    tempo_candidates: list[TempoCandidate] = Field(default_factory=list)
    onsets: list[float] = Field(
        default_factory=list, description="strong onsets (s): cut points when confidence is low"
    )

    def beats_at_level(self, level: Literal["half", "beat", "double"] = "beat") -> list[float]:
        """Beat times (s) at a metrical level: the beats, every other beat counted from the
        first downbeat, or the beats with the points half way between them."""
        beats = list(self.beats)
        if level == "half" and len(beats) >= 2:
            first = self.downbeats[0] if self.downbeats else beats[0]
            start = min(range(len(beats)), key=lambda i: abs(beats[i] - first)) % 2
            return beats[start::2]
        if level == "double" and len(beats) >= 2:
            mids = [round((a + b) / 2, 3) for a, b in zip(beats, beats[1:], strict=False)]
            return sorted(beats + mids)
        return beats

    def mean_energy(self, start_s: float, end_s: float) -> float:
        """Mean energy of the beats in `[start_s, end_s)`; `energy_at(start_s)` if none fall there."""
        values = [e for b, e in zip(self.beats, self.energy, strict=False) if start_s <= b < end_s]
        return sum(values) / len(values) if values else self.energy_at(start_s)

    def energy_at(self, time_s: float) -> float:
        """Energy of the beat that contains `time_s` (0.5 when unknown)."""
        if not self.beats or not self.energy:
            return 0.5
        idx = 0
        for i, b in enumerate(self.beats):
            if b <= time_s:
                idx = i
            else:
                break
        return self.energy[min(idx, len(self.energy) - 1)]


# --------------------------------------------------------------------------- song


class Song(_Model):
    """A song as ingested: a local audio file plus what we know about it."""

    path: Path
    title: str
    artist: str = ""
    slug: str
    source: str = "file"  # file | url | suno | demo
    style: str = ""  # the style tags Suno or the user gave
    lyrics_text: str | None = None
    lyrics_path: Path | None = None
    image_path: Path | None = None


# --------------------------------------------------------------------------- planning


Treatment = Literal["narrative", "performance", "abstract", "lyric"]


class Concept(_Model):
    """The idea of the whole video, as a director would pitch it."""

    logline: str
    treatment: Treatment = "abstract"


class Character(_Model):
    """Someone on screen; `description` is repeated verbatim in every prompt they appear in."""

    id: str
    name: str
    description: str


class Location(_Model):
    id: str
    name: str
    description: str


class Look(_Model):
    """The visual bible's constants: palette in words, lens and camera language, era."""

    palette: list[str] = Field(default_factory=list, description="colours in words")
    lens: str = ""
    camera: str = ""
    era: str = ""


class Scene(_Model):
    """One storyboard scene: a stretch of the song fed by one generated clip."""

    index: int
    start: float
    end: float
    section: SectionLabel
    section_group: int = 0
    energy: float = 0.5
    prompt: str
    palette: list[str] = Field(default_factory=list, description="hex colours, e.g. '#ff2a6d'")
    motif: str = "waves"
    camera: str = "static"
    seed: int = 0
    clip_duration: float = Field(description="seconds of video to generate for this scene")
    reference: Literal["none", "previous_last_frame"] = "none"
    lyric: str = Field(default="", description="the lyric sung (or illustrated) in this scene")
    action: str = ""
    setting: str = ""
    characters: list[str] = Field(default_factory=list, description="ids in Storyboard.characters")
    location: str = Field(default="", description="an id in Storyboard.locations")
    negative_prompt: str = Field(default="", description="for models that take one (Veo)")

    @property
    def duration(self) -> float:
        return self.end - self.start


class Storyboard(_Model):
    style: str = ""
    visual_bible: str = ""
    scenes: list[Scene] = Field(default_factory=list)
    title: str = ""
    planner: Literal["heuristic", "llm"] = "heuristic"
    planner_note: str = Field(default="", description="why this planner wrote the storyboard")
    concept: Concept | None = None
    characters: list[Character] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    look: Look | None = None
    llm_model: str = ""
    llm_calls: int = 0
    llm_tokens: int = 0
    llm_cost_usd: float = Field(default=0.0, description="USD spent on LLM calls while planning")
    cover_image: str = Field(
        default="",
        description="the track's cover art (Suno image_url), relative to the storyboard's "
        "folder; the LLM planner sees it as a reference image",
    )


# --------------------------------------------------------------------------- render settings


class RenderSettings(_Model):
    """Size, frame rate, quality and the editor's rules for the final video."""

    width: int = Field(default=1280, description="video width in pixels (even, >= 16)")
    height: int = Field(default=720, description="video height in pixels (even, >= 16)")
    fps: int = Field(default=24, description="frames per second (1-120)")
    preset: Literal["draft", "final"] = Field(
        default="final", description="encoder quality: draft (fast, larger files) or final"
    )
    beat_level: Literal["half", "beat", "double"] = Field(
        default="beat", description="cut on every beat, every other beat, or on half beats"
    )
    fit: Literal["crop", "blur"] = Field(
        default="crop",
        description="clips of another shape: crop to fill, or blur-fill the borders",
    )
    subtitles: Literal["none", "burn", "soft"] = Field(
        default="burn", description="lyrics: none, burned into the picture, or a soft track"
    )
    title_card: bool = Field(default=True, description="show title and artist at the start")
    anticipation_ms: float = Field(
        default=0.0, description="move every cut this many milliseconds before its beat"
    )
    min_shot_s: float = Field(default=1.0, description="no shot shorter than this (seconds)")
    beat_accents: bool = Field(
        default=True, description="a flash or zoom punch on hard cuts at downbeats of loud parts"
    )

    @model_validator(mode="after")
    def _even_size(self) -> RenderSettings:
        # yuv420p needs even dimensions.
        if self.width % 2 or self.height % 2 or self.width < 16 or self.height < 16:
            raise ValueError("width and height must be even numbers >= 16")
        if not 1 <= self.fps <= 120:
            raise ValueError("fps must be between 1 and 120")
        return self


# --------------------------------------------------------------------------- generation


class ClipRequest(_Model):
    """What a provider is asked to make for one scene."""

    scene_index: int
    prompt: str
    duration_s: float
    width: int
    height: int
    fps: int
    seed: int = 0
    palette: list[str] = Field(default_factory=list)
    motif: str = "waves"
    camera: str = "static"
    energy: float = 0.5
    # Music cues relative to the clip's own start, for providers that can use them (local).
    beat_times_s: list[float] = Field(default_factory=list)
    downbeat_times_s: list[float] = Field(default_factory=list)
    beat_energy: list[float] = Field(default_factory=list)
    reference_image: Path | None = None
    negative_prompt: str = ""


class Clip(_Model):
    """A generated clip on disk."""

    scene_index: int
    path: Path
    duration_s: float
    provider: str
    model: str = ""
    cost_usd: float = 0.0
    paid_seconds: float = 0.0
    cached: bool = False
    cache_key: str = ""


# --------------------------------------------------------------------------- timeline


class Shot(_Model):
    start: float
    end: float
    source: str = Field(description="clip path, relative to the timeline file's folder")
    source_in: float = 0.0
    transition: TransitionName = "cut"  # transition INTO this shot from the previous one
    transition_duration: float = 0.0
    accent: Literal["none", "zoom_punch", "flash"] = "none"
    scene_index: int | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


class TitleCard(_Model):
    text: str
    subtitle: str = ""
    start: float = 0.0
    end: float = 3.0


class Timeline(_Model):
    """What `timeline.json` holds; `mvagent render` turns it into a video."""

    fps: int
    width: int
    height: int
    audio: str = Field(description="song path, relative to the timeline file's folder")
    shots: list[Shot]
    title: TitleCard | None = None
    end_card: TitleCard | None = None
    lyrics: list[LyricLine] = Field(default_factory=list)
    subtitles: Literal["none", "burn", "soft"] = "burn"
    fit: Literal["crop", "blur"] = "crop"
    preset: Literal["draft", "final"] = "final"
    duration: float | None = Field(
        default=None, description="song duration; defaults to last shot end"
    )

    @property
    def end(self) -> float:
        return (
            self.duration
            if self.duration is not None
            else (self.shots[-1].end if self.shots else 0.0)
        )


# --------------------------------------------------------------------------- bookkeeping


class Decision(_Model):
    """One line of `decisions.jsonl`: what the agent chose and why."""

    stage: str
    action: str
    reason: str
    scene_index: int | None = None
    data: dict = Field(default_factory=dict)


class PlannerSettings(_Model):
    """Who writes the storyboard and prompts: an LLM, the heuristic, or the LLM when configured."""

    mode: Literal["auto", "llm", "heuristic"] = Field(
        default="auto",
        description="auto: the LLM when one is configured, else the heuristic (and the "
        "heuristic if the LLM fails); llm: the LLM or stop; heuristic: never call an LLM",
    )
    brief: str = Field(default="", description="what you want the video to be about, in words")
    transcribe: bool = Field(
        default=False,
        description="songs without lyrics: get timed words from the LLM endpoint's "
        "audio.transcriptions (whisper-1, gpt-4o-transcribe, faster-whisper)",
    )
    llm_credentials_block: str | None = Field(
        default=None,
        description="saved LLMCredentials Block (`name` or `mvagent-llm-credentials/name`); "
        "empty: MVAGENT_LLM_*",
    )
    llm_model: str = Field(default="", description="overrides the Block's / MVAGENT_LLM_MODEL")


class GenerationSettings(_Model):
    """Which provider makes the clips, what it may spend, and where clips are cached."""

    provider: str = Field(default="local", description="video provider name")
    model: str = Field(default="", description="the provider's model id; empty: its default")
    # Only what the user asks for: no implicit `local` (no silent downgrade to the animatic).
    fallback: list[str] = Field(
        default_factory=list, description="providers to try in order when a clip fails"
    )
    credentials_block: str | None = Field(
        default=None,
        description="saved credentials Block for the provider (`name` or `type-slug/name`; "
        "several: `sora=a,veo=b`); empty: the provider's environment variables",
    )
    max_cost_usd: float | None = Field(
        default=None, description="stop before a clip would take the spend past this (USD)"
    )
    concurrency: int = Field(default=2, description="clips generated at the same time")
    rate_per_minute: float | None = Field(
        default=None,
        ge=0,
        description="paid provider calls per minute (first takes and retakes share one Prefect "
        "rate limit per provider; 0: none); empty: MVAGENT_PROVIDER_RATE_PER_MINUTE, else 10",
    )
    dry_run: bool = Field(
        default=False, description="plan and estimate the cost only; generate nothing"
    )
    cache_dir: str = Field(
        default="", description="local folder or s3://bucket/prefix; empty = ~/.cache/mvagent/clips"
    )
