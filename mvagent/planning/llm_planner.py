"""The LLM director: content for the scenes the analysis made, timing untouched.

The heuristic storyboard fixes the scenes (sections split on bar lines into clip lengths
the provider allows). The LLM sees the song (title, artist, style tags, the user's brief,
mood, energy per section, the lyric sung in each scene) and writes a concept, a visual
bible and, per scene, action, location, setting, camera and the lyric it illustrates. The
prompt engineer turns that into each scene's prompt for the provider's dialect.
"""

from __future__ import annotations

import json

from mvagent.errors import LLMError
from mvagent.llm.client import LLM
from mvagent.models import (
    Analysis,
    Character,
    Concept,
    Location,
    Look,
    Scene,
    Song,
    Storyboard,
)
from mvagent.planning.llm_schema import PlanScene, plan_problems, plan_schema
from mvagent.planning.prompt_engineer import (
    Shot,
    compose_prompt,
    essential_length,
    negative_prompt,
)
from mvagent.planning.prompts import _SECTION_MOOD, energy_words
from mvagent.providers.base import Capabilities

SYSTEM = """You are the director of a music video, writing for a text-to-video model that \
makes one short clip per scene and remembers nothing between clips.
Write a concept (logline, treatment) and a visual bible: characters with a FIXED visual \
description (age, build, face, hair, clothes; it is pasted word for word into every shot, so \
keep it short and concrete), locations, a palette named in words (never hex codes), lens, \
camera language and era. Then write every scene you are given, in order, keeping its index: \
a concrete action (what we SEE, not what it means), its location id, the setting (time of \
day, weather, light), the camera (shot size and move) and the lyric it illustrates, quoted \
from the words sung in that scene ('' when nothing is sung).
Follow the song: its title, style tags, the brief, its mood, the energy of each section \
(high energy: fast, bold motion; low: stillness, space) and its lyrics. Repeated sections \
(same section group) may rhyme visually. No on-screen text, no logos, no real people, nothing \
a content filter would refuse. Answer with the JSON object only."""


COVER_NOTE = (
    "\n\nThe attached image is the track's cover art: let the concept, palette and imagery "
    "echo it (described in words; never copy text or logos from it)."
)
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                ".webp": "image/webp"}  # fmt: skip


def cover_part(song: Song) -> dict | None:
    """The song's cover as an OpenAI image content part, or None (no cover, unknown type)."""
    import base64

    path = song.image_path
    mime = _IMAGE_TYPES.get(path.suffix.lower()) if path is not None else None
    if path is None or mime is None or not path.is_file():
        return None
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return {
        "type": "image_url",
        "image_url": {"url": f"data:{mime};base64,{data}", "detail": "low"},
    }


def planner_request(
    storyboard: Storyboard,
    analysis: Analysis,
    *,
    song: Song,
    brief: str,
    style: str,
    provider: str,
    capabilities: Capabilities,
) -> dict:
    """The song as the director sees it (the user message, as JSON)."""
    return {
        "song": {
            "title": song.title,
            "artist": song.artist,
            "style_tags": style or song.style,
            "duration_s": round(analysis.duration, 1),
            "tempo_bpm": round(analysis.tempo_bpm, 1),
            "mood": {
                "valence": round(analysis.mood.valence, 2),
                "arousal": round(analysis.mood.arousal, 2),
                "tags": analysis.mood.tags,
            },
            "has_lyrics": bool(analysis.lyrics),
        },
        "brief": brief or "(none: invent a concept that fits the song)",
        "video_model": {
            "provider": provider,
            "max_prompt_chars": capabilities.max_prompt_chars,
            "clip_lengths_s": list(capabilities.durations_s or []),
        },
        "scenes": [
            {
                "index": s.index,
                "start_s": round(s.start, 2),
                "end_s": round(s.end, 2),
                "section": s.section,
                "section_group": s.section_group,
                "energy": round(s.energy, 2),
                "lyrics_sung": s.lyric,
            }
            for s in storyboard.scenes
        ],
    }


def _shot(
    plan_scene: PlanScene,
    scene: Scene,
    *,
    plan: object,
    style: str,
) -> Shot:
    bible = plan.bible  # type: ignore[attr-defined]
    chars = {c.id: c for c in bible.characters}
    places = {loc.id: loc for loc in bible.locations}
    place = places.get(plan_scene.location)
    look = ", ".join(
        p
        for p in (
            bible.lens,
            bible.era,
            ("palette of " + ", ".join(bible.palette)) if bible.palette else "",
        )
        if p
    )
    return Shot(
        action=plan_scene.action,
        characters=[
            (chars[c].name, chars[c].description) for c in plan_scene.characters if c in chars
        ],
        location=place.description if place else plan_scene.location,
        setting=plan_scene.setting,
        camera=", ".join(p for p in (plan_scene.camera, bible.camera_language) if p),
        style=style,
        look=look,
        mood=f"{_SECTION_MOOD.get(scene.section, '')}, {energy_words(scene.energy)}".strip(", "),
    )


def plan_with_llm(
    storyboard: Storyboard,
    analysis: Analysis,
    *,
    song: Song,
    llm: LLM,
    provider: str,
    capabilities: Capabilities,
    brief: str = "",
    style: str = "",
) -> Storyboard:
    """`storyboard` (the heuristic one: same scenes, same timing) rewritten by the LLM.

    Raises `LLMError` when the LLM fails or still answers nonsense after one repair round.
    """
    scenes = storyboard.scenes
    if not scenes:
        return storyboard
    style = style or song.style
    n = len(scenes)
    schema = plan_schema(n)
    lyrics = [s.lyric for s in scenes]
    max_chars = capabilities.max_prompt_chars

    def check(plan: object) -> list[str]:
        by_index = {s.index: s for s in plan.scenes}  # type: ignore[attr-defined]
        room = [
            essential_length(
                _shot(by_index[i], scenes[i], plan=plan, style=style), provider=provider
            )
            if i in by_index
            else 0
            for i in range(n)
        ]
        return plan_problems(plan, n_scenes=n, scene_lyrics=lyrics, prompt_room=room,  # type: ignore[arg-type]
                             max_prompt_chars=max_chars)  # fmt: skip

    request = planner_request(storyboard, analysis, song=song, brief=brief, style=style,
                              provider=provider, capabilities=capabilities)  # fmt: skip
    user: str | list[dict] = json.dumps(request, ensure_ascii=False, indent=1)
    cover = cover_part(song)
    if cover is not None:  # the artist's cover art: a reference for palette and imagery
        user = [{"type": "text", "text": user + COVER_NOTE}, cover]
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": user},
    ]
    before = len(llm.calls)
    plan = llm.structured(messages=messages, schema=schema, purpose="storyboard", check=check)
    by_index = {s.index: s for s in plan.scenes}  # type: ignore[attr-defined]
    negative = negative_prompt(provider)
    new_scenes = []
    for scene in scenes:
        ps = by_index.get(scene.index)
        if ps is None:  # check() makes this impossible; guard anyway
            raise LLMError(f"the LLM plan has no scene {scene.index}")
        prompt = compose_prompt(_shot(ps, scene, plan=plan, style=style), provider=provider,
                                max_chars=max_chars)  # fmt: skip
        new_scenes.append(
            scene.model_copy(
                update={
                    "prompt": prompt,
                    "lyric": ps.lyric or scene.lyric,
                    "action": ps.action,
                    "setting": ps.setting,
                    "characters": list(ps.characters),
                    "location": ps.location,
                    "negative_prompt": negative,
                    "camera": scene.camera,  # the local renderer's move; prose is in the prompt
                }
            )
        )
    bible = plan.bible  # type: ignore[attr-defined]
    calls = llm.calls[before:]
    return storyboard.model_copy(
        update={
            "scenes": new_scenes,
            "planner": "llm",
            "concept": Concept(logline=plan.concept.logline, treatment=plan.concept.treatment),  # type: ignore[attr-defined]
            "characters": [Character(**c.model_dump()) for c in bible.characters],
            "locations": [Location(**loc.model_dump()) for loc in bible.locations],
            "look": Look(
                palette=list(bible.palette),
                lens=bible.lens,
                camera=bible.camera_language,
                era=bible.era,
            ),  # fmt: skip
            "visual_bible": f"{bible.era}; {bible.lens}; {bible.camera_language}; palette "
            + ", ".join(bible.palette),
            "llm_model": llm.model,
            "llm_calls": len(calls),
            "llm_tokens": sum(c.prompt_tokens + c.completion_tokens for c in calls),
            "llm_cost_usd": round(sum(c.cost_usd or 0.0 for c in calls), 6),
        }
    )


__all__ = ["SYSTEM", "plan_with_llm", "planner_request"]
