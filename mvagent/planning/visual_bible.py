"""A visual bible: the look that stays constant over a whole video.

Palette family, motifs per section group and camera vocabulary are chosen once per song
from its mood and the user's style text, so repeats (every chorus) look alike and the
video reads as one piece rather than a slideshow.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from mvagent.models import Mood

# Motif and camera words the built-in renderer understands; remote models read them as prose.
MOTIFS: tuple[str, ...] = (
    "waves",
    "tunnel",
    "particles",
    "rings",
    "starfield",
    "plasma",
    "grid",
    "bloom",
)
CAMERAS_CALM: tuple[str, ...] = ("static", "pan_left", "pan_right", "pull_out")
CAMERAS_DRIVING: tuple[str, ...] = ("push_in", "orbit", "shake")

_MOTIF_PROSE = {
    "waves": "rolling waves of light",
    "tunnel": "an endless neon tunnel",
    "particles": "swirling glowing particles",
    "rings": "concentric pulsing rings",
    "starfield": "a starfield rushing past",
    "plasma": "liquid plasma clouds",
    "grid": "a retro horizon grid",
    "bloom": "blooming light flowers",
}
_CAMERA_PROSE = {
    "static": "locked-off camera",
    "pan_left": "slow pan left",
    "pan_right": "slow pan right",
    "pull_out": "gentle pull-out",
    "push_in": "steady push-in",
    "orbit": "orbiting camera",
    "shake": "handheld energetic camera",
}

# Palettes by (valence, arousal) quadrant: warm/cool x vivid/muted.
_PALETTES = {
    ("bright", "vivid"): [("#ff2a6d", "#ffd166", "#05d9e8"), ("#ff6b35", "#f7c59f", "#2ec4b6")],
    ("bright", "soft"): [("#ffcad4", "#b8e0d2", "#f4acb7"), ("#f6bd60", "#84a59d", "#f5cac3")],
    ("dark", "vivid"): [("#7b2cbf", "#ff006e", "#3a86ff"), ("#d00000", "#ffba08", "#3f88c5")],
    ("dark", "soft"): [("#1b263b", "#415a77", "#778da9"), ("#2d3142", "#4f5d75", "#bfc0c0")],
}


def motif_prose(motif: str) -> str:
    return _MOTIF_PROSE.get(motif, motif.replace("_", " "))


def camera_prose(camera: str) -> str:
    return _CAMERA_PROSE.get(camera, camera.replace("_", " "))


def stable_int(*parts: object) -> int:
    """A seed that is the same on every machine and Python run (unlike `hash`)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class VisualBible:
    palette: tuple[str, ...]
    accent_palette: tuple[str, ...]
    motif_by_group: dict[int, str] = field(default_factory=dict)
    look: str = ""

    def describe(self) -> str:
        return f"{self.look}; palette {', '.join(self.palette)}"


def build_visual_bible(*, mood: Mood, style: str, groups: list[int], seed: int = 0) -> VisualBible:
    """Choose palette and one motif per section group, deterministically for `seed`."""
    tone = "bright" if mood.valence >= 0 else "dark"
    energy = "vivid" if mood.arousal >= 0.5 else "soft"
    options = _PALETTES[(tone, energy)]
    palette = options[stable_int(seed, style, "palette") % len(options)]
    other = _PALETTES[(tone, "soft" if energy == "vivid" else "vivid")][0]
    start = stable_int(seed, style, "motif") % len(MOTIFS)
    motifs = {g: MOTIFS[(start + 3 * i) % len(MOTIFS)] for i, g in enumerate(sorted(set(groups)))}
    words = [w.strip() for w in style.split(",") if w.strip()]
    look = ", ".join(words[:4]) if words else f"{tone}, {energy} abstract motion graphics"
    return VisualBible(palette=palette, accent_palette=other, motif_by_group=motifs, look=look)
