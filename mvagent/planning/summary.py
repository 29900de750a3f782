"""The storyboard in words, for `--dry-run` and report.md: concept, characters, scenes."""

from __future__ import annotations

from mvagent.models import Storyboard


def _mmss(seconds: float) -> str:
    m, s = divmod(max(seconds, 0.0), 60)
    return f"{int(m)}:{s:04.1f}"


def _cell(text: str, limit: int) -> str:
    text = " ".join(text.replace("|", "/").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def storyboard_lines(storyboard: Storyboard, *, prompt_chars: int = 70) -> list[str]:
    """Plain-text lines: planner, concept, characters, then one line per scene."""
    lines = [
        f"planner: {storyboard.planner}"
        + (f" ({storyboard.planner_note})" if storyboard.planner_note else "")
    ]
    if storyboard.concept:
        lines.append(f"concept: {storyboard.concept.logline} [{storyboard.concept.treatment}]")
    for c in storyboard.characters:
        lines.append(f"character {c.name} ({c.id}): {c.description}")
    for loc in storyboard.locations:
        lines.append(f"location {loc.name} ({loc.id}): {loc.description}")
    if storyboard.look:
        look = storyboard.look
        lines.append(f"look: {', '.join(look.palette)}; {look.lens}; {look.camera}; {look.era}")
    for sc in storyboard.scenes:
        lyric = f'  "{_cell(sc.lyric, 40)}"' if sc.lyric else ""
        lines.append(
            f"  scene {sc.index:>2}  {sc.start:7.2f}-{sc.end:7.2f}  {sc.section:<10} "
            f"clip {sc.clip_duration:5.1f}s  {_cell(sc.prompt, prompt_chars)}{lyric}"
        )
    return lines


def storyboard_markdown(storyboard: Storyboard) -> list[str]:
    """Markdown for report.md: concept, characters, locations, look (the scene table is the report's)."""
    out: list[str] = [
        f"Planner: {storyboard.planner}"
        + (f" — {storyboard.planner_note}" if storyboard.planner_note else ""),
        "",
    ]
    if storyboard.concept:
        out += [f"**Concept** ({storyboard.concept.treatment}): {storyboard.concept.logline}", ""]
    if storyboard.characters:
        out += (
            ["**Characters**", ""]
            + [f"- {c.name} (`{c.id}`): {c.description}" for c in storyboard.characters]
            + [""]
        )
    if storyboard.locations:
        out += (
            ["**Locations**", ""]
            + [f"- {loc.name} (`{loc.id}`): {loc.description}" for loc in storyboard.locations]
            + [""]
        )
    if storyboard.look:
        look = storyboard.look
        out += [
            f"**Look**: palette {', '.join(look.palette)}; lens {look.lens}; camera {look.camera}; era {look.era}",
            "",
        ]
    return out
