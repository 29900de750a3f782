"""Onset envelopes: when something starts, per register, for beat tracking and bar finding.

- `onset`: band-normalised spectral flux of the percussive part (what rises above a running
  median over ~175 ms) plus a little of the whole signal's flux, so a kick counts as much as
  a loud off-beat bass or hi-hat and soft onsets (pads) still register.
- `kick` and `snare`: percussive power rising below 150 Hz, and in the snare's body
  (150-400 Hz) and noise (1.5-5 kHz), with what spills over from the kick and hi-hats removed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.ndimage as ndi

from mvagent.audio.features import Features

PERC_WEIGHT = 1.0  # onset envelope: weight of percussive rises
RISE_WEIGHT = 0.25  # and of plain spectral rises (pads, soft onsets)
_BANDS_HZ = (
    (20.0, 60.0),
    (60.0, 150.0),
    (150.0, 400.0),
    (400.0, 2000.0),
    (2000.0, 5000.0),
    (5000.0, 12000.0),
)


@dataclass(frozen=True)
class Envelopes:
    """Onset envelopes per rhythm frame, each normalised to about 0..1."""

    onset: np.ndarray  # everything: band-normalised flux of the signal and its percussive part
    percussive: np.ndarray  # band-normalised flux of the percussive part only
    rise: np.ndarray  # band-normalised flux of the whole signal (pads, soft onsets)
    kick: np.ndarray  # percussive onsets below 150 Hz (kick drum, bass attacks)
    snare: np.ndarray  # percussive snare/clap body (150-400 Hz), kick spill removed
    snare_noise: np.ndarray  # body plus the snare's noise (1.5-5 kHz), hi-hat spill removed


def _normalise(x: np.ndarray, *, fps: float) -> np.ndarray:
    # Remove the slowly varying level so sustained loud passages do not look like onsets.
    x = x - ndi.uniform_filter1d(x, size=int(round(0.5 * fps)) | 1, mode="nearest")
    x = np.maximum(x, 0.0)
    peak = np.percentile(x, 99.5) if len(x) else 0.0
    return (x / peak).astype(np.float32) if peak > 0 else x.astype(np.float32)


def onset_envelopes(features: Features) -> Envelopes:
    """The onset envelopes that beat tracking and level choice work on."""
    logmel = features.logmel
    fps = features.fps
    if logmel.shape[1] < 3:
        z = np.zeros(logmel.shape[1], np.float32)
        return Envelopes(z, z, z, z, z, z)
    # Percussive part: what rises above the running median over ~175 ms (a sustained bass
    # note or pad is removed, a kick or snare is kept).
    harmonic = ndi.median_filter(logmel, size=(1, 15), mode="nearest")
    level = np.maximum(logmel - harmonic, 0.0)
    # Rises, not levels: a level peaks only once the window holds the whole hit (late).
    percussive = np.maximum(np.diff(level, axis=1, prepend=level[:, :1]), 0.0)
    rise = np.maximum(np.diff(logmel, axis=1, prepend=logmel[:, :1]), 0.0)

    def band(part: np.ndarray, lo: float, hi: float) -> np.ndarray:
        sel = (features.mel_hz >= lo) & (features.mel_hz < hi)
        return part[sel].mean(axis=0) if sel.any() else np.zeros(part.shape[1], np.float32)

    # Drums by register, on linear power so a loud kick outweighs a snare's faint low end
    # (log rises only say that something started). Snare: its body (150-400 Hz) and its
    # noise (1.5-5 kHz), each without what leaks in from the kick and, for the noise, from
    # the hi-hats above 6 kHz.
    power = np.expm1(logmel)
    level_power = np.maximum(power - np.expm1(harmonic), 0.0)
    drums = np.maximum(np.diff(level_power, axis=1, prepend=level_power[:, :1]), 0.0)
    kick = band(drums, 20.0, 150.0)
    body = _normalise(_without_leak(band(drums, 150.0, 400.0), kick), fps=fps)
    noise = _without_leak(band(drums, 1500.0, 5000.0), band(drums, 6000.0, 11025.0))
    noise = _normalise(_without_leak(noise, kick), fps=fps)
    summed = {}
    for name, part in (("percussive", percussive), ("rise", rise)):
        total = np.zeros(logmel.shape[1], np.float64)
        for lo, hi in _BANDS_HZ:
            b = band(part, lo, hi)
            total += b / (np.percentile(b, 99) + 1e-6)
        summed[name] = total
    return Envelopes(
        onset=_normalise(
            PERC_WEIGHT * summed["percussive"] + RISE_WEIGHT * summed["rise"], fps=fps
        ),
        percussive=_normalise(summed["percussive"], fps=fps),
        rise=_normalise(summed["rise"], fps=fps),
        kick=_normalise(kick, fps=fps),
        snare=body,
        snare_noise=_normalise(body + noise, fps=fps),
    )


def _without_leak(target: np.ndarray, source: np.ndarray) -> np.ndarray:
    """`target` minus the part that rises with `source`: a kick's click and body spill into
    the snare register; what is left there on a kick is the snare (or nothing)."""
    strong = source > np.percentile(source, 98)
    if strong.sum() < 4:
        return target
    ratio = target[strong] / (source[strong] + 1e-9)
    leak = float(np.percentile(ratio, 25))
    return np.maximum(target - leak * source, 0.0)


def accents(
    env: np.ndarray, times_s: np.ndarray, fps: float, *, radius_s: float = 0.025
) -> np.ndarray:
    """Envelope peak within +-`radius_s` of each time."""
    if len(times_s) == 0 or len(env) == 0:
        return np.zeros(len(times_s))
    frames = np.round(np.asarray(times_s) * fps).astype(int)
    r = max(int(round(radius_s * fps)), 1)
    idx = np.clip(frames[:, None] + np.arange(-r, r + 1)[None, :], 0, len(env) - 1)
    return env[idx].max(axis=1)


def contrast(env: np.ndarray, beats_s: np.ndarray, fps: float) -> float:
    """Mean accent on beats over mean accent half-way between them."""
    if len(beats_s) < 4:
        return 0.0
    mids = 0.5 * (beats_s[1:] + beats_s[:-1])
    on = accents(env, beats_s, fps).mean()
    off = accents(env, mids, fps).mean()
    return float(on / max(off, 1e-6))
