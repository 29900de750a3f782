"""Prompt dialects: how each video model likes its prompt written, keyed by provider name.

A dialect orders the pieces of a shot (who, what, where, camera, look), says whether the
model takes a negative prompt and whether hex colours mean anything to it (only the local
renderer reads them; remote models get colours in words). A new provider adds one with
`register_dialect(Dialect(name="kling", ...))`; unknown providers get `generic`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Clause kinds, in the default reading order of a shot description.
KINDS = ("style", "location", "characters", "action", "camera", "look", "mood", "extra")


@dataclass(frozen=True)
class Dialect:
    name: str
    order: tuple[str, ...] = KINDS
    lead: str = "Music video shot"
    labels: dict[str, str] | None = None  # kind -> prefix ("Camera: ...")
    negative_prompts: bool = False
    hex_colours: bool = False
    negative: str = ""
    tail: str = "no on-screen text, no captions"

    def label(self, kind: str, text: str) -> str:
        prefix = (self.labels or {}).get(kind)
        return f"{prefix}: {text}" if prefix else text


_DIALECTS: dict[str, Dialect] = {}


def register_dialect(dialect: Dialect) -> Dialect:
    _DIALECTS[dialect.name] = dialect
    return dialect


def dialect_for(provider: str) -> Dialect:
    return _DIALECTS.get(provider) or _DIALECTS["generic"]


def dialect_names() -> list[str]:
    return sorted(_DIALECTS)


# The built-in renderer draws motif/palette/camera from the request's fields; its prompt only
# seeds the drawing, so it keeps the renderer vocabulary (motif words, hex palette).
register_dialect(
    Dialect(name="local", hex_colours=True, tail="no text, no captions, cinematic lighting")
)
register_dialect(Dialect(name="generic"))
# The /v1/videos contract (Sora and the gateways serving it): a short paragraph per shot,
# subject and action first, camera and look spelt out; no negative prompt parameter.
register_dialect(
    Dialect(
        name="sora",
        order=("style", "location", "characters", "action", "camera", "look", "mood", "extra"),
        lead="Cinematic music video shot",
        labels={"camera": "Camera", "look": "Look", "mood": "Mood"},
    )
)
# Veo reads subject, action, context, camera, composition, style, ambiance; it takes a
# negative prompt (GenerateVideosConfig.negative_prompt), so unwanted things go there.
register_dialect(
    Dialect(
        name="veo",
        order=("characters", "action", "location", "camera", "style", "look", "mood", "extra"),
        lead="",
        labels={"camera": "Camera", "look": "Style", "mood": "Ambiance"},
        negative_prompts=True,
        negative="on-screen text, captions, subtitles, watermark, logo, distorted faces, "
        "extra fingers, blurry, low quality",
        tail="",
    )
)
register_dialect(Dialect(name="web", lead="Cinematic music video shot"))
