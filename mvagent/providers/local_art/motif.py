"""What every motif is: per-clip constants drawn from a seeded RNG, and one `draw` per frame.

Shared light shapes live here too. They are cheap closed forms rather than blurs, so
glow costs a few array operations: `glow` is an inverse-square halo around a distance,
`ridge` a bright crest on a cosine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Self

import numpy as np

from mvagent.providers.local_art.canvas import Canvas, Frame


class Motif(ABC):
    """A family of images. Subclasses are frozen dataclasses of per-clip constants."""

    @classmethod
    @abstractmethod
    def random(cls, rng: np.random.Generator) -> Self:
        """Constants for one clip (counts, frequencies, phases), all from `rng`."""

    @abstractmethod
    def draw(self, canvas: Canvas, f: Frame) -> None:
        """Add this frame's light to `canvas.light`."""


def glow(distance: np.ndarray, width: float) -> np.ndarray:
    """1 on the line, 1/2 at `width` away, a long soft tail beyond: w^2 / (w^2 + d^2)."""
    w2 = width * width
    return w2 / (w2 + distance * distance)


def ridge(cosine: np.ndarray, sharpness: float) -> np.ndarray:
    """Bright crests where `cosine` is 1, dark between; higher `sharpness` = thinner crests."""
    return 1.0 / (1.0 + sharpness * (1.0 - cosine))


def floats(rng: np.random.Generator, low: float, high: float, n: int) -> tuple[float, ...]:
    """`n` uniform draws as Python floats (numpy float64 scalars would upcast float32 frames)."""
    return tuple(float(v) for v in rng.uniform(low, high, size=n))


def as_f32(values: np.ndarray) -> np.ndarray:
    """A float32 copy, the dtype all per-frame maths uses."""
    return np.asarray(values, dtype=np.float32)
