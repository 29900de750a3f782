"""MuseScore's demo scores (Debian `musescore3-common`, `musescore-common`), rendered by mscore3.

MuseScore plays a score with its own synthesiser and soundfont, honouring tempo texts,
fermatas and meter changes; its MIDI export of the same score carries the same tempo map,
so pretty_midi's beats and downbeats of that export are the exact grid of the render.
These are orchestral, jazz and piano pieces: the set's only expressive-tempo material.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np

from benchmarks.real import sanity
from benchmarks.real.audio import to_mono_wav
from benchmarks.real.install import ensure_packages
from benchmarks.real.song import RealSong, cache_paths, load_cached, save

SOURCE = "musescore"
PACKAGES = ["musescore3", "musescore3-common", "musescore-common"]
DEMO_DIRS = [Path("/usr/share/mscore3-3.2/demos"), Path("/usr/share/mscore-2.3/demos")]
RENDER_TIMEOUT_S = 600


def slug(path: Path) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")


def demo_scores() -> list[Path]:
    """Each demo once (the 3.x copy wins over the 2.x one of the same name)."""
    seen: dict[str, Path] = {}
    for folder in DEMO_DIRS:
        for p in sorted([*folder.glob("*.mscz"), *folder.glob("*.mscx")]):
            seen.setdefault(slug(p), p)
    return list(seen.values())


def _mscore(args: list[str], *, cwd: str) -> None:
    # No display here: Qt's offscreen platform is enough for command-line export.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run(
        ["mscore3", *args],
        check=True,
        capture_output=True,
        timeout=RENDER_TIMEOUT_S,
        cwd=cwd,
        env=env,
    )


def _truth(mid: Path) -> tuple[np.ndarray, np.ndarray, int, bool]:
    import pretty_midi

    with warnings.catch_warnings():
        # MuseScore puts tempo events on every track; pretty_midi warns but reads them all.
        warnings.simplefilter("ignore")
        pm = pretty_midi.PrettyMIDI(str(mid))
    beats = np.asarray(pm.get_beats(), dtype=float)
    downbeats = np.asarray(pm.get_downbeats(), dtype=float)
    _, tempi = pm.get_tempo_changes()
    ts = pm.time_signature_changes
    if ts:
        # The meter in force longest (a pickup bar is exported as a short time signature).
        ends = [*(t.time for t in ts[1:]), pm.get_end_time()]
        spans: dict[int, float] = {}
        for t, end in zip(ts, ends, strict=True):
            spans[t.numerator] = spans.get(t.numerator, 0.0) + end - t.time
        meter = max(spans, key=spans.get)
        if meter % 3 == 0 and meter > 3:
            meter //= 3  # compound meter: pretty_midi's beats are dotted notes
    else:
        meter = 4
    return beats, downbeats, int(meter), bool(len(set(np.round(tempi, 2))) > 1)


def build(score: Path, *, rebuild: bool = False) -> RealSong:
    name = slug(score)
    if not rebuild and (cached := load_cached(source=SOURCE, slug=name)) is not None:
        return cached
    wav, _ = cache_paths(source=SOURCE, slug=name)
    wav.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mvms-") as tmp:
        raw, mid = Path(tmp) / "out.wav", Path(tmp) / "out.mid"
        _mscore(["-o", str(mid), str(score)], cwd=tmp)
        _mscore(["-o", str(raw), str(score)], cwd=tmp)
        beats, downbeats, meter, changes = _truth(mid)
        duration = to_mono_wav(raw, wav)
    beats, downbeats = sanity.trim_to_audio(wav, beats, downbeats)
    song = RealSong(
        name=name,
        source=SOURCE,
        path=wav,
        beats_s=beats,
        downbeats_s=downbeats,
        bpm=round(60.0 / float(np.median(np.diff(beats))), 2) if len(beats) > 1 else 0.0,
        meter=meter,
        duration_s=round(duration, 3),
        tempo_changes=changes,
        sanity=sanity.check(wav, beats),
        notes=f"score {score.name}; tempo map from mscore3's MIDI export",
    )
    save(song)
    return song


def build_all(*, rebuild: bool = False) -> list[RealSong]:
    if not ensure_packages(PACKAGES):
        return []
    return [build(p, rebuild=rebuild) for p in demo_scores()]
