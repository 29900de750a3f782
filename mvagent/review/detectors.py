"""Offline detectors for the `rules` critic: what technical QA cannot see, from grey frames.

Each detector is a small frozen class with `find(frames, *, fps, energy) -> list[str]`
(problems in words; empty = nothing found). `frames` are grey uint8 (n, h, w) at `fps`.
Thresholds were set on the local renderer (beat pulses, zooms and flashes must pass) and
on synthetic failures (tests/review/test_detectors.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from mvagent.review.frames import read_gray_frames

FPS = 12.0
WIDTH, HEIGHT = 96, 54


class Detector(Protocol):
    def find(self, frames: np.ndarray, *, fps: float, energy: float) -> list[str]: ...


def _centred(frames: np.ndarray) -> np.ndarray:
    """Each frame minus its own mean: a beat flash (a global brightness step) cancels out."""
    f = frames.astype(np.float32)
    return f - f.mean(axis=(1, 2), keepdims=True)


@dataclass(frozen=True)
class CutInside:
    """An unintended cut: one frame pair changes structure far more than the clip's usual."""

    min_score: float = 30.0  # mean abs difference of mean-removed frames, 0..255
    over_median: float = 3.0

    def find(self, frames: np.ndarray, *, fps: float, energy: float) -> list[str]:
        if len(frames) < 3:
            return []
        c = _centred(frames)
        diff = np.abs(np.diff(c, axis=0)).mean(axis=(1, 2))
        median = float(np.median(diff))
        hits = np.flatnonzero((diff > self.min_score) & (diff > self.over_median * (median + 1.0)))
        if not len(hits):
            return []
        at = ", ".join(f"{(i + 1) / fps:.2f} s" for i in hits[:3])
        return [f"a cut inside the clip at {at} (scene-change score {diff[hits].max():.0f})"]


@dataclass(frozen=True)
class Flicker:
    """Brightness that swings up and down frame after frame (not a pulse on the beat)."""

    min_step: float = 6.0  # grey levels between consecutive frames
    max_share: float = 0.3  # of frame triples that reverse direction with big steps

    def find(self, frames: np.ndarray, *, fps: float, energy: float) -> list[str]:
        if len(frames) < 4:
            return []
        b = frames.astype(np.float32).mean(axis=(1, 2))
        d = np.diff(b)
        big = (np.abs(d[:-1]) > self.min_step) & (np.abs(d[1:]) > self.min_step)
        share = float(np.mean(big & (np.sign(d[:-1]) != np.sign(d[1:]))))
        if share <= self.max_share:
            return []
        return [f"flicker: brightness reverses sharply on {share:.0%} of frames"]


@dataclass(frozen=True)
class TextBand:
    """Burned-in text or a watermark: a band at the top or bottom with many more edges than
    the rest of the picture, in the same place in nearly every frame."""

    band: float = 0.18  # share of the height
    edge_ratio: float = 2.5
    persistence: float = 0.8
    max_change: float = 0.5  # the band changes less over time than the rest does

    def find(self, frames: np.ndarray, *, fps: float, energy: float) -> list[str]:
        if len(frames) < 2:
            return []
        f = frames.astype(np.float32)
        edges = np.abs(np.diff(f, axis=2))  # horizontal gradient: text strokes are vertical-rich
        h = f.shape[1]
        k = max(int(round(h * self.band)), 2)
        middle = edges[:, k:-k].mean(axis=(1, 2)) + 1.0
        change = np.abs(np.diff(f, axis=0))
        change_mid = float(change[:, k:-k].mean()) + 0.5
        out = []
        for name, rows in (("top", slice(0, k)), ("bottom", slice(h - k, h))):
            ratio = edges[:, rows].mean(axis=(1, 2)) / middle
            persistent = float(np.mean(ratio > self.edge_ratio))
            still = float(change[:, rows].mean()) / change_mid
            if persistent >= self.persistence and still <= self.max_change:
                out.append(
                    f"burned-in text or a watermark band at the {name} "
                    f"({ratio.mean():.1f}x the edges of the picture, in {persistent:.0%} of frames)"
                )
        return out


@dataclass(frozen=True)
class MotionFit:
    """Motion far below or above what the scene's energy (0..1 from the analysis) asks for."""

    still_motion: float = 0.6  # mean abs grey change per frame at FPS: practically static
    busy_motion: float = 30.0
    high_energy: float = 0.7
    low_energy: float = 0.25

    def find(self, frames: np.ndarray, *, fps: float, energy: float) -> list[str]:
        if len(frames) < 2:
            return []
        motion = float(np.abs(np.diff(frames.astype(np.float32), axis=0)).mean())
        if energy >= self.high_energy and motion < self.still_motion:
            return [f"almost no motion ({motion:.2f}) in a high-energy scene ({energy:.2f})"]
        if energy <= self.low_energy and motion > self.busy_motion:
            return [f"frantic motion ({motion:.1f}) in a calm scene ({energy:.2f})"]
        return []


@dataclass(frozen=True)
class DetectorReport:
    problems: list[str] = field(default_factory=list)
    motion: float = 0.0
    brightness: float = 0.0


DEFAULT_DETECTORS: tuple[Detector, ...] = (CutInside(), Flicker(), TextBand(), MotionFit())


def run_detectors(
    path: str | Path, *, energy: float, detectors: tuple[Detector, ...] = DEFAULT_DETECTORS
) -> DetectorReport:
    """Decode `path` once (small grey frames at 12 fps) and run every detector on it."""
    frames = read_gray_frames(path, width=WIDTH, height=HEIGHT, fps=FPS)
    problems = [p for d in detectors for p in d.find(frames, fps=FPS, energy=energy)]
    f = frames.astype(np.float32)
    motion = float(np.abs(np.diff(f, axis=0)).mean()) if len(f) > 1 else 0.0
    return DetectorReport(
        problems=problems,
        motion=round(motion, 3),
        brightness=round(float(f.mean()) if len(f) else 0.0, 2),
    )
