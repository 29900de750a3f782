"""What the LLM director must answer: a concept, a visual bible and one entry per scene.

The scene count is fixed by the schema (min = max = the scenes the analysis made), every
field is required (OpenAI strict structured outputs), and `plan_problems` checks what a
schema cannot: each scene index once, character and location ids that resolve, lyric
quotes that are really sung in that scene, and prompts that fit the provider's limit.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanConcept(_Strict):
    logline: str = Field(description="one sentence: what the video is about")
    treatment: Literal["narrative", "performance", "abstract", "lyric"]


class PlanCharacter(_Strict):
    id: str = Field(description="short lowercase id, e.g. 'mara'")
    name: str
    description: str = Field(
        description="fixed visual description (age, build, face, hair, clothes) repeated "
        "word for word in every shot; no names of real people"
    )


class PlanLocation(_Strict):
    id: str = Field(description="short lowercase id, e.g. 'rooftop'")
    name: str
    description: str = Field(description="what the place looks like, concretely")


class PlanBible(_Strict):
    characters: list[PlanCharacter]
    locations: list[PlanLocation]
    palette: list[str] = Field(description="3-5 colours in words, never hex codes")
    lens: str = Field(description="lens and format, e.g. '35mm anamorphic, shallow focus'")
    camera_language: str = Field(description="how the camera behaves over the whole video")
    era: str = Field(description="period and texture, e.g. '1980s VHS', 'present day'")


class PlanScene(_Strict):
    index: int
    action: str = Field(description="what we see happen, concretely, in one or two sentences")
    location: str = Field(description="a location id from the bible")
    setting: str = Field(description="time of day, weather, light in this scene")
    camera: str = Field(description="shot size and camera move for this scene")
    characters: list[str] = Field(description="ids of the characters on screen (may be empty)")
    lyric: str = Field(description="the words sung in this scene that it illustrates, or ''")


class _PlanBase(_Strict):
    concept: PlanConcept
    bible: PlanBible


def plan_schema(n_scenes: int) -> type[_PlanBase]:
    """The reply model for a storyboard of exactly `n_scenes` scenes."""
    scenes = Annotated[list[PlanScene], Field(min_length=n_scenes, max_length=n_scenes)]
    return create_model("MusicVideoPlan", __base__=_PlanBase, scenes=(scenes, ...))


class RewrittenPrompt(_Strict):
    prompt: str = Field(description="the rewritten prompt")
    changes: str = Field(description="what was changed and why, in a few words")


_WORD = re.compile(r"[a-z0-9']+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def plan_problems(
    plan: _PlanBase,
    *,
    n_scenes: int,
    scene_lyrics: list[str],
    prompt_room: list[int],
    max_prompt_chars: int,
) -> list[str]:
    """What is wrong with `plan` that the schema could not say (empty list = usable).

    `prompt_room[i]` is the length of scene i's prompt with only what is never dropped
    (characters verbatim and the action), as the prompt engineer would write it.
    """
    problems: list[str] = []
    scenes = getattr(plan, "scenes", [])
    if len(scenes) != n_scenes:
        problems.append(f"scenes: give exactly {n_scenes} scenes, not {len(scenes)}")
    indices = [s.index for s in scenes]
    missing = sorted(set(range(n_scenes)) - set(indices))
    if missing:
        problems.append(
            f"scenes: indices {missing} are missing; use each of 0..{n_scenes - 1} once"
        )
    dupes = sorted({i for i in indices if indices.count(i) > 1})
    if dupes:
        problems.append(f"scenes: indices {dupes} appear more than once")
    chars = {c.id for c in plan.bible.characters}
    places = {loc.id for loc in plan.bible.locations}
    if len(chars) != len(plan.bible.characters):
        problems.append("bible.characters: character ids must be unique")
    if not places:
        problems.append("bible.locations: give at least one location")
    if plan.concept.treatment in ("narrative", "performance") and not chars:
        problems.append(
            f"bible.characters: a {plan.concept.treatment} treatment needs at least one character"
        )
    for c in plan.bible.characters:
        if len(c.description) > max(max_prompt_chars // 3, 60):
            problems.append(
                f"character {c.id!r}: description is {len(c.description)} characters; keep it "
                f"under {max(max_prompt_chars // 3, 60)} (it is repeated in every prompt)"
            )
    if any(re.search(r"#[0-9a-fA-F]{3,6}\b", p) for p in plan.bible.palette):
        problems.append("bible.palette: name colours in words, not hex codes")
    for s in scenes:
        where = f"scene {s.index}"
        if not s.action.strip():
            problems.append(f"{where}: action is empty")
        unknown = [c for c in s.characters if c not in chars]
        if unknown:
            problems.append(
                f"{where}: characters {unknown} are not in bible.characters {sorted(chars)}"
            )
        if s.location not in places:
            problems.append(
                f"{where}: location {s.location!r} is not in bible.locations {sorted(places)}"
            )
        if 0 <= s.index < n_scenes:
            sung = set(_words(scene_lyrics[s.index]))
            quoted = _words(s.lyric)
            if quoted and not sung:
                problems.append(f"{where}: nothing is sung in this scene; set lyric to ''")
            elif quoted and sum(w in sung for w in quoted) < max(1, len(quoted) // 2):
                problems.append(
                    f"{where}: lyric {s.lyric!r} is not sung in this scene; quote from: "
                    f"{scene_lyrics[s.index][:200]!r}"
                )
            room = prompt_room[s.index] if s.index < len(prompt_room) else 0
            if room > max_prompt_chars:
                problems.append(
                    f"{where}: the characters' descriptions plus the action make a "
                    f"{room}-character prompt; the video model takes {max_prompt_chars}: shorten "
                    "the action"
                )
    return problems
