"""Hydrogen's demo songs (Debian `hydrogen-data`), rendered with `h2cli`: produced drum tracks.

Ground truth comes from the .h2song XML: the song `bpm`, the pattern sequence and each
pattern's `size` in ticks (48 ticks = one quarter, so 192 = one 4/4 bar). A column of the
sequence lasts as long as its longest pattern, and every column starts a bar.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from benchmarks.real import sanity
from benchmarks.real.audio import to_mono_wav
from benchmarks.real.install import ensure_packages
from benchmarks.real.song import RealSong, cache_paths, load_cached, save

SOURCE = "hydrogen"
PACKAGES = ["hydrogen", "hydrogen-data"]
DEMO_DIR = Path("/usr/share/hydrogen/data/demo_songs")
TICKS_PER_BEAT = 48
RENDER_TIMEOUT_S = 600


def slug(path: Path) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")


def demo_songs() -> list[Path]:
    return sorted(DEMO_DIR.glob("*.h2song"))


def parse_truth(path: Path) -> tuple[float, list[int]] | None:
    """(bpm, ticks of each sequence column), or None for songs this module cannot time exactly.

    Songs with a BPM timeline (tempo markers) are skipped rather than guessed.
    """
    root = ET.parse(path).getroot()
    timeline = root.find("BPMTimeLine")
    if timeline is not None and len(timeline):
        return None
    sizes = {
        p.findtext("name"): int(p.findtext("size") or 0)
        for p in root.iter("pattern")
        if p.findtext("name") is not None and p.findtext("size")
    }
    columns = []
    for group in root.find("patternSequence") or []:
        ticks = [sizes.get(pid.text, 0) for pid in group.findall("patternID")]
        columns.append(max(ticks, default=0))
    columns = [c for c in columns if c > 0]
    if not columns:
        return None
    return float(root.findtext("bpm") or 120), columns


def grid(bpm: float, columns: list[int]) -> tuple[np.ndarray, np.ndarray, int]:
    """Beats, downbeats (column starts) and meter (beats in the most common column)."""
    beat_s = 60.0 / bpm
    starts = np.concatenate([[0], np.cumsum(columns)])  # in ticks
    beats = np.arange(0, starts[-1], TICKS_PER_BEAT) / TICKS_PER_BEAT * beat_s
    downbeats = starts[:-1] / TICKS_PER_BEAT * beat_s
    values, counts = np.unique(columns, return_counts=True)
    meter = int(round(values[np.argmax(counts)] / TICKS_PER_BEAT))
    return beats, downbeats, meter


def render(song: Path, dest: Path) -> None:
    """Export `song` to a wav with h2cli (no sound card needed: it falls back to a null driver)."""
    with tempfile.TemporaryDirectory(prefix="mvh2-") as tmp:
        raw = Path(tmp) / "out.wav"
        subprocess.run(
            ["h2cli", "-s", str(song), "-o", str(raw)],
            check=True,
            capture_output=True,
            timeout=RENDER_TIMEOUT_S,
            cwd=tmp,
        )
        to_mono_wav(raw, dest)


def build(path: Path, *, rebuild: bool = False) -> RealSong | None:
    name = slug(path)
    if not rebuild and (cached := load_cached(source=SOURCE, slug=name)) is not None:
        return cached
    truth = parse_truth(path)
    if truth is None:
        return None
    bpm, columns = truth
    wav, _ = cache_paths(source=SOURCE, slug=name)
    wav.parent.mkdir(parents=True, exist_ok=True)
    render(path, wav)
    import soundfile as sf

    duration = sf.info(wav).duration
    beats, downbeats, meter = grid(bpm, columns)
    beats, downbeats = sanity.trim_to_audio(wav, beats, downbeats)
    check = sanity.check(wav, beats)
    song = RealSong(
        name=name,
        source=SOURCE,
        path=wav,
        beats_s=beats,
        downbeats_s=downbeats,
        bpm=bpm,
        meter=meter,
        duration_s=round(duration, 3),
        sanity=check,
        notes=f"{len(columns)} bars of {sorted(set(columns))} ticks; no lead-in correction",
    )
    save(song)
    return song


def build_all(*, rebuild: bool = False) -> list[RealSong]:
    if not ensure_packages(PACKAGES):
        return []
    songs = [build(p, rebuild=rebuild) for p in demo_songs()]
    return [s for s in songs if s is not None]
