"""Objective audio-visual fit: do the cuts land on onsets, and does the picture move and
brighten with the song's energy?"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mvagent.models import Analysis, Timeline
from mvagent.review.frames import read_gray_frames
from mvagent.review.heard_beats import heard_beats
from mvagent.review.metrics import cut_times

FPS = 8.0
ONSET_TOLERANCE_S = 0.05


@dataclass(frozen=True)
class AVFit:
    cuts: int
    cuts_on_onsets: float  # share of cuts within 50 ms of an analysed onset
    heard_contrast: float  # soundtrack onset strength at cuts / half a beat away
    motion_energy_r: float  # Pearson r of per-beat picture motion and the energy curve
    brightness_energy_r: float

    def as_dict(self) -> dict:
        return asdict(self)


def _near(t: float, grid: list[float], tol: float) -> bool:
    i = bisect_left(grid, t)
    return any(abs(grid[j] - t) <= tol for j in (i - 1, i) if 0 <= j < len(grid))


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or float(np.std(a)) < 1e-9 or float(np.std(b)) < 1e-9:
        return 0.0
    return round(float(np.corrcoef(a, b)[0, 1]), 4)


def per_beat(series: np.ndarray, *, fps: float, beats: list[float]) -> np.ndarray:
    """Mean of a per-frame series between consecutive beats."""
    out = []
    for a, b in zip(beats, [*beats[1:], beats[-1] + (beats[-1] - beats[-2] if len(beats) > 1 else 0.5)], strict=True):  # fmt: skip
        lo, hi = int(a * fps), max(int(b * fps), int(a * fps) + 1)
        chunk = series[lo:hi]
        out.append(float(chunk.mean()) if len(chunk) else np.nan)
    return np.asarray(out)


def measure_av_fit(video: str | Path, *, timeline: Timeline, analysis: Analysis) -> AVFit:
    cuts = cut_times(timeline)
    onsets = sorted(analysis.onsets or analysis.beats)
    on = sum(_near(c, onsets, ONSET_TOLERANCE_S) for c in cuts) / len(cuts) if cuts else 1.0
    beat_period = 60.0 / analysis.tempo_bpm if analysis.tempo_bpm > 0 else 0.5
    heard = heard_beats(video, cuts, beat_period_s=beat_period)
    grey = read_gray_frames(video, width=48, height=27, fps=FPS).astype(np.float32)
    r_motion = r_bright = 0.0
    n = min(len(analysis.beats), len(analysis.energy))
    if len(grey) > 2 and n > 3:
        motion = np.concatenate([[0.0], np.abs(np.diff(grey, axis=0)).mean(axis=(1, 2))])
        bright = grey.mean(axis=(1, 2))
        beats = analysis.beats[:n]
        energy = np.asarray(analysis.energy[:n], dtype=float)
        m, b = per_beat(motion, fps=FPS, beats=beats), per_beat(bright, fps=FPS, beats=beats)
        ok = ~(np.isnan(m) | np.isnan(b))
        r_motion, r_bright = pearson(m[ok], energy[ok]), pearson(b[ok], energy[ok])
    return AVFit(
        cuts=len(cuts),
        cuts_on_onsets=round(on, 4),
        heard_contrast=heard.contrast,
        motion_energy_r=r_motion,
        brightness_energy_r=r_bright,
    )
