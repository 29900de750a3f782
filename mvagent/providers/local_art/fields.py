"""Full-frame colour fields: plasma, kaleidoscope and tunnel."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Self

import numpy as np

from mvagent.providers.local_art.canvas import Canvas, Frame
from mvagent.providers.local_art.motif import Motif, floats, ridge

TAU = 2.0 * np.pi


@dataclass(frozen=True)
class Plasma(Motif):
    """Interfering sine fields in the palette's colours, with glowing contour lines."""

    freqs: tuple[float, ...]
    phases: tuple[float, ...]
    tilt: float

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        return cls(
            freqs=floats(rng, 1.2, 3.4, 4),
            phases=floats(rng, 0, TAU, 4),
            tilt=float(rng.uniform(0, np.pi)),
        )

    def draw(self, canvas: Canvas, f: Frame) -> None:
        self.wash(canvas, f, level=1.0, phase=f.phase, pulse=f.pulse)

    def wash(self, canvas: Canvas, f: Frame, *, level: float, phase: float, pulse: float) -> None:
        """The plasma at `level` brightness, animated by `phase` (other motifs use it dimmed)."""
        a, b, c, d = self.freqs
        p = phase
        ct, st = math.cos(self.tilt + 0.05 * p), math.sin(self.tilt + 0.05 * p)
        v = np.sin(f.x * a + (0.6 * p + self.phases[0])) + np.sin(
            f.y * b - (0.5 * p - self.phases[1])
        )
        v = v + np.sin((f.x * ct + f.y * st) * c + (0.4 * p + self.phases[2]))
        v = v + np.sin(f.radius * d - (0.8 * p - self.phases[3]))
        # v spans -4..4: the body is a soft wash, the contours pulse with the beat.
        body = 0.32 + 0.16 * np.sin(v * 1.3 + 0.3 * p)
        contour = ridge(np.cos(v * np.pi), 18.0)
        light = body + contour * (0.45 + 0.9 * pulse)
        canvas.add_hued(light * level if level != 1.0 else light, v * 0.09 + f.hue)


@dataclass(frozen=True)
class Kaleidoscope(Motif):
    """A sine pattern folded into mirrored wedges around the centre, slowly turning."""

    segments: int
    freqs: tuple[float, ...]
    spin: float

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        return cls(
            segments=int(rng.choice([5, 6, 7, 8, 10])),
            freqs=floats(rng, 2.0, 5.5, 3),
            spin=float(rng.choice([-1.0, 1.0]) * rng.uniform(0.08, 0.18)),
        )

    def draw(self, canvas: Canvas, f: Frame) -> None:
        wedge = TAU / self.segments
        a = f.angle + self.spin * f.phase
        folded = np.abs(a - wedge * np.floor(a / wedge) - 0.5 * wedge)
        r = f.radius
        kx, ky = r * np.cos(folded), r * np.sin(folded)
        f1, f2, f3 = self.freqs
        p = f.phase
        v = np.sin(kx * f1 - 0.9 * p) + np.sin(ky * f2 + 0.7 * p) + np.sin((kx + ky) * f3 - 0.4 * p)
        lines = ridge(np.cos(v * np.pi), 22.0)
        light = 0.12 + lines * (0.5 + 0.9 * f.pulse) + 0.05 / (r * r + 0.04)
        canvas.add_hued(light, v * 0.08 + r * 0.35 + f.hue)


@dataclass(frozen=True)
class Tunnel(Motif):
    """Flying down a tube of glowing rings and ribs toward a light at its end."""

    ribs: int
    twist: float
    depth_scale: float

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        return cls(
            ribs=int(rng.choice([6, 8, 10, 12])),
            twist=float(rng.uniform(-0.25, 0.25)),
            depth_scale=float(rng.uniform(0.9, 1.3)),
        )

    def draw(self, canvas: Canvas, f: Frame) -> None:
        r = f.radius
        depth = self.depth_scale / (r + 0.035)
        travel = depth + 1.1 * f.phase
        around = f.angle * (self.ribs / TAU) + self.twist * depth + 0.08 * f.phase
        rings = ridge(np.cos(travel * TAU), 10.0)
        ribs = ridge(np.cos(around * TAU), 14.0)
        # Soft panels between ribs and rings give the walls a surface to fly past.
        panels = 0.5 + 0.5 * np.cos(travel * np.pi) * np.cos(around * np.pi)
        # Near walls bright, the far end fades into a glowing core.
        near = np.minimum(r * r * 3.0, 1.0)
        light = (rings * (0.45 + 1.0 * f.pulse) + ribs * 0.28 + panels * 0.16) * near
        light = light + (0.025 + 0.04 * f.pulse) / (r * r + 0.012)
        canvas.add_hued(light, travel * 0.06 + f.hue)
