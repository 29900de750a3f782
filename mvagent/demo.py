"""A deterministic demo song, synthesised in code, with its ground truth.

`make demo` needs a song on a fresh machine with no downloads, and tests need a song whose
beats and sections are known exactly. Drums, bass, chords and a lead line over
intro / verse / chorus / verse / chorus / outro.
"""

from __future__ import annotations

import os
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

SR = 44100

# (label, bars, parts playing)
_FULL_FORM: tuple[tuple[str, int, frozenset[str]], ...] = (
    ("intro", 4, frozenset({"chords", "hats"})),
    ("verse", 8, frozenset({"kick", "snare", "hats", "bass", "chords"})),
    ("chorus", 8, frozenset({"kick", "snare", "hats", "bass", "chords", "lead", "clap"})),
    ("verse", 8, frozenset({"kick", "snare", "hats", "bass", "chords"})),
    ("chorus", 8, frozenset({"kick", "snare", "hats", "bass", "chords", "lead", "clap"})),
    ("outro", 4, frozenset({"chords", "kick"})),
)
# For tests: the same instruments, 24 bars (about 50 s at the default tempo); sections of
# four bars or more, as in real songs.
_SHORT_FORM = (
    ("intro", 4, _FULL_FORM[0][2]),
    ("verse", 8, _FULL_FORM[1][2]),
    ("chorus", 8, _FULL_FORM[2][2]),
    ("outro", 4, _FULL_FORM[5][2]),
)
# A minor: Am F C G, one chord per bar (MIDI note numbers of the triads).
_PROGRESSION = ((57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62))
_LEAD = (76, 74, 72, 71, 72, 74, 76, 79)  # one note per beat pair, cycling


@dataclass(frozen=True)
class DemoTruth:
    """Ground truth of the synthesised song, in seconds."""

    duration: float
    tempo_bpm: float
    beats: list[float]
    downbeats: list[float]
    sections: list[tuple[float, float, str]] = field(default_factory=list)


def _hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12)


def _add(buf: np.ndarray, start_s: float, sig: np.ndarray, pan: float = 0.0) -> None:
    """Mix a mono `sig` into stereo `buf` at `start_s`, panned -1 (left) .. +1 (right)."""
    i = round(start_s * SR)
    n = min(len(sig), buf.shape[0] - i)
    if n <= 0:
        return
    left, right = np.sqrt((1 - pan) / 2), np.sqrt((1 + pan) / 2)
    buf[i : i + n, 0] += sig[:n] * left
    buf[i : i + n, 1] += sig[:n] * right


def _kick() -> np.ndarray:
    t = np.arange(int(0.35 * SR)) / SR
    freq = 45 + 90 * np.exp(-t * 30)
    phase = 2 * np.pi * np.cumsum(freq) / SR
    return (np.sin(phase) * np.exp(-t * 9)).astype(np.float32)


def _snare(rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.22 * SR)) / SR
    noise = rng.standard_normal(t.size) * np.exp(-t * 22)
    tone = np.sin(2 * np.pi * 190 * t) * np.exp(-t * 30)
    return (0.45 * noise + 0.5 * tone).astype(np.float32)


def _hat(rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.06 * SR)) / SR
    noise = np.diff(rng.standard_normal(t.size + 1))  # crude high-pass
    return (noise * np.exp(-t * 70) * 0.18).astype(np.float32)


def _tone(midi: float, dur_s: float, *, kind: str, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(dur_s * SR)) / SR
    f = _hz(midi)
    attack = np.minimum(1.0, t / 0.01)
    if kind == "bass":
        sig = np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)
        env = attack * np.exp(-t * 3.5)
    elif kind == "pad":
        detune = (1.0, 1.004, 0.996)
        sig = sum(np.sin(2 * np.pi * f * d * t + rng.uniform(0, 6.28)) for d in detune) / 3
        sig += 0.25 * np.sin(4 * np.pi * f * t)
        env = np.minimum(1.0, t / 0.15) * np.exp(-t * 0.6)
    else:  # lead: a soft square-ish voice with vibrato
        vib = 1 + 0.004 * np.sin(2 * np.pi * 5.5 * t)
        phase = 2 * np.pi * f * np.cumsum(vib) / SR
        sig = np.sin(phase) + 0.33 * np.sin(3 * phase) + 0.2 * np.sin(5 * phase)
        env = attack * np.exp(-t * 1.2)
    release = np.minimum(1.0, (t[-1] - t) / 0.03) if t.size else t
    return (sig * env * release).astype(np.float32)


def synthesize_demo_song(
    path: str | Path,
    *,
    seed: int = 0,
    tempo_bpm: float = 118.0,
    form: Literal["full", "short"] = "full",
) -> DemoTruth:
    """Write the demo song to `path` (16-bit 44.1 kHz stereo WAV) and return its ground truth.

    "full" lasts about 83 s at the default tempo, "short" about 50 s.
    The same arguments give the same bytes.
    """
    plan = _FULL_FORM if form == "full" else _SHORT_FORM
    rng = np.random.default_rng(seed)
    beat_s = 60.0 / tempo_bpm
    bars_total = sum(bars for _, bars, _ in plan)
    duration = bars_total * 4 * beat_s + 1.5  # a short tail for the last notes to ring out
    buf = np.zeros((int(duration * SR) + 1, 2), dtype=np.float32)
    kick, snare, hat = _kick(), _snare(rng), _hat(rng)

    beats: list[float] = []
    downbeats: list[float] = []
    sections: list[tuple[float, float, str]] = []
    bar = 0
    for label, bars, parts in plan:
        sec_start = bar * 4 * beat_s
        for b in range(bars):
            bar_start = (bar + b) * 4 * beat_s
            downbeats.append(bar_start)
            chord = _PROGRESSION[(bar + b) % len(_PROGRESSION)]
            if "chords" in parts:
                for k, note in enumerate(chord):
                    gain = 0.09 if label in ("intro", "outro") else 0.07
                    _add(
                        buf,
                        bar_start,
                        gain * _tone(note, 4 * beat_s, kind="pad", rng=rng),
                        pan=k * 0.4 - 0.4,
                    )
            for q in range(4):
                t = bar_start + q * beat_s
                beats.append(t)
                if "kick" in parts and (label != "outro" or q == 0):
                    _add(buf, t, 0.9 * kick)
                if "snare" in parts and q in (1, 3):
                    _add(buf, t, 0.5 * snare, pan=0.1)
                if "clap" in parts and q in (1, 3):
                    _add(buf, t + 0.01, 0.25 * snare, pan=-0.3)
                if "hats" in parts:
                    _add(buf, t + beat_s / 2, hat, pan=0.5)
                    if label == "chorus":
                        _add(buf, t, 0.6 * hat, pan=0.5)
                if "bass" in parts:
                    for eighth in range(2):
                        note = chord[0] - 24 + (12 if eighth and q % 2 else 0)
                        _add(
                            buf,
                            t + eighth * beat_s / 2,
                            0.35 * _tone(note, beat_s / 2, kind="bass", rng=rng),
                        )
                if "lead" in parts and q % 2 == 0:
                    note = _LEAD[((bar + b) * 2 + q // 2) % len(_LEAD)]
                    _add(buf, t, 0.08 * _tone(note, 2 * beat_s, kind="lead", rng=rng), pan=-0.15)
        bar += bars
        sections.append((sec_start, bar * 4 * beat_s, label))
    sections[-1] = (sections[-1][0], duration, sections[-1][2])

    peak = float(np.max(np.abs(buf))) or 1.0
    pcm = (buf / peak * 0.89 * 32767).astype("<i2")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(pcm.tobytes())
    tmp.replace(path)
    return DemoTruth(
        duration=len(pcm) / SR,
        tempo_bpm=tempo_bpm,
        beats=[round(b, 6) for b in beats],
        downbeats=[round(d, 6) for d in downbeats],
        sections=sections,
    )
