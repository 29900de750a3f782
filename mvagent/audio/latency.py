"""Where a beat is heard: the attack of the sound, measured per song.

The tracker's beats sit on onset-envelope peaks, which come early or late against the
attack a listener hears by an amount that depends on the sound: a click with no attack
shows 21 ms early, fluidsynth's samples and real mixes 0-10 ms late after a fixed
correction. So each song is measured: around every beat, the point where the signal's
short-time log energy rises fastest (the attack starting), and the grid moves by the median
offset of the clearer half of them. One shift per song: the grid's spacing is the tracker's.
"""

from __future__ import annotations

import numpy as np

# Short windows see an attack to within a hop: 128 samples (5.8 ms at 22.05 kHz), hop 32
# (a whole number of hops per window).
WINDOW, HOP = 128, 32
SEARCH_S = 0.035  # half-width of the search around each beat: under half a sixteenth at 190
MIN_BEATS = 8
MAX_SHIFT_S = 0.035  # a grid further than this from the attacks is not the tracker's bias
FALLBACK_S = 0.015  # too few beats to measure: the middle of what songs show


def beat_latency_s(y: np.ndarray, *, sr: int, beats_s: np.ndarray) -> float:
    """Seconds to add to `beats_s` so they land on the attacks they stand for.

    `y` is the mono signal the beats were tracked on. With fewer than `MIN_BEATS` beats
    (or no clear attack near them) the fixed `FALLBACK_S` is returned.
    """
    beats_s = np.asarray(beats_s, dtype=float)
    if len(beats_s) < MIN_BEATS or sr <= 0 or len(y) < WINDOW + 2 * HOP:
        return FALLBACK_S
    rise = np.diff(_log_energy(np.asarray(y, dtype=np.float32)))
    # rise[k]: frame k+1's window takes in the hop just before (k+1)*HOP + WINDOW, so an
    # attack that rise[k] sees starts half a hop before that sample.
    at_s = ((np.arange(len(rise)) + 0.5) * HOP + WINDOW) / sr
    r = int(round(SEARCH_S * sr / HOP))
    centre = np.round((beats_s * sr - WINDOW) / HOP - 0.5).astype(int)
    lo = np.clip(centre - r, 0, len(rise))
    hi = np.clip(centre + r + 1, 0, len(rise))
    keep = hi - lo >= 3
    if keep.sum() < MIN_BEATS:
        return FALLBACK_S
    idx = lo[keep, None] + np.arange(2 * r + 1)[None, :]
    windows = np.where(idx < hi[keep, None], rise[np.minimum(idx, len(rise) - 1)], -np.inf)
    best = idx[np.arange(len(idx)), np.argmax(windows, axis=1)]
    offsets, strength = at_s[best] - beats_s[keep], rise[best]
    clear = strength >= np.median(strength)
    if strength[clear].max() <= 0:  # nothing rises near the beats: no attack to find
        return FALLBACK_S
    shift = float(np.median(offsets[clear]))
    return float(np.clip(shift, -MAX_SHIFT_S, MAX_SHIFT_S))


def _log_energy(y: np.ndarray) -> np.ndarray:
    """log10 of the mean square over `WINDOW` samples, every `HOP` samples (frame k covers
    samples k*HOP to k*HOP + WINDOW): sums over hops, so no copy of the song in float64."""
    per_window = WINDOW // HOP
    n = len(y) // HOP
    hops = np.square(y[: n * HOP], dtype=np.float32).reshape(n, HOP).sum(axis=1, dtype=np.float64)
    cs = np.concatenate([[0.0], np.cumsum(hops)])
    energy = (cs[per_window:] - cs[:-per_window]) / WINDOW
    return np.log10(np.maximum(energy, 0.0) + 1e-10)
