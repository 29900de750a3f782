"""Tracker modules (MOD/S3M/XM/IT) from Debian game-data packages, rendered with libopenmpt.

Electronic and game music by many independent composers. A module is its own exact score:
libopenmpt plays it and logs the sample where every row starts (`openmpt.py`), so speed and
tempo changes, pattern breaks, loops and row delays are followed as the audio does them.

Beats are every `rows_per_beat` rows of a pattern and bars every `rows_per_bar` rows: IT
files store the composer's row highlights (header bytes 0x1E/0x1F); MOD/S3M/XM have no such
field and the trackers' convention is 4 rows a beat, 16 a bar. A convention is not a fact,
so every candidate is checked against its audio (`decide`) and dropped when the grid is
broken, out of the tapped tempo range, without a clear pulse or with the bar on the wrong
beat. The decision and its figures are cached per module next to the songs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from benchmarks.real import openmpt, sanity
from benchmarks.real.audio import write_normalised
from benchmarks.real.install import ensure_packages
from benchmarks.real.song import BUILD_VERSION, RealSong, cache_paths, load_cached, save

SOURCE = "tracker"
# Debian bookworm game-data packages that ship music modules, one or a few composers each.
PACKAGES = [
    "tecnoballz-data",
    "pingus-data",
    "ironseed-data",
    "heroes-sound-tracks",
    "pekka-kana-2-data",
    "freedroid-data",
    "gl-117-data",
    "biniax2-data",
    "bomberclone-data",
    "rafkill-data",
    "pachi-data",
    "circuslinux-data",
    "madbomber-data",
    "open-invaders-data",
]
# A second batch, added after every rule and model of the analysis was in place and never
# tuned or fitted on: a held-out check of the same kind (source `tracker2`, its own cache
# folder; `train_level.py` collects from the first batch only). Found by listing the
# contents of about 400 bookworm game packages; the same rules and cap decide.
SOURCE_2 = "tracker2"
PACKAGES_2 = [
    "flobopuyo",
    "rockdodger",
    "gemdropx",
    "bb",
    "penguin-command",
    "tuxmath-data",
    "njam-data",
    "vodovod",
    "bugsquish",
    "solarwolf",
    "dodgindiamond2",
    "criticalmass-data",
    "tomatoes-data",
    "gltron",
    "monsterz-data",
    "cuyo-data",
    "sdlbasic",
    "ceferino-data",
    "vectoroids",
    "pathogen",
    "black-box",
    "gweled",
    "ballz-data",
    "vor",
]
BATCHES = {SOURCE: PACKAGES, SOURCE_2: PACKAGES_2}
MODULE_SUFFIXES = (".mod", ".s3m", ".xm", ".it", ".stm", ".mptm")
LIBRARY_PACKAGES = ["libopenmpt0"]
MAX_SECONDS = 150.0  # enough to score a song; keeps the render and the cache small
# Bump when the grid or the acceptance rules change: cached decisions are then redone.
RULES_VERSION = 2
CONVENTION = "4/16 (convention)"
# Try 8/32 (2/8) rows when the 4/16 convention gives a tempo no one taps (see README).
ALLOW_OTHER_CONVENTION = True
# Keep the wavs of dropped candidates (to listen to them, or to re-tune the rules).
KEEP_DROPPED_AUDIO = bool(os.environ.get("MVAGENT_TRACKER_KEEP_DROPPED"))

# Acceptance thresholds (see benchmarks/real/README.md for why each exists).
MIN_MUSIC_S = 20.0
BPM_RANGE = (70.0, 190.0)
MIN_CONTRAST = 1.3  # best of the all-band and low-band onset contrast at beats vs half-way
MAX_LAG_MS = 25.0  # libopenmpt adds no lead-in: a grid this far off is not the audio's
MAX_THIRD_SPREAD_MS = 12.0  # one envelope frame; more means the parts of the song disagree
MIN_BAR_PHASE = 1.1  # bar-start strength over the strongest other bar position
# At most this many songs per package (in file order), so no composer dominates the set;
# the package's later modules are then not rendered at all.
MAX_PER_PACKAGE = 3


@dataclass(frozen=True)
class Grid:
    beats_s: np.ndarray
    downbeats_s: np.ndarray
    rows_per_beat: int
    rows_per_bar: int
    broken_beats: list[float]  # times where a beat came after != rows_per_beat rows
    broken_bars: list[float]  # the same for bars


@dataclass
class Decision:
    """Why a candidate module is in the set or out of it, with the figures behind it."""

    slug: str
    package: str
    file: str
    kept: bool
    reason: str
    bpm: float = 0.0
    highlight: str = ""
    music_s: float = 0.0
    onset_contrast: float = float("nan")
    low_contrast: float = float("nan")
    lag_ms: float = float("nan")
    third_spread_ms: float = float("nan")
    bar_phase: float = float("nan")
    tempo_changes: bool = False
    meter: int = 4
    broken_beats: int = 0  # inside the music
    broken_bars: int = 0
    rules: int = RULES_VERSION
    build: int = BUILD_VERSION


def slug(package: str, path: Path) -> str:
    short = re.sub(r"-(data|sound-tracks)$", "", package)
    return re.sub(r"[^a-z0-9]+", "_", f"{short}_{path.stem}".lower()).strip("_")


def candidates(*, source: str = SOURCE) -> list[tuple[str, Path]]:
    """(package, module file) for every module the installed packages of a batch ship."""
    found = []
    for pkg in BATCHES[source]:
        r = subprocess.run(["dpkg-query", "-L", pkg], capture_output=True, text=True)
        for line in sorted(r.stdout.splitlines()):
            p = Path(line)
            if p.suffix.lower() in MODULE_SUFFIXES and p.is_file():
                found.append((pkg, p))
    return found


def highlight(data: bytes) -> tuple[int, int, str]:
    """(rows per beat, rows per bar, where that came from) for a module's bytes."""
    if data[:4] == b"IMPM" and len(data) > 0x1F:
        minor, major = data[0x1E], data[0x1F]
        if (minor, major) == (4, 16):
            # Impulse Tracker's default: the composer did not choose it.
            return 4, 16, CONVENTION
        if minor > 0 and major > minor:
            return minor, major, f"{minor}/{major} (IT highlight)"
    return 4, 16, CONVENTION


def _bpm(beats: np.ndarray, *, start: float, end: float) -> float:
    b = beats[(beats >= start) & (beats <= end)]
    return 60.0 / float(np.median(np.diff(b))) if len(b) > 2 else float("nan")


def _other_convention(
    rows: list[openmpt.Row], g: Grid, *, start: float, end: float
) -> tuple[Grid, str]:
    """The 8/32 (or 2/8) grid when 4/16 puts the beat outside the tapped range.

    Trackers write double-time music at speed 3 with 8 rows a beat (and slow music at
    speed 12 with 2); the tempo then says which convention the composer used, and the
    audio checks still decide whether the song stays.
    """
    bpm = _bpm(g.beats_s, start=start, end=end)
    for factor, applies in ((2, bpm > BPM_RANGE[1]), (0.5, bpm < BPM_RANGE[0])):
        if applies:
            rpb, rpm = int(g.rows_per_beat * factor), int(g.rows_per_bar * factor)
            alt = grid(rows, rows_per_beat=rpb, rows_per_bar=rpm)
            if BPM_RANGE[0] <= _bpm(alt.beats_s, start=start, end=end) <= BPM_RANGE[1]:
                return alt, f"{rpb}/{rpm} ({bpm:.0f} BPM at 4/16)"
    return g, CONVENTION


def grid(rows: list[openmpt.Row], *, rows_per_beat: int, rows_per_bar: int) -> Grid:
    """Beats and bars at the rows whose index in their pattern is a multiple of the step.

    A pattern break or jump to a row off that step shows as a beat (or bar) that came
    after a different number of played rows: those places are returned, not papered over.
    """
    beats, downs, broken_beats, broken_bars = [], [], [], []
    since_beat = since_bar = None
    for r in rows:
        if r.row % rows_per_beat == 0:
            if since_beat is not None and since_beat != rows_per_beat:
                broken_beats.append(r.time_s)
            beats.append(r.time_s)
            since_beat = 0
        if r.row % rows_per_bar == 0:
            if since_bar is not None and since_bar != rows_per_bar:
                broken_bars.append(r.time_s)
            downs.append(r.time_s)
            since_bar = 0
        since_beat = None if since_beat is None else since_beat + 1
        since_bar = None if since_bar is None else since_bar + 1
    return Grid(
        beats_s=np.asarray(beats, float),
        downbeats_s=np.asarray(downs, float),
        rows_per_beat=rows_per_beat,
        rows_per_bar=rows_per_bar,
        broken_beats=broken_beats,
        broken_bars=broken_bars,
    )


def bar_phase(path: Path, beats: np.ndarray, downbeats: np.ndarray, meter: int) -> float:
    """Onset strength at bar starts over the strongest other position in the bar.

    Taken as the best of the low band (kick, bass) and a harmonic-change cue (chroma
    difference across the beat), since chords and new instruments enter on the bar line.
    Below 1 means another beat of the bar is stronger than the one the grid calls "one".
    """
    if meter < 2 or len(downbeats) < 4:
        return float("nan")
    low, fps = sanity.low_onset_envelope(path)
    change = _chroma_change(path, beats)
    pos = _bar_positions(beats, downbeats, meter)
    vals_low = sanity._peak_at(low, fps, beats)
    ratios = []
    for vals in (vals_low, change):
        means = np.array(
            [np.mean(vals[pos == k]) if np.any(pos == k) else 0.0 for k in range(meter)]
        )
        others = np.max(means[1:])
        ratios.append(float(means[0] / others) if others > 0 else float("inf"))
    return max(ratios)


def _bar_positions(beats: np.ndarray, downbeats: np.ndarray, meter: int) -> np.ndarray:
    # Position of each beat since the last downbeat at or before it (-1 before the first).
    idx = np.searchsorted(downbeats, beats + 1e-6, side="right") - 1
    pos = np.full(len(beats), -1)
    for i, b in enumerate(beats):
        if idx[i] >= 0:
            k = int(np.sum((beats >= downbeats[idx[i]] - 1e-6) & (beats < b - 1e-6)))
            pos[i] = k if k < meter else -1
    return pos


def _chroma_change(path: Path, beats: np.ndarray) -> np.ndarray:
    """Per beat: cosine distance between the chroma of the beat before and the beat after."""
    import librosa

    y, sr = librosa.load(path, sr=22050, mono=True)
    hop = 512
    chroma = librosa.feature.chroma_stft(y=y, sr=sr, hop_length=hop)
    frames = np.clip((beats * sr / hop).astype(int), 0, chroma.shape[1] - 1)
    out = np.zeros(len(beats))
    for i in range(1, len(beats) - 1):
        a = chroma[:, frames[i - 1] : frames[i]].mean(axis=1)
        b = chroma[:, frames[i] : frames[i + 1]].mean(axis=1)
        den = float(np.linalg.norm(a) * np.linalg.norm(b))
        out[i] = 1.0 - float(a @ b) / den if den > 0 else 0.0
    return out


def decide(d: Decision) -> str:
    """The first reason to drop this candidate, or "" to keep it (from its figures only)."""
    if d.music_s < MIN_MUSIC_S:
        return f"only {d.music_s:.0f} s of music"
    if d.meter < 2:
        return f"rows {d.highlight}: not a bar of whole beats"
    if d.broken_beats:
        return f"beat grid broken {d.broken_beats}x (pattern break off the beat)"
    if d.broken_bars:
        return f"bar grid broken {d.broken_bars}x (pattern or break not on a bar line)"
    if not BPM_RANGE[0] <= d.bpm <= BPM_RANGE[1]:
        return f"{d.bpm:.0f} BPM at rows {d.highlight.split()[0]} is not a tapped tempo"
    if max(d.onset_contrast, d.low_contrast) < MIN_CONTRAST:
        return "no clear pulse at the beat (half-beats as strong)"
    if abs(d.lag_ms) > MAX_LAG_MS or d.third_spread_ms > MAX_THIRD_SPREAD_MS:
        return f"grid off the audio (lag {d.lag_ms:.0f} ms, spread {d.third_spread_ms:.0f} ms)"
    if not d.bar_phase >= MIN_BAR_PHASE:
        return f"bar start weaker than another beat of the bar ({d.bar_phase:.2f})"
    return ""


def _decision_path(name: str, source: str) -> Path:
    wav, _ = cache_paths(source=source, slug=name)
    return wav.with_suffix(".decision.json")


def cached_decision(name: str, *, source: str = SOURCE) -> Decision | None:
    p = _decision_path(name, source)
    if not p.exists():
        return None
    d = Decision(**json.loads(p.read_text()))
    return d if d.rules == RULES_VERSION and d.build == BUILD_VERSION else None


def _save_decision(d: Decision, source: str) -> None:
    p = _decision_path(d.slug, source)
    part = p.with_suffix(".part")
    part.write_text(json.dumps(asdict(d), indent=1))
    part.replace(p)


def build(
    package: str, path: Path, *, rebuild: bool = False, source: str = SOURCE
) -> tuple[RealSong | None, Decision]:
    """Render, derive the grid, check it; the song when kept (else None) and the decision."""
    name = slug(package, path)
    if not rebuild and (d := cached_decision(name, source=source)) is not None:
        song = load_cached(source=source, slug=name) if d.kept else None
        if song is not None or not d.kept:
            return song, d
    d = Decision(slug=name, package=package, file=str(path), kept=False, reason="")
    data = path.read_bytes()
    try:
        r = openmpt.render(data, max_seconds=MAX_SECONDS)
    except openmpt.ModuleError as exc:
        d.reason = str(exc)
        _save_decision(d, source)
        return None, d
    wav, _ = cache_paths(source=source, slug=name)
    wav.parent.mkdir(parents=True, exist_ok=True)
    duration = write_normalised(r.audio, sr=openmpt.SAMPLE_RATE, dest=wav)
    start, end = sanity.music_extent(wav)
    end = min(end, duration)
    rpb, rpm, d.highlight = highlight(data)
    g = grid(r.rows, rows_per_beat=rpb, rows_per_bar=rpm)
    if ALLOW_OTHER_CONVENTION and d.highlight == CONVENTION:
        g, d.highlight = _other_convention(r.rows, g, start=start, end=end)
        rpb, rpm = g.rows_per_beat, g.rows_per_bar
    beats, downs = sanity.trim_to_music(g.beats_s, g.downbeats_s, start=start, end=end)
    d.music_s = round(end - start, 1)
    d.meter = rpm // rpb if rpm % rpb == 0 else 0
    d.broken_beats = sum(start <= t <= end for t in g.broken_beats)
    d.broken_bars = sum(start <= t <= end for t in g.broken_bars)
    ibi = np.diff(beats)
    if len(ibi) >= 8:
        d.bpm = round(60.0 / float(np.median(ibi)), 2)
        # Block resolution moves a beat by < 1.5 ms; a real tempo change is far larger.
        d.tempo_changes = bool(np.max(np.abs(ibi / np.median(ibi) - 1.0)) > 0.02)
        q = sanity.check(wav, beats)
        d.onset_contrast, d.low_contrast, d.lag_ms = (
            q["onset_contrast"],
            q["low_contrast"],
            q["lag_ms"],
        )
        d.third_spread_ms = round(max(q["lag_thirds_ms"]) - min(q["lag_thirds_ms"]), 1)
        d.bar_phase = round(bar_phase(wav, beats, downs, d.meter), 3)
    d.reason = decide(d) if len(ibi) >= 8 else "too few beats"
    d.kept = not d.reason
    song = None
    if d.kept:
        song = RealSong(
            name=name,
            source=source,
            path=wav,
            beats_s=beats,
            downbeats_s=downs,
            bpm=d.bpm,
            meter=d.meter,
            duration_s=round(duration, 3),
            tempo_changes=d.tempo_changes,
            sanity=q,
            notes=(
                f"{package} {path.name} ({r.metadata.get('type', '?')}, "
                f"{r.metadata.get('tracker', '?')}); rows {d.highlight}; "
                f"{'cut at' if not r.reached_end else 'played once,'} {duration:.0f} s"
            ),
        )
        save(song)
    elif not KEEP_DROPPED_AUDIO:
        wav.unlink(missing_ok=True)  # nothing of a dropped candidate stays but its decision
    _save_decision(d, source)
    return song, d


def build_all(*, rebuild: bool = False, source: str = SOURCE) -> list[RealSong]:
    return [s for s, _ in survey(rebuild=rebuild, source=source) if s is not None]


def survey(
    *, rebuild: bool = False, source: str = SOURCE
) -> list[tuple[RealSong | None, Decision]]:
    """Every candidate module with its decision (songs only for the kept ones).

    Candidates go in package and file order; a file whose bytes were already seen (a game
    that ships one module under two names) and a package's modules after its
    `MAX_PER_PACKAGE`th kept song are listed with that reason and not rendered.
    """
    if not ensure_packages(LIBRARY_PACKAGES + BATCHES[source]) or not openmpt.available():
        return []
    out: list[tuple[RealSong | None, Decision]] = []
    seen: dict[str, str] = {}
    kept: dict[str, int] = {}
    for pkg, path in candidates(source=source):
        name = slug(pkg, path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        skip = Decision(slug=name, package=pkg, file=str(path), kept=False, reason="")
        if digest in seen:
            skip.reason = f"same file as {seen[digest]}"
        elif kept.get(pkg, 0) >= MAX_PER_PACKAGE:
            skip.reason = f"not rendered: {pkg} has {MAX_PER_PACKAGE} songs"
        seen.setdefault(digest, name)
        if skip.reason:
            out.append((None, skip))
            continue
        song, d = build(pkg, path, rebuild=rebuild, source=source)
        kept[pkg] = kept.get(pkg, 0) + d.kept
        out.append((song, d))
    return out
