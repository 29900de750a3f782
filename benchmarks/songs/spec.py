"""Compact song specs: a style (how each part plays) plus a section plan (who plays when).

Everything the analysis is scored against (beats, downbeats, bar starts of sections, tempo,
vocal phrases) follows from a spec, so ground truth is exact by construction.

Pattern strings cover one bar (or several) at `steps_per_beat` steps per beat:
  drums:  'X' accent, 'x' normal, 'o' ghost, '.' nothing
  chords: 'x' strike the chord, '-' keep holding, '.' silence
  bass:   'R' root, '3' third, '5' fifth, '6' sixth, '7' flat seventh, '8' octave, '-', '.'
  arp:    like chords, but each 'x' plays the next chord tone (up, then wrap)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Literal

DrumFeel = Literal["full", "half", "light", "none", "build"]


@dataclass(frozen=True)
class Pitched:
    """A pitched part: GM program, register and one pattern."""

    program: int
    pattern: str
    octave: int = 4  # octave of the chord root / bass root (C4 = 60)
    velocity: int = 80
    staccato: float = 0.9  # fraction of the written length that sounds


@dataclass(frozen=True)
class Style:
    """How a genre plays: drum patterns per feel, bass, chords, arp, vocal line."""

    name: str
    steps_per_beat: int
    drums: dict[str, dict[int, str]]  # feel -> {GM drum note: pattern}
    bass: Pitched | None = None
    chords: Pitched | None = None
    arp: Pitched | None = None
    pad: Pitched | None = None
    vocal_program: int = 53  # GM "Voice Oohs"
    vocal_density: float = 0.6  # share of steps on a vocal note onset grid (0..1)
    swing: float = 0.5  # position of the off-beat eighth in the beat; 0.5 straight, 0.67 triplet
    swing_unit: Literal[8, 16] = 8
    crash_on_sections: bool = True
    fills: bool = True


@dataclass(frozen=True)
class Section:
    label: str  # intro, verse, prechorus, chorus, bridge, breakdown, drop, instrumental, outro
    bars: int
    material: str  # same letter = same music (chords, melody); the ground-truth group
    parts: tuple[str, ...] = ("drums", "bass", "chords")
    feel: DrumFeel = "full"
    progression: tuple[int, ...] = (1, 6, 4, 5)  # scale degrees, one per `bars_per_chord`
    bars_per_chord: float = 1.0


@dataclass(frozen=True)
class SongSpec:
    name: str
    style: Style
    bpm: float
    sections: tuple[Section, ...]
    meter: int = 4  # beats per bar; 6 = 6/8 with the eighth note as the beat
    key: int = 0  # tonic pitch class, 0 = C
    mode: Literal["major", "minor"] = "major"
    tempo_changes: tuple[tuple[int, float], ...] = ()  # (bar index, new bpm)
    lead_in_s: float = 0.5  # silence before the first bar
    fade_in_s: float = 0.0
    fade_out_s: float = 0.0
    seed: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)  # what the song is there to test

    @property
    def steady(self) -> bool:
        return not self.tempo_changes

    def digest(self) -> str:
        """Stable hash of everything that changes the rendered audio."""
        blob = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha1(blob.encode()).hexdigest()[:12]


@dataclass
class Truth:
    """Ground truth derived from a spec (seconds on the rendered file's clock)."""

    name: str
    duration: float
    bpm: float | None  # None when the tempo changes
    meter: int
    beats: list[float]
    downbeats: list[float]
    sections: list[tuple[float, float, str, str]]  # start, end, label, material
    vocals: list[tuple[float, float]]
    mode: str
    steady: bool
    tags: list[str]
