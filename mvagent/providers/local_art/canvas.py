"""The drawing surface: coordinate grids, a light accumulator and the final tone map.

Motifs add *light* (float32, unbounded) into `Canvas.light`; `Canvas.develop` turns it
into 8-bit planes with a soft filmic curve, so overlapping glows bloom instead of
clipping. Coordinates are world units (see `camera.py`). Without camera roll, x is a
(1, w) row and y an (h, 1) column and numpy broadcasting keeps functions of one axis
one-dimensional, which is most of what keeps the renderer fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mvagent.providers.local_art.camera import CameraPath
from mvagent.providers.local_art.palette import LUT_SIZE, Palette

F32 = np.float32
_REACHES = np.array([1, 2, 3, 5, 8, 12], dtype=np.int32)  # splat kernel half-sizes, pixels


@dataclass
class Frame:
    """What a motif needs to draw one frame: world coordinates and the music right now."""

    x: np.ndarray  # world x of each pixel, (1, w) or (h, w)
    y: np.ndarray  # world y of each pixel, (h, 1) or (h, w)
    view: tuple[float, float, float, float]  # camera zoom, roll (rad), offset x, offset y
    time_s: float
    phase: float  # integrated motion (see cues.py)
    pulse: float  # 0..1 beat accent (see cues.py)
    energy: float  # 0..1
    hue: float  # slow palette drift, added to every hue lookup
    accents: tuple[tuple[float, float], ...] = ()  # (seconds since, strength) of recent beats

    # Polar coordinates of the screen, set by `Canvas.frame` when the camera is centred
    # (zoom and roll only): then polar world coordinates are one cheap op away.
    screen_polar: tuple[np.ndarray, np.ndarray] | None = None

    @cached_property
    def radius(self) -> np.ndarray:
        if self.screen_polar is not None:
            return self.screen_polar[0] * F32(1.0 / self.view[0])
        return np.sqrt(self.x * self.x + self.y * self.y)

    @cached_property
    def angle(self) -> np.ndarray:
        if self.screen_polar is not None:
            return self.screen_polar[1] + F32(self.view[1])
        return np.arctan2(self.y, self.x)


class Canvas:
    """Internal-resolution surface for one clip; reused for every frame."""

    def __init__(self, *, width: int, height: int, palette: Palette) -> None:
        self.width = width
        self.height = height
        self.palette = palette
        self.unit = F32(2.0 / min(width, height))  # world units per pixel at zoom 1
        self.screen_x = ((np.arange(width, dtype=F32) + 0.5 - width / 2) * self.unit)[None, :]
        self.screen_y = ((np.arange(height, dtype=F32) + 0.5 - height / 2) * self.unit)[:, None]
        self.half_w = F32(width / 2 * self.unit)
        self.half_h = F32(height / 2 * self.unit)
        self._polar = (
            np.sqrt(self.screen_x**2 + self.screen_y**2),
            np.arctan2(self.screen_y, self.screen_x),
        )
        self.light = np.zeros((3, height, width), dtype=F32)
        self._planes = np.empty((3, height, width), dtype=np.uint8)
        # A soft vignette, folded with the 8-bit scale so developing costs one multiply.
        r2 = (self.screen_x / self.half_w) ** 2 * 0.55 + (self.screen_y / self.half_h) ** 2 * 0.45
        self._vignette = (255.0 * (1.0 - 0.42 * np.clip(r2, 0, 1.6) ** 1.4)).astype(F32)
        # The backdrop's deep two-tone vertical gradient, ready to copy in each frame.
        top, bottom = palette.shadow
        v = np.clip(self.screen_y / (2 * self.half_h) + 0.5, 0.0, 1.0)
        self.gradient = np.ascontiguousarray(
            np.broadcast_to(
                (top[:, None, None] * (1 - v) + bottom[:, None, None] * v).astype(F32),
                (3, height, width),
            )
        )

    # ------------------------------------------------------------------ coordinates

    def frame(self, camera: CameraPath, i: int, **music: float) -> Frame:
        """World coordinates of every pixel for frame `i` under `camera`."""
        zoom, angle = float(camera.zoom[i]), float(camera.angle[i])
        ox, oy = float(camera.offset_x[i]), float(camera.offset_y[i])
        sx, sy = self.screen_x / F32(zoom), self.screen_y / F32(zoom)
        if angle == 0.0:
            x, y = sx + F32(ox), sy + F32(oy)
        else:
            c, s = F32(math.cos(angle)), F32(math.sin(angle))
            x = sx * c - sy * s + F32(ox)
            y = sx * s + sy * c + F32(oy)
        centred = ox == 0.0 and oy == 0.0
        return Frame(
            x=x,
            y=y,
            view=(zoom, angle, ox, oy),
            screen_polar=self._polar if centred else None,
            **music,
        )

    def to_pixels(self, frame: Frame, wx: np.ndarray, wy: np.ndarray) -> tuple[np.ndarray, ...]:
        """Pixel coordinates (px, py) of world points, plus the zoom (for sizes)."""
        zoom, angle, ox, oy = frame.view
        dx = (wx - ox) * zoom
        dy = (wy - oy) * zoom
        if angle != 0.0:
            c, s = math.cos(angle), math.sin(angle)
            dx, dy = dx * c + dy * s, -dx * s + dy * c
        px = dx / self.unit + self.width / 2 - 0.5
        py = dy / self.unit + self.height / 2 - 0.5
        return px, py, zoom

    # ------------------------------------------------------------------ light

    def add(self, intensity: np.ndarray | float, rgb: np.ndarray) -> None:
        """Add `intensity` of one colour (3,) everywhere it is non-zero."""
        for c in range(3):
            self.light[c] += intensity * F32(rgb[c])

    def add_hued(self, intensity: np.ndarray, hue: np.ndarray | float) -> None:
        """Add `intensity` coloured by the palette gradient at `hue` (wraps every 1.0)."""
        if np.ndim(hue) == 0:
            self.add(intensity, self.palette.colour_at(float(hue)))
            return
        idx = (np.asarray(hue, dtype=F32) * F32(LUT_SIZE)).astype(np.int32) & (LUT_SIZE - 1)
        for c in range(3):
            self.light[c] += self.palette.lut[c].take(idx) * intensity

    def splat(
        self,
        px: np.ndarray,
        py: np.ndarray,
        *,
        sigma_px: np.ndarray,
        amount: np.ndarray,
        rgb: np.ndarray,
    ) -> None:
        """Add soft round dots.

        Centres (px, py) and gaussian radius `sigma_px` in pixels, peak light `amount`,
        colour `rgb` (N, 3).
        """
        sigma = np.maximum(np.asarray(sigma_px, dtype=F32), F32(0.5))
        onscreen = (
            (amount > 1e-3)
            & (px > -3 * sigma)
            & (px < self.width + 3 * sigma)
            & (py > -3 * sigma)
            & (py < self.height + 3 * sigma)
        )
        if not onscreen.any():
            return
        px, py, sigma = px[onscreen].astype(F32), py[onscreen].astype(F32), sigma[onscreen]
        amount, rgb = amount[onscreen].astype(F32), rgb[onscreen].astype(F32)
        # Dots are grouped by kernel size so a few big soft ones do not make every
        # small one pay for a big kernel.
        reach = np.minimum(np.ceil(2.2 * sigma), _REACHES[-1]).astype(np.int32)
        bins = np.searchsorted(_REACHES, reach)
        size = self.width * self.height
        flats, weights = [], []
        for b in sorted(set(bins.tolist())):
            pick = bins == b
            r = int(_REACHES[b])
            offsets = np.arange(-r, r + 1, dtype=np.int32)
            rx, ry = np.round(px[pick]), np.round(py[pick])
            ix = (rx.astype(np.int32)[:, None] + offsets)[:, None, :]  # (n, 1, k)
            iy = (ry.astype(np.int32)[:, None] + offsets)[:, :, None]  # (n, k, 1)
            # Distances stay float32 (int32 - float32 would promote to float64).
            fx = (rx - px[pick])[:, None] + offsets.astype(F32)
            fy = (ry - py[pick])[:, None] + offsets.astype(F32)
            inv = (F32(-0.5) / (sigma[pick] ** 2))[:, None]
            gx = np.exp(fx * fx * inv)[:, None, :]
            gy = np.exp(fy * fy * inv)[:, :, None]
            w = (gx * gy) * amount[pick, None, None]
            inside = (ix >= 0) & (ix < self.width) & (iy >= 0) & (iy < self.height)
            keep = inside & (w > 2e-3)
            flat = (iy * self.width + ix)[keep].astype(np.intp)
            w = w[keep]
            owner = np.nonzero(keep)[0]  # which dot each kept weight belongs to
            for c in range(3):
                flats.append(flat + c * size)
                weights.append(w * rgb[pick, c][owner])
        np.add.at(self.light.reshape(-1), np.concatenate(flats), np.concatenate(weights))

    # ------------------------------------------------------------------ output

    def develop(self, *, exposure: float) -> np.ndarray:
        """8-bit planes in ffmpeg's `gbrp` order: 1 - exp(-light * exposure), vignetted."""
        out = self._planes
        tmp = self.light
        np.multiply(tmp, F32(-exposure), out=tmp)
        np.exp(tmp, out=tmp)
        np.subtract(F32(1.0), tmp, out=tmp)
        np.multiply(tmp, self._vignette, out=tmp)
        # gbrp stores green, blue, red planes.
        for dst, src in ((0, 1), (1, 2), (2, 0)):
            out[dst] = tmp[src]
        return out
