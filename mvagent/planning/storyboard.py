"""The heuristic storyboard: scenes follow the song's sections, no LLM needed.

Each section becomes one or more scenes split on bar lines, each fed by one generated clip.
Repeats of a section (same `group`) share motif and seed, so every chorus looks alike and
an unchanged repeat costs nothing (the clip cache serves it).
"""

from __future__ import annotations

from mvagent.models import Analysis, Scene, Section, Storyboard
from mvagent.planning.imagery import imagery, scene_lyric
from mvagent.planning.prompts import write_prompt
from mvagent.planning.visual_bible import (
    CAMERAS_CALM,
    CAMERAS_DRIVING,
    build_visual_bible,
    stable_int,
)
from mvagent.providers.base import Capabilities

LOCAL_MAX_SCENE_S = 16.0


def _sections(analysis: Analysis) -> list[Section]:
    if analysis.sections:
        return analysis.sections
    return [Section(start=0.0, end=analysis.duration, label="instrumental")]


def split_section(
    section: Section, *, downbeats: list[float], max_len_s: float, min_len_s: float
) -> list[tuple[float, float]]:
    """Cut a section into chunks of at most `max_len_s`, on bar lines where there are any.

    A tail shorter than `min_len_s` joins the chunk before it, since a paid model cannot make
    less than its shortest clip and reusing footage is free.
    """
    bars = [d for d in downbeats if section.start + 0.25 < d < section.end - 0.25]
    chunks: list[tuple[float, float]] = []
    start = section.start
    while section.end - start > max_len_s + 1e-6:
        candidates = [d for d in bars if start + min_len_s <= d <= start + max_len_s + 1e-6]
        cut = candidates[-1] if candidates else start + max_len_s
        chunks.append((start, cut))
        start = cut
    chunks.append((start, section.end))
    if len(chunks) > 1 and chunks[-1][1] - chunks[-1][0] < min_len_s:
        tail = chunks.pop()
        chunks[-1] = (chunks[-1][0], tail[1])
    return chunks


def plan_storyboard(
    analysis: Analysis,
    *,
    style: str = "",
    capabilities: Capabilities | None = None,
    seed: int = 0,
    max_scene_s: float | None = None,
    title: str = "",
    hex_colours: bool = True,
) -> Storyboard:
    """Plan scenes over `analysis` for a provider with `capabilities` (defaults: local).

    Each scene's prompt carries concrete imagery from the lyric sung in it, then the title
    and the style tags. `hex_colours=False` (remote models) names the palette in words.
    """
    caps = capabilities or Capabilities()
    if analysis.duration <= 0:
        return Storyboard(style=style)
    if caps.durations_s:
        max_len = max_scene_s or max(caps.durations_s)
        min_len = min(caps.durations_s)
    else:
        max_len = max_scene_s or LOCAL_MAX_SCENE_S
        min_len = min(4.0, max_len)
    sections = _sections(analysis)
    bible = build_visual_bible(
        mood=analysis.mood, style=style, groups=[s.group for s in sections], seed=seed
    )
    scenes: list[Scene] = []
    for section in sections:
        chunks = split_section(
            section, downbeats=analysis.downbeats, max_len_s=max_len, min_len_s=min_len
        )
        for k, (start, end) in enumerate(chunks):
            energy = round(analysis.mean_energy(start, end), 3)
            motif = bible.motif_by_group.get(section.group, "waves")
            shift = section.group % len(bible.palette)
            palette = list(bible.palette[shift:] + bible.palette[:shift])
            if section.label in ("chorus", "drop"):
                palette = palette[:2] + [bible.accent_palette[0]]
            cams = CAMERAS_DRIVING if energy >= 0.6 else CAMERAS_CALM
            camera = cams[stable_int(seed, section.group, k, "cam") % len(cams)]
            lyric = scene_lyric(analysis.lyrics, start, end)
            prompt = write_prompt(
                section=section.label,
                energy=energy,
                motif=motif,
                camera=camera,
                palette=palette,
                bible=bible,
                mood=analysis.mood,
                style=style,
                max_chars=caps.max_prompt_chars,
                imagery=imagery(lyric, title, style),
                hex_colours=hex_colours,
            )
            scenes.append(
                Scene(
                    index=len(scenes),
                    start=round(start, 4),
                    end=round(end, 4),
                    section=section.label,
                    section_group=section.group,
                    energy=energy,
                    prompt=prompt,
                    palette=palette,
                    motif=motif,
                    camera=camera,
                    # Same group + position + length => same seed: repeats can share one clip.
                    seed=stable_int(seed, section.group, k, round(end - start, 1)) % 2**31,
                    clip_duration=caps.pick_duration(end - start),
                    # Continue a long section from where its previous clip ended.
                    reference="previous_last_frame" if caps.image_reference and k > 0 else "none",
                    lyric=lyric,
                )
            )
    return Storyboard(style=style, visual_bible=bible.describe(), scenes=scenes, title=title)
