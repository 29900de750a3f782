"""Energy per beat: how intense the music is at each beat, 0 (silence) .. 1 (the song's peak)."""

from __future__ import annotations

import numpy as np

from mvagent.audio.features import Features
from mvagent.audio.onsets import Envelopes


def _between(values: np.ndarray, times_s: np.ndarray, end_s: float, fps: float) -> np.ndarray:
    """Mean of a frame series over each [beat, next beat) interval."""
    edges = np.clip(np.round(np.append(times_s, end_s) * fps).astype(int), 0, len(values))
    cs = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    hi = np.maximum(edges[1:], edges[:-1] + 1)
    hi = np.minimum(hi, len(values))
    lo = np.minimum(edges[:-1], np.maximum(hi - 1, 0))
    return (cs[hi] - cs[lo]) / np.maximum(hi - lo, 1)


def beat_energy(beats_s: np.ndarray, features: Features, envs: Envelopes) -> list[float]:
    """One value per beat in 0..1: loudness (mostly), onset density and brightness.

    Loudness counts on an absolute dB scale (-60 dBFS = 0) blended with its rank within
    the song, so a quiet song still has contour and digital silence stays at 0.
    """
    if len(beats_s) == 0 or features.n_frames == 0:
        return []
    fps = features.fps
    end = features.duration_s
    rms = _between(features.rms.astype(np.float64) ** 2, beats_s, end, fps) ** 0.5
    db = 20 * np.log10(rms + 1e-9)
    absolute = np.clip((db + 60.0) / 60.0, 0.0, 1.0)
    onsets = _between(envs.onset.astype(np.float64), beats_s, end, fps)
    bright = _between(features.centroid_hz.astype(np.float64), beats_s, end, fps)

    def rel(x: np.ndarray) -> np.ndarray:
        lo, hi = np.percentile(x, 2), np.percentile(x, 98)
        return np.clip((x - lo) / (hi - lo), 0.0, 1.0) if hi - lo > 1e-9 else np.full(len(x), 0.5)

    mix = 0.45 * rel(db) + 0.25 * absolute + 0.2 * rel(onsets) + 0.1 * rel(bright)
    mix = np.where(db < -70.0, 0.0, mix)  # silence is silence whatever the song's contour
    return [round(float(v), 3) for v in np.clip(mix, 0.0, 1.0)]
