"""Vocal regions: stretches where a sustained voice-range line sits on top of the backing.

Without a trained model this is a heuristic: the harmonic (time-smoothed) energy in the
voice band (300-3400 Hz) above its quiet-passage level, smoothed over a second and
thresholded at the song's median with hysteresis. It finds where singing (or a lead
melody) enters and leaves; it cannot tell a voice from a lead synth.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi

from mvagent.audio.features import Features

VOICE_BAND_HZ = (300.0, 3400.0)
MIN_REGION_S = 1.5
MAX_GAP_S = 0.75


def vocal_activity(features: Features) -> np.ndarray:
    """Per rhythm frame: voice-band harmonic excess, smoothed (arbitrary units, >= 0)."""
    n = features.n_frames
    sel = (features.mel_hz >= VOICE_BAND_HZ[0]) & (features.mel_hz < VOICE_BAND_HZ[1])
    if n < 8 or not sel.any():
        return np.zeros(n)
    step = 4  # the harmonic part changes slowly: work on every 4th frame
    band = features.logmel[sel][:, ::step]
    harmonic = ndi.median_filter(band, size=(1, 9), mode="nearest")
    floor = np.percentile(harmonic, 20, axis=1, keepdims=True)
    excess = np.maximum(harmonic - floor, 0.0).mean(axis=0)
    excess = np.repeat(excess, step)[:n]
    return ndi.uniform_filter1d(excess, size=max(int(features.fps), 1), mode="nearest")


def vocal_regions(
    features: Features, *, activity: np.ndarray | None = None
) -> list[tuple[float, float]]:
    """(start_s, end_s) regions, sorted, non-overlapping; empty for silence or no lead."""
    act = vocal_activity(features) if activity is None else activity
    if len(act) == 0:
        return []
    loud = features.rms > np.percentile(features.rms, 95) * 10 ** (-50 / 20)
    if loud.mean() < 0.05:
        return []
    level = np.median(act[loud])
    on = (act > 1.1 * level) & loud
    keep = (act > 0.9 * level) & loud
    # Hysteresis: a region starts above the high line and lasts while above the low one.
    labels, count = ndi.label(keep)
    seeds = np.unique(labels[on])
    mask = np.isin(labels, seeds[seeds > 0])
    fps = features.fps
    regions: list[list[float]] = []
    for sl in ndi.find_objects(ndi.label(mask)[0]):
        start, end = sl[0].start / fps, sl[0].stop / fps
        if regions and start - regions[-1][1] <= MAX_GAP_S:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    return [(round(s, 3), round(e, 3)) for s, e in regions if e - s >= MIN_REGION_S]


def vocal_mask(regions: list[tuple[float, float]], *, n_frames: int, fps: float) -> np.ndarray:
    t = np.arange(n_frames) / fps
    mask = np.zeros(n_frames, bool)
    for s, e in regions:
        mask |= (t >= s) & (t < e)
    return mask
