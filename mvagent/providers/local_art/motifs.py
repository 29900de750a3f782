"""The motif vocabulary the planner may use, and the backdrop every motif is drawn over."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Self

import numpy as np

from mvagent.providers.local_art.canvas import Canvas, Frame
from mvagent.providers.local_art.fields import Kaleidoscope, Plasma, Tunnel
from mvagent.providers.local_art.motif import Motif
from mvagent.providers.local_art.points import Dust, Particles, Starfield
from mvagent.providers.local_art.shapes import Aurora, Bars, Bloom, Grid, Rings, Waves
from mvagent.providers.local_art.vocab import first_named, resolve, stable_hash

_MOTIFS: dict[str, type[Motif]] = {
    "waves": Waves,
    "tunnel": Tunnel,
    "particles": Particles,
    "bars": Bars,
    "rings": Rings,
    "starfield": Starfield,
    "plasma": Plasma,
    "grid": Grid,
    "bloom": Bloom,
    "kaleidoscope": Kaleidoscope,
    "aurora": Aurora,
}

LOCAL_MOTIFS: tuple[str, ...] = tuple(_MOTIFS)

# Words a planner or a person might use for the same idea.
_ALIASES = {
    "ocean": "waves",
    "sea": "waves",
    "water": "waves",
    "ribbons": "waves",
    "vortex": "tunnel",
    "wormhole": "tunnel",
    "fireflies": "particles",
    "sparks": "particles",
    "bokeh": "particles",
    "dust": "particles",
    "equalizer": "bars",
    "equaliser": "bars",
    "spectrum": "bars",
    "ripples": "rings",
    "pulse": "rings",
    "stars": "starfield",
    "space": "starfield",
    "warp": "starfield",
    "liquid": "plasma",
    "smoke": "plasma",
    "nebula": "plasma",
    "synthwave": "grid",
    "retro": "grid",
    "sunset": "grid",
    "flower": "bloom",
    "mandala": "bloom",
    "petals": "bloom",
    "kaleido": "kaleidoscope",
    "fractal": "kaleidoscope",
    "northern_lights": "aurora",
    "aurora_borealis": "aurora",
}


def resolve_motif(name: str) -> str:
    """A name from `LOCAL_MOTIFS`: exact, a common synonym, or a stable pick by hash."""
    return resolve(name, LOCAL_MOTIFS, _ALIASES, kind="motif")


def motif_from_words(text: str, *, seed: int = 0) -> str:
    """The first motif a description names (directly or by synonym), else a pick by seed.

    For planners: `motif_from_words("flying through stars at night")` -> "starfield".
    """
    named = first_named(text, LOCAL_MOTIFS, _ALIASES)
    return named or LOCAL_MOTIFS[stable_hash("motif-pick", seed) % len(LOCAL_MOTIFS)]


def make_motif(name: str, *, seed: int) -> Motif:
    """The motif called `name` (see `resolve_motif`) with constants drawn from `seed`."""
    chosen = resolve_motif(name)
    return _MOTIFS[chosen].random(np.random.default_rng(stable_hash("motif", chosen, seed)))


@dataclass(frozen=True)
class Backdrop:
    """A deep two-tone gradient with a slow drifting glow, plus floating dust on top."""

    glow_path: tuple[float, ...]
    dust: Dust

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        return cls(
            glow_path=tuple(float(v) for v in rng.uniform(0, 2 * np.pi, 4)), dust=Dust.random(rng)
        )

    def paint(self, canvas: Canvas, f: Frame) -> None:
        """Fill the light buffer with the gradient (drawn before the motif)."""
        np.copyto(canvas.light, canvas.gradient)
        a, b, c, d = self.glow_path
        t = f.time_s
        gx = 0.6 * math.sin(0.11 * t + a) + 0.2 * math.sin(0.05 * f.phase + b)
        gy = 0.35 * math.sin(0.07 * t + c) + 0.1 * math.sin(0.04 * f.phase + d)
        # A gaussian is separable: a column times a row instead of a full 2-D evaluation.
        col = np.exp(-((canvas.screen_y - gy) ** 2) * 1.2)
        row = np.exp(-((canvas.screen_x - gx) ** 2) * 1.2) * 0.28
        canvas.add(col * row, canvas.palette.colour_at(0.5 + f.hue))

    def overlay(self, canvas: Canvas, f: Frame) -> None:
        """Dust over the motif (drawn after it)."""
        self.dust.draw(canvas, f, amount=0.07 + 0.08 * f.energy)
