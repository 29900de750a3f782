"""Prompt writing: turn a scene's section, mood, energy and the user's style into text."""

from __future__ import annotations

from mvagent.models import Mood
from mvagent.planning.visual_bible import VisualBible, camera_prose, motif_prose

_SECTION_MOOD = {
    "intro": "an opening that sets the scene, slow reveal",
    "verse": "storytelling, restrained movement",
    "prechorus": "building tension, light gathering",
    "chorus": "euphoric release, full brightness",
    "bridge": "a dreamlike change of perspective",
    "breakdown": "sparse and suspended, drifting",
    "drop": "explosive impact, maximum motion",
    "instrumental": "flowing abstract motion",
    "outro": "fading out, calm resolution",
}


def energy_words(energy: float) -> str:
    if energy >= 0.75:
        return "intense, fast, strobing on the beat"
    if energy >= 0.5:
        return "driving, rhythmic, pulsing with the beat"
    if energy >= 0.25:
        return "steady, smooth, gentle pulses"
    return "calm, slow, barely moving"


def write_prompt(
    *,
    section: str,
    energy: float,
    motif: str,
    camera: str,
    palette: list[str],
    bible: VisualBible,
    mood: Mood,
    style: str = "",
    max_chars: int = 4000,
    imagery: list[str] | None = None,
    hex_colours: bool = True,
) -> str:
    """One prompt for a text-to-video model; cut to `max_chars` at a clause boundary.

    `imagery` (concrete pictures from the lyric, title and tags) comes right after the look,
    so a short prompt limit keeps it. Only the local renderer reads hex colours; with
    `hex_colours=False` (remote models) the palette is named in words.
    """
    from mvagent.planning.prompt_engineer import colour_name

    colours = " ".join(palette) if hex_colours else ", ".join(colour_name(c) for c in palette)
    clauses = [
        f"Music video shot, {bible.look}",
        *(imagery or []),
        f"{motif_prose(motif)}",
        _SECTION_MOOD.get(section, "abstract motion"),
        energy_words(energy),
        f"{camera_prose(camera)}",
        f"colour palette {colours}",
    ]
    if mood.tags:
        clauses.append("mood: " + ", ".join(mood.tags[:3]))
    if style and style not in bible.look:
        clauses.append(f"style: {style}")
    clauses.append("no text, no captions, cinematic lighting")
    prompt = ""
    for clause in clauses:
        candidate = f"{prompt}. {clause}" if prompt else clause
        if len(candidate) + 1 > max_chars:
            break
        prompt = candidate
    return (prompt + ".")[:max_chars]
