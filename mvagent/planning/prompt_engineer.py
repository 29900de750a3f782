"""The prompt engineer: one scene's prompt in the chosen provider's dialect and limits.

Character descriptions are repeated verbatim in every scene the character is in (video
models have no memory between clips; the same words are what keeps a face the same).
When the prompt would be over the model's limit, the least important clauses go first
(mood, then look, style, camera); who and what never go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mvagent.planning.dialects import Dialect, dialect_for

# Lower number = kept longer when the prompt has to shrink.
_PRIORITY = {
    "action": 0,
    "characters": 0,
    "location": 1,
    "camera": 2,
    "style": 3,
    "look": 4,
    "extra": 5,
    "mood": 6,
}

_HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")

# A few named colours; a hex code becomes the nearest name for models that read words.
_COLOUR_NAMES = {
    "black": (0, 0, 0),
    "charcoal": (54, 69, 79),
    "slate blue": (65, 90, 119),
    "steel grey": (120, 134, 150),
    "silver": (192, 192, 192),
    "white": (255, 255, 255),
    "crimson": (208, 0, 0),
    "hot pink": (255, 42, 109),
    "magenta": (255, 0, 110),
    "blush pink": (255, 202, 212),
    "coral": (255, 107, 53),
    "peach": (247, 197, 159),
    "amber": (255, 186, 8),
    "golden yellow": (255, 209, 102),
    "sand": (246, 189, 96),
    "mint": (184, 224, 210),
    "sage green": (132, 165, 157),
    "teal": (46, 196, 182),
    "cyan": (5, 217, 232),
    "electric blue": (58, 134, 255),
    "navy": (27, 38, 59),
    "violet": (123, 44, 191),
    "lavender": (181, 160, 220),
}


def colour_name(hex_colour: str) -> str:
    """'#ff2a6d' -> 'hot pink' (nearest of a small table)."""
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    try:
        rgb = tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return hex_colour
    return min(
        _COLOUR_NAMES,
        key=lambda n: sum((a - b) ** 2 for a, b in zip(_COLOUR_NAMES[n], rgb, strict=True)),
    )


def words_for_colours(text: str) -> str:
    """`text` with every hex colour code replaced by a colour name."""
    return _HEX.sub(lambda m: colour_name(m.group(0)), text)


@dataclass
class Shot:
    """The material of one scene's prompt, in words."""

    action: str
    characters: list[tuple[str, str]] = field(default_factory=list)  # (name, description)
    location: str = ""
    setting: str = ""
    camera: str = ""
    style: str = ""
    look: str = ""
    mood: str = ""
    extra: str = ""


def _clauses(shot: Shot, dialect: Dialect) -> dict[str, str]:
    people = "; ".join(f"{name}, {desc.rstrip('. ')}" for name, desc in shot.characters)
    where = ", ".join(p for p in (shot.location, shot.setting) if p)
    clauses = {
        "style": shot.style,
        "location": where,
        "characters": people,
        "action": shot.action.rstrip(". "),
        "camera": shot.camera,
        "look": shot.look,
        "mood": shot.mood,
        "extra": shot.extra,
    }
    out = {k: dialect.label(k, v.strip()) for k, v in clauses.items() if v and v.strip()}
    if not dialect.hex_colours:
        out = {k: words_for_colours(v) for k, v in out.items()}
    return out


def _join(parts: list[str], dialect: Dialect) -> str:
    pieces = (
        ([dialect.lead] if dialect.lead else []) + parts + ([dialect.tail] if dialect.tail else [])
    )
    return ". ".join(p.rstrip(". ") for p in pieces if p) + "."


def essential_length(shot: Shot, *, provider: str) -> int:
    """Characters of the prompt with only what is never dropped (who and what)."""
    dialect = dialect_for(provider)
    clauses = _clauses(shot, dialect)
    keep = [clauses[k] for k in dialect.order if k in clauses and _PRIORITY[k] == 0]
    return len(_join(keep, dialect))


def compose_prompt(shot: Shot, *, provider: str, max_chars: int) -> str:
    """The prompt for `provider`, within `max_chars`, dropping the least important clauses."""
    dialect = dialect_for(provider)
    clauses = _clauses(shot, dialect)
    kept = set(clauses)
    for kind in sorted(clauses, key=lambda k: -_PRIORITY[k]):
        if len(_join([clauses[k] for k in dialect.order if k in kept], dialect)) <= max_chars:
            break
        if _PRIORITY[kind] > 0:
            kept.discard(kind)
    prompt = _join([clauses[k] for k in dialect.order if k in kept], dialect)
    if len(prompt) > max_chars:  # even who-and-what is too long: cut at a word boundary
        prompt = prompt[:max_chars].rsplit(" ", 1)[0].rstrip(" ,;.") + "."
        prompt = prompt[:max_chars]
    return prompt


def negative_prompt(provider: str) -> str:
    """The negative prompt for models that take one; '' for the others."""
    dialect = dialect_for(provider)
    return dialect.negative if dialect.negative_prompts else ""
