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
FMAX_HZ = 2000.0
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
    """(low-register onset strength per frame, frames per second)."""
    import librosa

    if len(y) < 2048:
        return np.zeros(0), sr / HOP
    env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP, fmax=FMAX_HZ, n_mels=64)
    return env.astype(np.float64), sr / HOP


def _peak(env: np.ndarray, times_s: np.ndarray, fps: float) -> np.ndarray:
    frames = np.round(times_s * fps).astype(int)
    r = max(int(round(RADIUS_S * fps)), 1)
    idx = np.clip(frames[:, None] + np.arange(-r, r + 1)[None, :], 0, len(env) - 1)
    return env[idx].max(axis=1)


def heard_beats_at(
    cuts_s: list[float], *, env: np.ndarray, fps: float, beat_period_s: float
) -> HeardBeats:
    """Compare onset strength at each cut with half a beat (`beat_period_s` / 2) either side."""
    cuts = np.asarray([c for c in cuts_s if c > beat_period_s], dtype=float)
    if len(cuts) == 0 or len(env) == 0 or beat_period_s <= 0:
        return HeardBeats(cuts=0, on_beat_share=1.0, contrast=1.0)
    half = beat_period_s / 2
    on = _peak(env, cuts, fps)
    off = 0.5 * (_peak(env, cuts - half, fps) + _peak(env, cuts + half, fps))
    floor = 0.1 * float(np.percentile(env, 95))
    judged = np.maximum(on, off) > floor  # a cut in silence says nothing
    if not judged.any():
        return HeardBeats(cuts=0, on_beat_share=1.0, contrast=1.0)
    on, off = on[judged], off[judged]
    return HeardBeats(
        cuts=int(judged.sum()),
        on_beat_share=round(float(np.mean(on > off)), 4),
        contrast=round(float(on.mean() / max(off.mean(), 1e-9)), 4),
    )


def heard_beats(video: str | Path, cuts_s: list[float], *, beat_period_s: float) -> HeardBeats:
    """`heard_beats_at` on the soundtrack of `video` (decoded again, independently)."""
    from mvagent.audio.decode import load_audio

    y, sr = load_audio(video, sr=SR, mono=True)
    env, fps = onset_strength(y, sr=sr)
    return heard_beats_at(cuts_s, env=env, fps=fps, beat_period_s=beat_period_s)
