"""Frets on Fire songs from Debian: real multitrack rock/metal with a charted tempo map.

Each song folder has the released mix split into stems (song.ogg, guitar.ogg, sometimes
rhythm.ogg) and the chart's notes.mid, whose tempo and time-signature events were written
to line up with the audio (the game scrolls notes by them). Beats come from that tempo map.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import numpy as np

from benchmarks.real import sanity
from benchmarks.real.audio import mix_to_wav
from benchmarks.real.install import ensure_packages
from benchmarks.real.song import RealSong, cache_paths, load_cached, save

SOURCE = "fretsonfire"
PACKAGES = ["fretsonfire-songs-muldjord", "fretsonfire-songs-sectoid"]
SONG_ROOT = Path("/usr/share/games/fretsonfire/data/songs")
STEMS = ("song.ogg", "guitar.ogg", "rhythm.ogg")
EXPERT_PITCHES = range(96, 101)  # the chart's expert-difficulty frets
# The grid lag that exact truth shows on real drum samples: the mean over the Hydrogen renders,
# whose grid is exact by construction (5-16 ms; the attack of a real kick or snare peaks later
# than the synthetic hit `sanity` calibrates on). A chart is "on time" at this lag.
EXACT_TRUTH_LAG_S = 0.011
# A residual offset below this is within what attack shapes move the envelope's peak, so the
# chart is trusted as written (all muldjord charts: 9-14 ms residual).
MIN_OFFSET_FIX_S = 0.020


def slug(folder: Path) -> str:
    return re.sub(r"[^a-z0-9]+", "_", f"{folder.parent.name}_{folder.name}".lower()).strip("_")


def song_folders() -> list[Path]:
    return sorted(p.parent for p in SONG_ROOT.glob("*/*/notes.mid"))


def _delay_s(folder: Path) -> float:
    """The chart's A/V delay from song.ini (`delay`, ms), 0 when absent.

    FoF plays the notes `delay` ms after the audio position they were charted at, so audio
    time = chart time + delay. None of the Debian charts set it; the onset lag check in
    `sanity` would expose a wrong sign or a missing offset.
    """
    ini = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        ini.read(folder / "song.ini", encoding="utf-8")
        return float(ini.get("song", "delay", fallback="0") or 0) / 1000.0
    except (configparser.Error, ValueError, UnicodeDecodeError):
        return 0.0


def _truth(folder: Path) -> tuple[np.ndarray, np.ndarray, float, int, bool]:
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(str(folder / "notes.mid"))
    # Charts without a time-signature event are 4/4 (pretty_midi then assumes 4/4 too).
    beats = np.asarray(pm.get_beats(), dtype=float)
    downbeats = np.asarray(pm.get_downbeats(), dtype=float)
    _, tempi = pm.get_tempo_changes()
    ts = pm.time_signature_changes
    meter = ts[0].numerator if ts else 4
    # get_beats stops at the last note; extend the grid to the end of the audio later.
    return beats, downbeats, float(tempi[0]), int(meter), bool(len(set(np.round(tempi, 3))) > 1)


def _extend(grid: np.ndarray, *, until: float, step: int = 1) -> np.ndarray:
    """Continue a steady grid past its last point up to `until` (the chart ends before the audio)."""
    if len(grid) < 2:
        return grid
    period = float(grid[-1] - grid[-1 - step]) / step if len(grid) > step else 0.0
    if period <= 0:
        return grid
    extra = grid[-1] + period * np.arange(1, int((until - grid[-1]) / period) + 1)
    return np.concatenate([grid, extra])


def _note_lag_s(folder: Path) -> float:
    """Lag of the guitar stem's onsets behind the chart's expert notes (irregular, so unambiguous)."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(str(folder / "notes.mid"))
    times = np.unique(
        np.round([n.start for i in pm.instruments for n in i.notes if n.pitch in EXPERT_PITCHES], 3)
    )
    if len(times) < 16 or not (folder / "guitar.ogg").exists():
        return float("nan")
    env, fps = sanity.onset_envelope(folder / "guitar.ogg")
    return sanity.best_lag_s(env, fps, times + _delay_s(folder), max_lag_s=0.3)


def build(folder: Path, *, rebuild: bool = False) -> RealSong:
    """Mix the stems of `folder` into the cache and derive its checked ground truth."""
    name = slug(folder)
    if not rebuild and (cached := load_cached(source=SOURCE, slug=name)) is not None:
        return cached
    wav, _ = cache_paths(source=SOURCE, slug=name)
    duration = mix_to_wav([folder / s for s in STEMS if (folder / s).exists()], wav)

    beats, downbeats, bpm, meter, changes = _truth(folder)
    delay = _delay_s(folder)
    beats, downbeats = beats + delay, downbeats + delay
    if not changes:
        beats = _extend(beats, until=duration)
        downbeats = _extend(downbeats, until=duration)
    beats, downbeats = sanity.trim_to_audio(wav, beats, downbeats)

    # Some charts sit a constant few tens of ms before the audio (the game has a global A/V
    # calibration that hides it). Measure the grid's offset on the mix and confirm it with
    # an independent signal: the charted expert notes against the guitar stem's onsets.
    env, fps = sanity.onset_envelope(wav)
    grid_lag = sanity.grid_offset_s(env, fps, beats)
    note_lag = _note_lag_s(folder)
    residual = grid_lag - EXACT_TRUTH_LAG_S
    fix = residual if abs(residual) >= MIN_OFFSET_FIX_S else 0.0
    beats, downbeats = beats + fix, downbeats + fix
    song = RealSong(
        name=name,
        source=SOURCE,
        path=wav,
        beats_s=beats,
        downbeats_s=downbeats,
        bpm=bpm,
        meter=meter,
        duration_s=round(duration, 3),
        tempo_changes=changes,
        sanity=sanity.check(wav, beats),
        notes=(
            f"stems {'+'.join(s for s in STEMS if (folder / s).exists())}; song.ini delay "
            f"{delay * 1000:.0f} ms; grid lag {grid_lag * 1000:+.0f} ms, chart notes vs guitar "
            f"stem {note_lag * 1000:+.0f} ms; offset applied {fix * 1000:+.0f} ms"
        ),
    )
    save(song)
    return song


def build_all(*, rebuild: bool = False) -> list[RealSong]:
    """Every Frets on Fire song (installing the packages first); [] when they cannot be had."""
    if not ensure_packages(PACKAGES):
        return []
    return [build(f, rebuild=rebuild) for f in song_folders()]
