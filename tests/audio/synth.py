"""Synthetic test signals with a known answer: drums, chords and bars built from numpy.

Every generator takes a seeded `numpy.random.Generator` so tests are repeatable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SR = 22050

# Triads as MIDI notes (C major key): I, vi, IV, V, and a second progression's chords.
CHORDS = {
    "C": (60, 64, 67),
    "Am": (57, 60, 64),
    "F": (53, 57, 60),
    "G": (55, 59, 62),
    "Em": (52, 55, 59),
    "Dm": (50, 53, 57),
}


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def kick(rng: np.random.Generator, *, sr: int = SR, level: float = 0.9) -> np.ndarray:
    t = np.arange(int(0.25 * sr)) / sr
    pitch = 50 + 80 * np.exp(-t / 0.03)  # the classic falling-pitch kick
    phase = 2 * np.pi * np.cumsum(pitch) / sr
    body = np.sin(phase) * np.exp(-t / 0.08)
    click = rng.normal(0, 0.3, len(t)) * np.exp(-t / 0.004)
    return level * (body + click)


def snare(rng: np.random.Generator, *, sr: int = SR, level: float = 0.6) -> np.ndarray:
    t = np.arange(int(0.2 * sr)) / sr
    noise = rng.normal(0, 1, len(t)) * np.exp(-t / 0.05)
    body = np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.04)
    return level * (0.6 * noise + 0.8 * body)


def hat(rng: np.random.Generator, *, sr: int = SR, level: float = 0.25) -> np.ndarray:
    t = np.arange(int(0.06 * sr)) / sr
    noise = rng.normal(0, 1, len(t))
    noise = np.diff(noise, prepend=0.0)  # crude high-pass
    return level * noise * np.exp(-t / 0.012)


def tone(
    midi_notes: tuple[int, ...], seconds: float, *, sr: int = SR, level: float = 0.15
) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    env = np.minimum(1.0, t / 0.01) * np.exp(-t / (0.8 * seconds + 0.2))
    out = np.zeros(len(t))
    for m in midi_notes:
        f = _hz(m)
        out += np.sin(2 * np.pi * f * t) + 0.4 * np.sin(4 * np.pi * f * t)
    return level * env * out / max(len(midi_notes), 1)


def _add(buf: np.ndarray, sound: np.ndarray, at_s: float, sr: int) -> None:
    i = int(round(at_s * sr))
    if i >= len(buf):
        return
    n = min(len(sound), len(buf) - i)
    buf[i : i + n] += sound[:n]


def beat_times(bpm: float, n_beats: int, *, start_s: float = 0.5) -> np.ndarray:
    return start_s + np.arange(n_beats) * 60.0 / bpm


def groove(
    rng: np.random.Generator,
    *,
    bpm: float,
    bars: int,
    meter: int = 4,
    progression: tuple[str, ...] = ("C", "Am", "F", "G"),
    offbeat_bass: bool = False,
    hats_eighths: bool = True,
    start_s: float = 0.5,
    sr: int = SR,
) -> tuple[np.ndarray, np.ndarray]:
    """A drum-and-chords loop: kick on 1 (and 3), snare on the backbeat, chords per bar.

    Returns (signal, beat times). With `offbeat_bass` a loud bass note sits on every
    off-beat (the house trap that makes trackers lock to the off-beat).
    """
    period = 60.0 / bpm
    beats = beat_times(bpm, bars * meter, start_s=start_s)
    total = beats[-1] + period + 1.0
    y = np.zeros(int(total * sr))
    for i, b in enumerate(beats):
        pos = i % meter
        if pos == 0 or (meter == 4 and pos == 2) or offbeat_bass:
            _add(y, kick(rng, sr=sr), b, sr)
        if (meter == 4 and pos in (1, 3)) or (meter == 3 and pos in (1, 2)):
            _add(y, snare(rng, sr=sr, level=0.5 if meter == 3 else 0.6), b, sr)
        if hats_eighths:
            _add(y, hat(rng, sr=sr), b, sr)
            _add(y, hat(rng, sr=sr, level=0.15), b + period / 2, sr)
        if offbeat_bass:
            root = CHORDS[progression[(i // meter) % len(progression)]][0] - 24
            _add(y, tone((root,), period / 2, sr=sr, level=0.5), b + period / 2, sr)
        if pos == 0:
            chord = CHORDS[progression[(i // meter) % len(progression)]]
            _add(y, tone(chord, meter * period, sr=sr), b, sr)
    y += rng.normal(0, 1e-4, len(y))
    return (0.8 * y / np.max(np.abs(y))).astype(np.float32), beats


def write_wav(path: Path, y: np.ndarray, *, sr: int = SR) -> Path:
    sf.write(path, y, sr, subtype="PCM_16")
    return path


def tiny_song(path: Path, *, seed: int = 0, bpm: float = 124.0, bars: int = 2) -> Path:
    """About 6 s of drums and chords (2 bars): enough for a beat grid, two scenes and a real
    render, for tests whose point is not the song (a run on a worker, a trigger, an upload)."""
    y, _ = groove(np.random.default_rng(seed), bpm=bpm, bars=bars)
    return write_wav(path, y)
