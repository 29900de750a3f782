"""Excerpts: a stretch cut from the middle of a song at a random point of the beat, as a
clip from a longer track is (no intro, no first bar, no count-in).

A song rendered from bar 1 tells a tracker where its bars start; a cut does not, so
excerpts measure the bar and level choices without that help (`real_songs.py --excerpt`)
and teach the fitted models the same (`train_level.py collect ... --excerpt`). The cut is
made 30 % into the song plus a fraction of a beat drawn from the song's name (the same on
every run).
"""

from __future__ import annotations

import dataclasses
import zlib
from pathlib import Path

import numpy as np
import soundfile as sf

from benchmarks.real.song import CACHE_DIR, RealSong

EXCERPT_DIR = CACHE_DIR / "excerpts"
START_SHARE = 0.3  # of the song's length, where the cut is made (then moved off the beat)
SAMPLE_RATE = 22050  # the analysis rate: the excerpt is decoded once, not kept at 44.1 kHz


@dataclasses.dataclass(frozen=True)
class Cut:
    path: Path
    start_s: float  # where the excerpt starts on the song's clock
    beats_s: np.ndarray  # the truth on the excerpt's clock
    downbeats_s: np.ndarray


def cut_phase(name: str) -> float:
    """A fraction of a beat in [0, 1), fixed per song name, spread evenly over songs."""
    return (zlib.crc32(name.encode()) % 1000) / 1000.0


def cut(
    path: Path,
    beats_s: np.ndarray,
    downbeats_s: np.ndarray,
    *,
    name: str,
    seconds: float,
    dest_dir: Path = EXCERPT_DIR,
) -> Cut | None:
    """The `seconds` of `path` from 30 % in, `cut_phase(name)` of a beat past a true beat,
    written (once) to `dest_dir`; None when the song is too short for it."""
    from mvagent.audio.decode import load_audio

    beats_s = np.asarray(beats_s, dtype=float)
    i = int(np.searchsorted(beats_s, START_SHARE * beats_s[-1])) if len(beats_s) else 0
    if i + 1 >= len(beats_s):
        return None
    start_s = float(beats_s[i] + cut_phase(name) * (beats_s[i + 1] - beats_s[i]))
    if start_s + seconds > beats_s[-1]:
        return None
    dest = dest_dir / f"{name}-{start_s:.3f}s+{seconds:g}s.wav"  # a new cut, a new file
    if not dest.exists():
        y, sr = load_audio(path, sr=SAMPLE_RATE, mono=True)
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_suffix(".part.wav")
        sf.write(part, y[int(start_s * sr) : int((start_s + seconds) * sr)], sr, subtype="PCM_16")
        part.replace(dest)

    def clip(times_s: np.ndarray) -> np.ndarray:
        t = np.asarray(times_s, dtype=float) - start_s
        return t[(t >= 0.0) & (t < seconds)]

    return Cut(dest, start_s, clip(beats_s), clip(downbeats_s))


def excerpt(song: RealSong, *, seconds: float) -> RealSong | None:
    """`song` cut to `seconds` (see `cut`), its truth on the excerpt's clock."""
    c = cut(
        song.path,
        song.beats_s,
        song.downbeats_s,
        name=f"{song.source}-{song.name}",
        seconds=seconds,
    )
    if c is None:
        return None
    return dataclasses.replace(
        song,
        path=c.path,
        beats_s=c.beats_s,
        downbeats_s=c.downbeats_s,
        duration_s=seconds,
        notes=f"{seconds:g} s excerpt from {c.start_s:.3f} s",
    )
