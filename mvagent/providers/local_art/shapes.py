"""Line and shape motifs: waves, aurora, grid, bars, rings and bloom.

Most of these are built from functions of x alone or y alone, which stay one-dimensional
under broadcasting (see canvas.py) and only meet in a final 2-D combination.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Self

import numpy as np

from mvagent.providers.local_art.canvas import Canvas, Frame
from mvagent.providers.local_art.motif import Motif, floats, glow, ridge

TAU = 2.0 * np.pi


@dataclass(frozen=True)
class Waves(Motif):
    """Layered ribbons of light over softly lit swells, more of them when the music is loud."""

    base_y: tuple[float, ...]
    amp: tuple[float, ...]
    freq: tuple[float, ...]
    speed: tuple[float, ...]
    phases: tuple[float, ...]

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        n = 6
        base = np.linspace(-0.55, 0.7, n) + rng.uniform(-0.05, 0.05, n)
        return cls(
            base_y=tuple(float(b) for b in base),
            amp=floats(rng, 0.07, 0.18, n),
            freq=floats(rng, 1.1, 2.8, n),
            speed=floats(rng, 0.5, 1.3, n),
            phases=floats(rng, 0, TAU, n),
        )

    def draw(self, canvas: Canvas, f: Frame) -> None:
        n = len(self.base_y)
        shown = 2.5 + f.energy * (n - 2.5)
        spread = float(canvas.half_h)  # tall frames get their ribbons spread over the height
        for k in range(n):
            weight = min(1.0, max(0.0, shown - k))
            if weight <= 0.0:
                continue
            p = f.phase * self.speed[k] + self.phases[k]
            amp = self.amp[k] * (1.0 + 0.3 * f.pulse)
            crest = self.base_y[k] * spread + amp * (
                np.sin(f.x * self.freq[k] + p) + 0.45 * np.sin(f.x * (2.3 * self.freq[k]) - 1.7 * p)
            )
            d = f.y - crest
            # A bright ribbon on the crest and a faint swell of light below it.
            light = glow(d, 0.012 + 0.01 * f.pulse) * (0.7 + 0.9 * f.pulse)
            light += np.clip(d * 5.0, 0.0, 1.0) * 0.07
            canvas.add(light * weight, canvas.palette.colour_at(k / n + f.hue))


@dataclass(frozen=True)
class Aurora(Motif):
    """Curtains of northern light with vertical rays, above a dark mountain ridge."""

    heights: tuple[float, ...]
    freq: tuple[float, ...]
    phases: tuple[float, ...]
    ridge_phases: tuple[float, ...]

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        return cls(
            heights=floats(rng, -0.15, 0.3, 3),
            freq=floats(rng, 0.8, 1.8, 3),
            phases=floats(rng, 0, TAU, 3),
            ridge_phases=floats(rng, 0, TAU, 3),
        )

    def draw(self, canvas: Canvas, f: Frame) -> None:
        p = f.phase
        tall = float(canvas.half_h)  # portrait frames have more sky
        for k in range(3):
            q = 0.7 * p * (1 + 0.3 * k) + self.phases[k]
            edge = self.heights[k] * tall + 0.16 * np.sin(f.x * self.freq[k] + q)
            edge = edge + 0.06 * np.sin(f.x * 3.1 * self.freq[k] - 1.3 * q)
            rays = 0.62 + 0.24 * np.sin(f.x * 23.0 + 2.5 * np.sin(f.x * 3.7 + 0.5 * q))
            rays = rays + 0.14 * np.sin(f.x * 57.0 - 1.3 * q)
            above = edge - f.y
            light = np.exp(-np.maximum(above, 0.0) * ((2.2 + k) / tall)) * np.clip(
                above * 30.0 + 1.0, 0, 1
            )
            canvas.add(
                light * rays * (0.55 + 0.5 * f.energy + 0.7 * f.pulse),
                canvas.palette.colour_at(0.33 * k + f.hue),
            )
        # The mountains block the light: dim everything under the ridge line.
        a, b, c = self.ridge_phases
        ridge_y = (
            0.55 * tall
            + 0.08 * np.sin(f.x * 1.7 + a)
            + 0.04 * np.sin(f.x * 4.3 + b)
            + 0.02 * np.sin(f.x * 9.1 + c)
        )
        canvas.light *= np.clip((ridge_y - f.y) * 40.0, 0.06, 1.0)


@dataclass(frozen=True)
class Grid(Motif):
    """A retro sunset: striped sun over a horizon, a glowing floor grid rushing forward."""

    horizon: float
    sun_hue: float

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        return cls(horizon=float(rng.uniform(0.0, 0.12)), sun_hue=float(rng.uniform(0, 1)))

    def draw(self, canvas: Canvas, f: Frame) -> None:
        h = self.horizon
        x, y = f.x, f.y
        # Sky: light rising toward the horizon.
        canvas.add(
            0.35 * np.exp(np.minimum(y - h, 0.0) * 3.0), canvas.palette.colour_at(0.5 + f.hue)
        )
        # Sun: a disc cut by stripes that thicken toward the horizon, with a halo.
        cy, radius = h - 0.34, 0.3 * (1.0 + 0.06 * f.pulse)
        dist = np.sqrt(x * x + (y - cy) ** 2)
        disc = np.clip((radius - dist) * 60.0, 0.0, 1.0)
        lower = np.clip((y - cy) / radius, 0.0, 1.0)
        stripes = np.clip((np.sin((y - cy) * 55.0 - 2.0 * f.phase) + 1.0 - 1.6 * lower) * 3.0, 0, 1)
        halo = glow(np.maximum(dist - radius, 0.0), 0.08) * (0.3 + 0.4 * f.pulse)
        sun_hue = self.sun_hue + f.hue + 0.25 * np.clip((y - cy) / radius, -1.0, 1.0)
        canvas.add_hued(disc * np.where(y > cy, stripes, 1.0) * 1.6 + halo, sun_hue)
        # Floor: perspective grid below the horizon; each row of y is one depth.
        below = np.maximum(y - h, 0.004)
        depth = 0.28 / below
        rows = ridge(np.cos((depth + 1.6 * f.phase) * TAU), 25.0)
        cols = ridge(np.cos(x * depth * (4.0 * TAU)), 25.0)
        fade = np.clip((y - h) * 3.0, 0.0, 1.0) * (y > h)
        floor = (rows + cols) * fade * (0.45 + 0.9 * f.pulse)
        canvas.light *= np.where(y > h, 0.25, 1.0)  # the floor hides the sky glow
        canvas.add(floor + glow(y - h, 0.012) * 0.8, canvas.palette.colour_at(0.0 + f.hue))


@dataclass(frozen=True)
class Bars(Motif):
    """An equaliser: bars that jump on the beat, with a glowing cap and a reflection."""

    count: int
    rates: tuple[float, ...]
    phases: tuple[float, ...]
    kicks: tuple[float, ...]

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        n = int(rng.choice([18, 24, 32]))
        return cls(
            count=n,
            rates=floats(rng, 1.0, 4.0, n),
            phases=floats(rng, 0, TAU, n),
            kicks=floats(rng, 0.3, 1.0, n),
        )

    def draw(self, canvas: Canvas, f: Frame) -> None:
        # Narrow frames get fewer, wider bars.
        n = max(8, min(self.count, round(self.count * float(canvas.half_w) / 1.6)))
        rates, phases, kicks = (
            np.asarray(v[:n], dtype=np.float32) for v in (self.rates, self.phases, self.kicks)
        )
        wobble = 0.5 + 0.5 * np.sin(f.phase * rates + phases) * np.sin(
            0.37 * f.phase * rates + 2 * phases
        )
        tall = float(canvas.half_h)
        heights = ((0.12 + 0.5 * f.energy) * wobble + 0.45 * f.pulse * kicks + 0.04) * tall
        extent = canvas.half_w * 1.02
        pos = (f.x + extent) / (2 * extent) * n
        idx = np.clip(np.floor(pos).astype(np.int32), 0, n - 1)
        frac = pos - np.floor(pos)
        in_bar = np.clip((0.42 - np.abs(frac - 0.5)) * 12.0, 0.0, 1.0)
        floor_y = 0.5 * tall
        top = floor_y - heights[idx]
        # Below the floor the picture is a dimmed mirror image.
        mirrored = np.where(f.y > floor_y, 2 * floor_y - f.y, f.y)
        fade = np.where(f.y > floor_y, 0.3 * np.exp(-(f.y - floor_y) * 5.0), 1.0)
        d = mirrored - top
        body = np.clip(d * 40.0, 0.0, 1.0) * (0.3 + 0.5 * np.exp(-d * 3.0))
        cap = glow(d, 0.015) * (0.8 + 0.8 * f.pulse)
        canvas.add_hued((body + cap) * in_bar * fade, idx.astype(np.float32) * (0.8 / n) + f.hue)
        canvas.add(glow(f.y - floor_y, 0.01) * 0.3, canvas.palette.colour_at(0.5 + f.hue))


@dataclass(frozen=True)
class Rings(Motif):
    """Rings of light sent out from the centre on every beat, around turning dashed orbits."""

    orbits: tuple[float, ...]
    dashes: tuple[int, ...]
    spins: tuple[float, ...]

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        return cls(
            orbits=tuple(sorted(floats(rng, 0.3, 0.95, 3))),
            dashes=tuple(int(d) for d in rng.choice([6, 8, 12, 16, 24], size=3)),
            spins=floats(rng, -0.4, 0.4, 3),
        )

    def draw(self, canvas: Canvas, f: Frame) -> None:
        r = f.radius
        light = (0.05 + 0.08 * f.pulse) / (r * r + 0.015)
        # Ripples always travel outward; beats send brighter, faster ones.
        for k in range(4):
            radius = ((0.25 * f.phase + k / 4) % 1.0) * 1.6
            light = light + glow(r - radius, 0.02) * 0.35 * (1 - radius / 1.6)
        for age, strength in f.accents:
            radius = 0.08 + age * (0.9 + 0.6 * f.energy)
            fade = strength * max(0.0, 1.0 - age / 1.6) ** 2
            if fade > 0.01:
                light = light + glow(r - radius, 0.015 + 0.02 * age) * (1.3 * fade)
        canvas.add_hued(light, r * 0.45 + f.hue)
        angle = f.angle
        for orbit, dashes, spin in zip(self.orbits, self.dashes, self.spins, strict=True):
            dash = np.clip(np.cos(angle * dashes + spin * f.phase * dashes) * 3.0 + 1.0, 0.0, 1.0)
            canvas.add(glow(r - orbit, 0.008) * dash * 0.6, canvas.palette.colour_at(orbit + f.hue))


@dataclass(frozen=True)
class Bloom(Motif):
    """A flower of light: nested petal rings that turn against each other and open on beats."""

    petals: tuple[int, ...]
    sizes: tuple[float, ...]
    spins: tuple[float, ...]

    @classmethod
    def random(cls, rng: np.random.Generator) -> Self:
        return cls(
            petals=tuple(int(p) for p in rng.choice([5, 6, 7, 8, 9, 12], size=3)),
            sizes=(0.85, 0.58, 0.33),
            spins=tuple(float(s) for s in rng.uniform(0.18, 0.35, 3) * np.array([1, -1, 1])),
        )

    def draw(self, canvas: Canvas, f: Frame) -> None:
        r, angle = f.radius, f.angle
        opening = 1.0 + 0.14 * f.pulse + 0.08 * math.sin(0.9 * f.phase)
        for k, (petals, size, spin) in enumerate(
            zip(self.petals, self.sizes, self.spins, strict=True)
        ):
            lobe = np.abs(np.cos((angle + spin * f.phase) * (petals / 2)))
            edge = size * opening * (0.5 + 0.5 * lobe)
            d = r - edge
            light = glow(d, 0.012 + 0.008 * f.pulse) * (0.75 + 0.6 * f.pulse)
            light += np.clip(-d * 2.5, 0.0, 1.0) * 0.12
            canvas.add(light, canvas.palette.colour_at(0.3 * k + f.hue))
        canvas.add((0.06 + 0.08 * f.pulse) / (r * r + 0.01), canvas.palette.colour_at(0.66 + f.hue))
