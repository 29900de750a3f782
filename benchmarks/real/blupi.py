"""Planet Blupi's soundtrack from Debian: produced renders of sequenced songs, with their MIDI.

`planetblupi-music-ogg` holds the game's ten songs as the composers rendered them (a GM sound
module unlike FluidR3: its spectra correlate 0.85 with a FluidR3 render of the same file,
less than TimGM6mb's 0.90), and `planetblupi-music-midi` the very sequences they were
rendered from. The MIDI files' tempo map gives the beats and bars; two constants put them
on the audio, both measured, neither with the tracker under test:

- the notes' offset from the MIDI's own grid (six songs were exported with every note
  18 of 192 ticks, 40-60 ms, after its tick grid): the drum notes' most common phase
  near the beats;
- the audio's lag behind the notes (the renders dropped the exported lead-in, so it is
  about -50 ms on those six): the shift that puts the melodic notes (irregular times, so
  one shift fits) on the render's onset envelope, refined on the drum notes (sharp
  attacks, within 1/8 of a beat), less the attack lag exact truth shows on real drum
  samples (`fretsonfire.EXACT_TRUTH_LAG_S`). It is measured per third of the clip too; a
  song whose thirds disagree (drift) is skipped.

Songs are 10-28 minutes of loops: the first `MAX_SECONDS` are kept, from bar 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.real import sanity
from benchmarks.real.audio import to_mono_wav
from benchmarks.real.fretsonfire import EXACT_TRUTH_LAG_S
from benchmarks.real.install import ensure_packages
from benchmarks.real.song import RealSong, cache_paths, load_cached, save

SOURCE = "blupi"
PACKAGES = ["planetblupi-music-midi", "planetblupi-music-ogg"]
MUSIC_DIR = Path("/usr/share/planetblupi/music")
MAX_SECONDS = 180.0
MAX_LAG_S = 0.3
# Lags of the clip's thirds further apart than this mean the render drifts off the MIDI.
MAX_LAG_SPREAD_S = 0.015


def songs() -> list[Path]:
    """MIDI files that have their rendered OGG next to them."""
    return sorted(p for p in MUSIC_DIR.glob("music*.mid") if p.with_suffix(".ogg").exists())


def note_offset_ticks(drum_ticks: np.ndarray, *, ticks_per_beat: int) -> int:
    """How many ticks the drum notes on the beat sit after the MIDI's beats: the most common
    remainder within 1/8 of a beat either side (six songs were exported with every
    note 18 of 192 ticks late; four are on their ticks). Off-beat, swung and triplet notes
    fall outside and do not pull it."""
    half = ticks_per_beat // 2
    r = (np.asarray(drum_ticks, dtype=np.int64) + half) % ticks_per_beat - half
    r = r[np.abs(r) < ticks_per_beat // 8]
    if len(r) == 0:
        return 0
    return int(np.argmax(np.bincount(r + half, minlength=ticks_per_beat))) - half


@dataclass(frozen=True)
class _Midi:
    """What the MIDI file says, on its own clock (seconds)."""

    beats_s: np.ndarray  # moved by `late_s`: where the notes on the beat are
    downbeats_s: np.ndarray
    drums_s: np.ndarray  # note starts: drums (sharp attacks), the rest (irregular times)
    melodic_s: np.ndarray
    late_s: float
    bpm: float
    meter: int


def read_midi(mid: Path) -> _Midi:
    """The MIDI file's grid (moved onto its notes), note starts, tempo and meter."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(str(mid))

    def starts(drum: bool) -> np.ndarray:
        return np.unique([n.start for i in pm.instruments if i.is_drum == drum for n in i.notes])

    drums = starts(True)
    late = note_offset_ticks(
        np.array([pm.time_to_tick(t) for t in drums]), ticks_per_beat=pm.resolution
    )
    _, tempi = pm.get_tempo_changes()
    late_s = late / pm.resolution * 60.0 / float(tempi[0])
    ts = pm.time_signature_changes
    return _Midi(
        beats_s=np.asarray(pm.get_beats(), dtype=float) + late_s,
        downbeats_s=np.asarray(pm.get_downbeats(), dtype=float) + late_s,
        drums_s=drums,
        melodic_s=starts(False),
        late_s=late_s,
        bpm=float(tempi[0]),
        meter=int(ts[0].numerator if ts else 4),
    )


def audio_lag_s(
    env: np.ndarray, fps: float, midi: _Midi, *, span_s: tuple[float, float], rough_s: float
) -> float:
    """How late (s) the audio plays the drum notes that start within `span_s`, searched
    within 1/8 of a beat of `rough_s` (the drums are regular: a wider search could
    land a beat's fraction away)."""
    t = midi.drums_s[(midi.drums_s >= span_s[0]) & (midi.drums_s < span_s[1])]
    return sanity.best_lag_s(env, fps, t, max_lag_s=60.0 / midi.bpm / 8, around_s=rough_s)


def build(mid: Path, *, rebuild: bool = False) -> RealSong | None:
    """Cut the rendered song to the cache and put its MIDI's grid on it; None on drift."""
    name = mid.stem
    if not rebuild and (cached := load_cached(source=SOURCE, slug=name)) is not None:
        return cached
    wav, _ = cache_paths(source=SOURCE, slug=name)
    duration = to_mono_wav(mid.with_suffix(".ogg"), wav, max_seconds=MAX_SECONDS)
    midi = read_midi(mid)
    env, fps = sanity.onset_envelope(wav)
    edges = np.linspace(0.0, duration - MAX_LAG_S, 4)
    # Roughly first, on the melodic notes of the whole clip: irregular enough that one
    # shift fits (a third alone can match its eighth-note lines half a beat off).
    melodic = midi.melodic_s[midi.melodic_s < edges[-1]]
    rough = sanity.best_lag_s(env, fps, melodic, max_lag_s=MAX_LAG_S)
    lag = audio_lag_s(env, fps, midi, span_s=(0.0, edges[-1]), rough_s=rough)
    thirds = [
        audio_lag_s(env, fps, midi, span_s=(a, b), rough_s=rough)
        for a, b in zip(edges, edges[1:], strict=False)
    ]
    if max(thirds) - min(thirds) > MAX_LAG_SPREAD_S:
        wav.unlink(missing_ok=True)
        return None
    shift = lag - EXACT_TRUTH_LAG_S
    beats, downbeats = sanity.trim_to_audio(wav, midi.beats_s + shift, midi.downbeats_s + shift)
    song = RealSong(
        name=name,
        source=SOURCE,
        path=wav,
        beats_s=beats,
        downbeats_s=downbeats,
        bpm=midi.bpm,
        meter=midi.meter,
        duration_s=round(duration, 3),
        sanity=sanity.check(wav, beats),
        notes=(
            f"first {MAX_SECONDS:g} s; notes {midi.late_s * 1000:+.0f} ms after the MIDI's "
            f"beats; audio {lag * 1000:+.0f} ms after the notes (thirds "
            f"{', '.join(f'{t * 1000:+.0f}' for t in thirds)} ms); grid moved "
            f"{(midi.late_s + shift) * 1000:+.0f} ms in all"
        ),
    )
    save(song)
    return song


def build_all(*, rebuild: bool = False) -> list[RealSong]:
    """Every Planet Blupi song (installing the packages first); [] when they cannot be had."""
    if not ensure_packages(PACKAGES):
        return []
    built = [build(p, rebuild=rebuild) for p in songs()]
    return [s for s in built if s is not None]
