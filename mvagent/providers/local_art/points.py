"""Point motifs drawn as soft splats: drifting particles and a starfield, plus floating dust.

Positions are closed-form functions of the phase (no simulation state), so any frame
can be drawn on its own and a seed always gives the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np

from mvagent.providers.local_art.canvas import Canvas, Frame
from mvagent.providers.local_art.fields import Plasma
from mvagent.providers.local_art.motif import Motif, as_f32

TAU = 2.0 * np.pi


def _wrap(values: np.ndarray, half: float) -> np.ndarray:
    """Fold positions into -half..half so particles leaving one edge re-enter the other."""
    return values - 2 * half * np.floor((values + half) / (2 * half))


@dataclass(frozen=True)
class Dust:
    """A few large, faint motes drifting across everything: depth at almost no cost."""

    start: np.ndarray  # (N, 2) world positions
    drift: np.ndarray  # (N, 2) world units per unit of phase
    size: np.ndarray  # (N,) radius in short-side fractions
    hue: np.ndarray  # (N,)

    @classmethod
    def random(cls, rng: np.random.Generator, *, count: int = 14) -> Self:
        return cls(
            start=as_f32(rng.uniform(-2, 2, (count, 2))),
            drift=as_f32(rng.normal(0, 0.03, (count, 2)) + [0.02, -0.015]),
            size=as_f32(rng.uniform(0.012, 0.035, count)),
            hue=as_f32(rng.uniform(0, 1, count)),
        )

    def draw(self, canvas: Canvas, f: Frame, *, amount: float) -> None:
        half = np.array([canvas.half_w * 1.4, canvas.half_h * 1.4], dtype=np.float32)
        pos = _wrap(self.start + self.drift * f.phase, half)
        px, py, zoom = canvas.to_pixels(f, pos[:, 0], pos[:, 1])
        sigma = self.size * zoom / canvas.unit
        rgb = canvas.palette.colours_at(self.hue + f.hue)
        canvas.splat(px, py, sigma_px=sigma, amount=np.full(len(px), amount, np.float32), rgb=rgb)


@dataclass(frozen=True)
class Particles(Motif):
    """Glowing motes at many depths swirling through a faint nebula; more when it is loud."""

    start: np.ndarray  # (N, 2)
    drift: np.ndarray  # (N, 2)
    swirl: np.ndarray  # (N, 3): amplitude, rate, phase
    depth: np.ndarray  # (N,) 0 near .. 1 far
    hue: np.ndarray  # (N,)
    nebula: Plasma

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        n = 220
        depth = rng.uniform(0, 1, n) ** 0.7
        return cls(
            start=as_f32(rng.uniform(-2, 2, (n, 2))),
            drift=as_f32(rng.normal(0, 0.08, (n, 2)) + [0.0, -0.1]),
            swirl=as_f32(
                np.column_stack(
                    [rng.uniform(0.03, 0.15, n), rng.uniform(0.5, 1.6, n), rng.uniform(0, TAU, n)]
                )
            ),
            depth=as_f32(depth),
            hue=as_f32(rng.uniform(0, 1, n)),
            nebula=Plasma.random(rng),
        )

    def draw(self, canvas: Canvas, f: Frame) -> None:
        self.nebula.wash(canvas, f, level=0.35, phase=0.3 * f.phase, pulse=0.0)
        n = len(self.depth)
        shown = int(n * (0.35 + 0.65 * f.energy))
        p = f.phase
        near = 1.0 - self.depth[:shown]
        amp, rate, phase = self.swirl[:shown].T
        wobble = np.stack([np.sin(rate * p + phase), np.cos(0.8 * rate * p + phase)], axis=1)
        pos = (
            self.start[:shown]
            + self.drift[:shown] * p * (0.4 + near)[:, None]
            + amp[:, None] * wobble
        )
        half = np.array([canvas.half_w * 1.3, canvas.half_h * 1.3], dtype=np.float32)
        pos = _wrap(pos, half)
        px, py, zoom = canvas.to_pixels(f, pos[:, 0], pos[:, 1])
        # Near motes are big and soft (out of focus), far ones small and crisp.
        size = (0.006 + 0.03 * near**2) * (1.0 + 0.35 * f.pulse)
        sigma = size * zoom / canvas.unit
        amount = (0.35 + 0.9 * (1 - near) + 0.2) * (0.7 + 0.9 * f.pulse) / (1 + 6 * near**2)
        rgb = canvas.palette.colours_at(self.hue[:shown] + f.hue)
        canvas.splat(px, py, sigma_px=sigma, amount=amount.astype(np.float32), rgb=rgb)


@dataclass(frozen=True)
class Starfield(Motif):
    """Flying through stars: they stream out of the centre, streaking when the music pushes."""

    start: np.ndarray  # (N, 2) positions on the far plane
    depth: np.ndarray  # (N,) 0..1 starting depth
    hue: np.ndarray  # (N,)

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        n = 700
        angle = rng.uniform(0, TAU, n)
        radius = np.sqrt(rng.uniform(0.002, 1.0, n)) * 1.8
        return cls(
            start=as_f32(np.column_stack([np.cos(angle), np.sin(angle)]) * radius[:, None]),
            depth=as_f32(rng.uniform(0, 1, n)),
            hue=as_f32(rng.uniform(0, 1, n)),
        )

    def draw(self, canvas: Canvas, f: Frame) -> None:
        # A hint of the galaxy ahead.
        canvas.add(
            (0.03 + 0.05 * f.pulse) / (f.radius * f.radius + 0.05), canvas.palette.colour_at(f.hue)
        )
        n = len(self.depth)
        shown = int(n * (0.4 + 0.6 * f.energy))
        start, depth0, hue = self.start[:shown], self.depth[:shown], self.hue[:shown]
        rgb = canvas.palette.colours_at(hue + f.hue)
        rgb = 0.55 * rgb + 0.45  # stars read as near-white with a tint
        streak = 0.02 + 0.05 * f.energy + 0.06 * f.pulse
        pxs, pys, sigmas, amounts, colours = [], [], [], [], []
        for step in range(4):
            z = depth0 - 0.22 * f.phase + step * streak
            z = z - np.floor(z)
            distance = 0.04 + z
            wx, wy = start[:, 0] * 0.3 / distance, start[:, 1] * 0.3 / distance
            px, py, zoom = canvas.to_pixels(f, wx, wy)
            closeness = (1.0 - z) ** 2
            pxs.append(px)
            pys.append(py)
            sigmas.append((0.5 + 1.4 * closeness) * zoom * (min(canvas.width, canvas.height) / 240))
            amounts.append(closeness * (1.2 + 1.2 * f.pulse) * (1.0 - 0.25 * step) * (z < 0.985))
            colours.append(rgb)
        canvas.splat(
            np.concatenate(pxs),
            np.concatenate(pys),
            sigma_px=np.concatenate(sigmas),
            amount=np.concatenate(amounts).astype(np.float32),
            rgb=np.concatenate(colours),
        )
