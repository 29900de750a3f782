"""Listening proxies that check a ground truth against the audio it claims to describe.

A beat grid that sits on the music has more onset energy at its beats than half-way between
them (contrast > 1), and its best small shift is near 0 ms. A constant offset (a chart's
audio delay, a renderer's lead-in) shows as a large lag; drift shows as lags that differ
between the thirds of the song. None of this uses the tracker under test.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

_SR = 22050
_HOP = 256  # 11.6 ms frames: fine enough to see a 20 ms offset
_MAX_LAG_S = 0.15


def onset_envelope(path: Path) -> tuple[np.ndarray, float]:
    """Spectral-flux onset strength of the file and its frame rate."""
    import librosa

    y, _ = librosa.load(path, sr=_SR, mono=True)
    env = librosa.onset.onset_strength(y=y, sr=_SR, hop_length=_HOP)
    return env.astype(float), _SR / _HOP


def low_onset_envelope(path: Path) -> tuple[np.ndarray, float]:
    """Onset strength below 150 Hz (kick and bass): off-beat hats cannot outvote it."""
    import librosa

    y, _ = librosa.load(path, sr=_SR, mono=True)
    mel = librosa.feature.melspectrogram(
        y=y, sr=_SR, hop_length=_HOP, n_mels=16, fmin=20.0, fmax=150.0
    )
    env = librosa.onset.onset_strength(S=librosa.power_to_db(mel), sr=_SR, hop_length=_HOP)
    return env.astype(float), _SR / _HOP


def _at(env: np.ndarray, fps: float, times: np.ndarray) -> np.ndarray:
    # Linear interpolation, so sub-frame lags are comparable.
    return np.interp(times * fps, np.arange(len(env)), env, left=0.0, right=0.0)


def _peak_at(env: np.ndarray, fps: float, times: np.ndarray) -> np.ndarray:
    # Max within +-1 frame: onset peaks are one or two frames wide and we only ask "is there
    # a hit here", not its exact frame.
    vals = [_at(env, fps, times + d / fps) for d in (-1, 0, 1)]
    return np.max(vals, axis=0)


def contrast(env: np.ndarray, fps: float, beats: np.ndarray) -> float:
    """Mean onset strength at the beats over the mean half-way between consecutive beats."""
    if len(beats) < 3:
        return float("nan")
    mids = (beats[:-1] + beats[1:]) / 2
    off = float(np.mean(_peak_at(env, fps, mids)))
    return float(np.mean(_peak_at(env, fps, beats)) / off) if off > 0 else float("inf")


def best_lag_s(
    env: np.ndarray,
    fps: float,
    times: np.ndarray,
    *,
    max_lag_s: float = _MAX_LAG_S,
    around_s: float = 0.0,
) -> float:
    """The shift (seconds, positive = the audio's hits come later) that best fits `times`,
    searched within `max_lag_s` of `around_s` (a lag already known roughly).

    Corrected for the envelope's own latency (`envelope_latency_s`), so 0 means on time.
    """
    raw = around_s + envelope_latency_s()
    lags = raw + np.arange(-max_lag_s, max_lag_s + 1e-9, 0.5 / fps)
    scores = [float(np.mean(_at(env, fps, times + lag))) for lag in lags]
    return float(lags[int(np.argmax(scores))]) - envelope_latency_s()


def grid_offset_s(env: np.ndarray, fps: float, beats: np.ndarray) -> float:
    """Best shift of a beat grid within a quarter of its period.

    Rock and electronic music hit the 8th notes nearly as hard as the beats, so a wider search
    can jump half a period; a chart's offset is far smaller than a quarter beat.
    """
    period = float(np.median(np.diff(beats))) if len(beats) > 1 else 0.5
    return best_lag_s(env, fps, beats, max_lag_s=min(_MAX_LAG_S, period / 4))


@functools.cache
def envelope_latency_s() -> float:
    """How late the onset envelope peaks after a sharp hit (measured on a synthetic kick).

    About one frame (12 ms): the flux of a frame centred on the hit is only half of it.
    """
    sr = _SR
    hits = np.arange(0.5, 20.0, 0.5)
    y = np.zeros(int(21 * sr))
    n = int(0.1 * sr)
    t = np.arange(n) / sr
    burst = (
        np.sin(2 * np.pi * 60 * t) + 0.5 * np.random.default_rng(0).standard_normal(n)
    ) * np.exp(-t / 0.03)
    for h in hits:
        i = int(round(h * sr))
        y[i : i + n] += burst
    import librosa

    env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=_HOP)
    fps = sr / _HOP
    lags = np.arange(-0.05, 0.05 + 1e-9, 0.5 / fps)
    scores = [float(np.mean(_at(env, fps, hits + lag))) for lag in lags]
    return float(lags[int(np.argmax(scores))])


def check(path: Path, beats: np.ndarray) -> dict:
    """Contrast (all bands, and below 150 Hz), best lag overall and per third (ms) of a grid.

    Full-band contrast can dip below 1 on a correct grid when hats play every off-beat;
    the low-band figure then still shows the kick on the beat.
    """
    env, fps = onset_envelope(path)
    low, _ = low_onset_envelope(path)
    beats = np.asarray(beats, dtype=float)
    thirds = np.array_split(beats, 3) if len(beats) >= 12 else [beats]
    return {
        "onset_contrast": round(contrast(env, fps, beats), 3),
        "low_contrast": round(contrast(low, fps, beats), 3),
        "lag_ms": round(1000 * grid_offset_s(env, fps, beats), 1),
        "lag_thirds_ms": [round(1000 * grid_offset_s(env, fps, part), 1) for part in thirds],
    }


def music_extent(path: Path, *, floor_db: float = -40.0) -> tuple[float, float]:
    """First and last time the level is within `floor_db` of the loud part of the song.

    Ground-truth beats outside this span (count-in silence, a long reverb tail) are dropped:
    no listener can tap them and no tracker should be scored on them.
    """
    import librosa

    y, _ = librosa.load(path, sr=_SR, mono=True)
    rms = librosa.feature.rms(y=y, frame_length=2048, hop_length=512)[0]
    if not len(rms) or float(np.max(rms)) <= 0:
        return 0.0, 0.0
    loud = np.percentile(rms, 95)
    on = np.flatnonzero(rms > loud * 10 ** (floor_db / 20))
    times = librosa.frames_to_time(on, sr=_SR, hop_length=512)
    return float(times[0]), float(times[-1])


def trim_to_music(
    beats: np.ndarray, downbeats: np.ndarray, *, start: float, end: float, tol: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the beats (and downbeats) inside [start - tol, end + tol]."""

    def keep(x: np.ndarray) -> np.ndarray:
        return x[(x >= start - tol) & (x <= end + tol)]

    return keep(np.asarray(beats, float)), keep(np.asarray(downbeats, float))


def trim_to_audio(
    path: Path, beats: np.ndarray, downbeats: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`trim_to_music` at the file's own `music_extent` (whose end is within the file)."""
    start, end = music_extent(path)
    return trim_to_music(beats, downbeats, start=start, end=end)
