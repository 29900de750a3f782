"""Harmony helpers: where chords change, and which key and mode a song is in."""

from __future__ import annotations

import numpy as np

# Krumhansl-Kessler key profiles (probe-tone ratings), C major and C minor.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def chord_novelty(chroma: np.ndarray, *, fps: float, window_s: float = 0.25) -> np.ndarray:
    """Per frame: cosine distance between the mean chroma just before and just after (0..1)."""
    n = chroma.shape[1]
    out = np.zeros(n, np.float32)
    w = max(int(round(window_s * fps)), 1)
    if n <= 2 * w:
        return out
    unit = chroma / (np.linalg.norm(chroma, axis=0, keepdims=True) + 1e-9)
    cs = np.cumsum(np.pad(unit, ((0, 0), (1, 0))), axis=1)
    idx = np.arange(w, n - w)
    before = cs[:, idx] - cs[:, idx - w]
    after = cs[:, idx + w] - cs[:, idx]
    norm = np.linalg.norm(before, axis=0) * np.linalg.norm(after, axis=0) + 1e-9
    out[idx] = 1.0 - np.sum(before * after, axis=0) / norm
    return out


def estimate_key(chroma: np.ndarray) -> tuple[int, str, float]:
    """(tonic pitch class, "major" | "minor", correlation) of a song's summed chroma."""
    profile = chroma.sum(axis=1) if chroma.size else np.zeros(12)
    if not np.any(profile > 0):
        return 0, "major", 0.0
    best = (0, "major", -2.0)
    for mode, template in (("major", _MAJOR), ("minor", _MINOR)):
        for tonic in range(12):
            r = float(np.corrcoef(profile, np.roll(template, tonic))[0, 1])
            if r > best[2]:
                best = (tonic, mode, r)
    return best


def key_chroma(chroma: np.ndarray, bass_chroma: np.ndarray) -> np.ndarray:
    """Chroma for key finding: each frame's upper chroma scaled to sum 1 (quiet passages count
    as much as loud ones) plus its bass chroma, which plays chord roots, scaled the same way
    unless the bass is faint (then it stays faint instead of amplifying leakage)."""
    upper_sum = chroma.sum(axis=0, keepdims=True) + 1e-9
    bass_sum = bass_chroma.sum(axis=0, keepdims=True)
    return chroma / upper_sum + bass_chroma / np.maximum(bass_sum, 0.1 * upper_sum)
