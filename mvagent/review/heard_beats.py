"""Do the cuts land where a listener hears the beat? Evidence from the audio, not the grid.

The cut-on-beat rate measures cuts against the beat grid that placed them, so a grid on the
off-beat scores 1.0. This check reads the final video's own soundtrack with librosa's onset
strength (an implementation independent of our tracker), restricted to the register below
~2 kHz where kicks, snares and bass attacks are and off-beat hi-hats are not, and compares the
onset strength at each cut with the strength half a beat before and after it. On the beat
the cut side wins; on the off-beat the halves win.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SR = 22050
HOP = 256
BANDS_HZ = ((20.0, 150.0), (150.0, 2000.0))
RADIUS_S = 0.03  # onset peak searched this close to a cut
ON_BEAT_CONTRAST = 1.15  # mean onset at cuts over half a beat away, for a pass


@dataclass(frozen=True)
class HeardBeats:
    cuts: int  # cuts that could be judged (some onset nearby)
    on_beat_share: float  # share of judged cuts louder than half a beat away
    contrast: float  # mean onset strength at cuts / half a beat away (>1: on the beat)

    @property
    def passed(self) -> bool:
        return self.cuts == 0 or self.contrast >= ON_BEAT_CONTRAST


def onset_strength(y: np.ndarray, *, sr: int) -> tuple[np.ndarray, float]:
    """(onset strength per register and frame, shape (len(BANDS_HZ), frames); frames/s)."""
    import librosa

    if len(y) < 2048:
        return np.zeros((len(BANDS_HZ), 0)), sr / HOP
    mel = librosa.feature.melspectrogram(y=y, sr=sr, hop_length=HOP, n_mels=96, fmax=8000.0)
    hz = librosa.mel_frequencies(n_mels=96, fmax=8000.0)
    bounds = [int(np.searchsorted(hz, lo)) for lo, _ in BANDS_HZ]
    bounds.append(int(np.searchsorted(hz, BANDS_HZ[-1][1])))
    env = librosa.onset.onset_strength_multi(
        S=librosa.power_to_db(mel), sr=sr, hop_length=HOP, channels=bounds
    )
    return env.astype(np.float64), sr / HOP


def _peak(env: np.ndarray, times_s: np.ndarray, fps: float) -> np.ndarray:
    frames = np.round(times_s * fps).astype(int)
    r = max(int(round(RADIUS_S * fps)), 1)
    idx = np.clip(frames[:, None] + np.arange(-r, r + 1)[None, :], 0, len(env) - 1)
    return env[idx].max(axis=1)


def heard_beats_at(
    cuts_s: list[float], *, env: np.ndarray, fps: float, beat_period_s: float
) -> HeardBeats:
    """Compare onset strength at each cut with half a beat (`beat_period_s` / 2) either side,
    in each register of `env` (registers, frames); the clearest register speaks."""
    env = np.atleast_2d(env)
    cuts = np.asarray([c for c in cuts_s if c > beat_period_s], dtype=float)
    empty = HeardBeats(cuts=0, on_beat_share=1.0, contrast=1.0)
    if len(cuts) == 0 or env.shape[1] == 0 or beat_period_s <= 0:
        return empty
    half = beat_period_s / 2
    best: HeardBeats | None = None
    for band in env:
        on = _peak(band, cuts, fps)
        off = 0.5 * (_peak(band, cuts - half, fps) + _peak(band, cuts + half, fps))
        floor = 0.1 * float(np.percentile(band, 95))
        judged = np.maximum(on, off) > floor  # a cut in silence says nothing
        if not judged.any():
            continue
        on, off = on[judged], off[judged]
        result = HeardBeats(
            cuts=int(judged.sum()),
            on_beat_share=round(float(np.mean(on > off)), 4),
            contrast=round(float(on.mean() / max(off.mean(), 1e-9)), 4),
        )
        if best is None or result.contrast > best.contrast:
            best = result
    return best or empty


def heard_beats(video: str | Path, cuts_s: list[float], *, beat_period_s: float) -> HeardBeats:
    """`heard_beats_at` on the soundtrack of `video` (decoded again, independently)."""
    from mvagent.audio.decode import load_audio

    y, sr = load_audio(video, sr=SR, mono=True)
    env, fps = onset_strength(y, sr=sr)
    return heard_beats_at(cuts_s, env=env, fps=fps, beat_period_s=beat_period_s)
