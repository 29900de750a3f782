"""Music cues sampled once per frame: beat pulses, energy and the motion phase they drive.

Everything here is a plain array with one value per frame, computed up front, so the
render loop only indexes into it and any frame can be drawn on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mvagent.models import ClipRequest

BEAT_DECAY_S = 0.16
DOWNBEAT_DECAY_S = 0.30


@dataclass(frozen=True)
class Cues:
    """Per-frame arrays (length = frame count)."""

    time_s: np.ndarray  # frame start times, seconds from the clip start
    beat: np.ndarray  # 0..1, jumps to the beat's strength on the beat frame, then decays
    downbeat: np.ndarray  # 0..1, the same for bar starts (longer decay)
    energy: np.ndarray  # 0..1, the music's intensity around this frame
    phase: np.ndarray  # integrated motion speed: how far animations have travelled
    accents: tuple[tuple[float, float], ...] = ()  # (time_s, strength) of every beat

    def recent_accents(self, i: int, *, within_s: float = 2.0) -> tuple[tuple[float, float], ...]:
        """(seconds since, strength) of the beats heard in the `within_s` before frame `i`."""
        t = float(self.time_s[i])
        return tuple((t - a, s) for a, s in self.accents if 0.0 <= t - a < within_s)

    @property
    def pulse(self) -> np.ndarray:
        return _pulse(self.beat, self.downbeat)


def _pulse(beat: np.ndarray, downbeat: np.ndarray) -> np.ndarray:
    """One accent signal: downbeats at full strength, other beats a little softer."""
    return np.maximum(0.7 * beat, downbeat)


def frame_count(*, duration_s: float, fps: int) -> int:
    """Frames in a clip of `duration_s` seconds: round(duration * fps), at least one."""
    return max(1, round(duration_s * fps))


def _envelope(
    onsets_s: list[float], strengths: list[float], *, n_frames: int, fps: int, decay_s: float
) -> np.ndarray:
    """Max of exponential decays that start on the frame nearest each onset."""
    env = np.zeros(n_frames, dtype=np.float32)
    frames = np.arange(n_frames, dtype=np.float32)
    for onset, strength in zip(onsets_s, strengths, strict=True):
        k = round(onset * fps)
        if k >= n_frames or strength <= 0:
            continue
        # A beat that fell just before the clip started still rings into it.
        age = (frames - k) / fps
        decay = np.where(age >= 0, strength * np.exp(-np.maximum(age, 0) / decay_s), 0.0)
        np.maximum(env, decay, out=env)
    return env


def build_cues(request: ClipRequest, *, n_frames: int) -> Cues:
    """Beat/downbeat pulses, energy curve and motion phase for every frame of `request`."""
    fps = request.fps
    t = np.arange(n_frames, dtype=np.float32) / fps
    base_energy = float(np.clip(request.energy, 0.0, 1.0))

    beats = [float(b) for b in request.beat_times_s]
    downs = [float(d) for d in request.downbeat_times_s]
    per_beat = [float(np.clip(e, 0.0, 1.0)) for e in request.beat_energy[: len(beats)]]
    per_beat += [base_energy] * (len(beats) - len(per_beat))

    # A bar start is accented by the downbeat envelope; its beat entry would only repeat it.
    half_frame = 0.5 / fps
    plain = [
        (b, e)
        for b, e in zip(beats, per_beat, strict=True)
        if all(abs(b - d) > half_frame for d in downs)
    ]
    beat = _envelope(
        [b for b, _ in plain],
        [0.55 + 0.45 * e for _, e in plain],
        n_frames=n_frames,
        fps=fps,
        decay_s=BEAT_DECAY_S,
    )
    down_strength = [0.75 + 0.25 * _energy_near(d, beats, per_beat, base_energy) for d in downs]
    downbeat = _envelope(downs, down_strength, n_frames=n_frames, fps=fps, decay_s=DOWNBEAT_DECAY_S)

    if beats:
        local = np.interp(t, beats, per_beat).astype(np.float32)
        energy = 0.35 * base_energy + 0.65 * local
    else:
        energy = np.full(n_frames, base_energy, dtype=np.float32)
    energy = np.clip(energy, 0.0, 1.0).astype(np.float32)

    # Speed follows energy and surges on accents; integrating it keeps motion continuous.
    speed = 0.3 + 1.4 * energy + 0.9 * _pulse(beat, downbeat)
    phase = (np.cumsum(speed) - speed[0]) / fps
    accents = [(d, float(s)) for d, s in zip(downs, down_strength, strict=True)]
    accents += [(b, 0.45 + 0.35 * e) for b, e in plain]
    return Cues(
        time_s=t,
        beat=beat,
        downbeat=downbeat,
        energy=energy,
        phase=phase.astype(np.float32),
        accents=tuple(sorted(accents)),
    )


def _energy_near(time_s: float, beats: list[float], energies: list[float], default: float) -> float:
    if not beats:
        return default
    return float(np.interp(time_s, beats, energies))
