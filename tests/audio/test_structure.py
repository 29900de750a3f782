"""Sections, energy and mood on synthetic songs with a known structure."""

from __future__ import annotations

import mir_eval
import numpy as np

from mvagent.audio import analyze_samples
from mvagent.audio.features import compute_features
from mvagent.audio.harmony import estimate_key, key_chroma
from mvagent.audio.mood import lyric_sentiment
from tests.audio import synth

BPM = 120.0
BAR_S = 4 * 60.0 / BPM


def _song(rng, plan):
    """Concatenate 8-bar parts; plan items are (progression, gain, hats)."""
    parts = []
    for prog, gain, hats in plan:
        y, _ = synth.groove(rng, bpm=BPM, bars=8, progression=prog, hats_eighths=hats, start_s=0.0)
        parts.append(gain * y[: int(round(8 * BAR_S * synth.SR))])
    lead = np.zeros(int(0.5 * synth.SR), np.float32)
    return np.concatenate([lead, *parts, np.zeros(synth.SR, np.float32)]).astype(np.float32)


VERSE = (("C", "Am", "F", "G"), 0.5, False)
CHORUS = (("F", "G", "Em", "Am"), 1.0, True)
BRIDGE = (("Dm", "Dm", "G", "G"), 0.7, True)


def test_sections_find_the_boundaries_and_repeats(rng):
    y = _song(rng, [VERSE, CHORUS, VERSE, CHORUS, BRIDGE, CHORUS])
    a = analyze_samples(y, sr=synth.SR)
    ref = 0.5 + np.arange(7) * 8 * BAR_S
    ref_int = np.column_stack([ref[:-1], ref[1:]])
    ref_int[0, 0], ref_int[-1, 1] = 0.0, a.duration
    est_int = np.array([[s.start, s.end] for s in a.sections])
    _, recall, _ = mir_eval.segment.detection(ref_int, est_int, window=0.5, trim=True)
    assert recall >= 0.8
    # Each chorus starts a section with the same group id, unlike the verses.

    def group_at(t: float) -> int | None:
        near = [s for s in a.sections if abs(s.start - t) < 0.5]
        return near[0].group if near else None

    chorus_groups = {group_at(t) for t in ref[[1, 3]]}
    assert len(chorus_groups) == 1 and None not in chorus_groups
    verse_groups = {group_at(ref[2]), a.sections[0].group}
    assert chorus_groups.isdisjoint(verse_groups)


def test_energy_follows_loudness(rng):
    y = _song(rng, [VERSE, CHORUS])
    a = analyze_samples(y, sr=synth.SR)
    beats = np.array(a.beats)
    energy = np.array(a.energy)
    split = 0.5 + 8 * BAR_S
    assert energy[beats > split + 0.5].mean() > energy[beats < split - 0.5].mean() + 0.2


def _chords(names: tuple[str, ...], *, seconds: float = 2.0) -> np.ndarray:
    parts = []
    for name in names:
        notes = synth.CHORDS[name]
        parts.append(synth.tone((*notes, notes[0] - 12), seconds, level=0.5))
    return np.concatenate(parts).astype(np.float32)


def test_key_and_mode_of_chords():
    major = compute_features(_chords(("C", "F", "G", "C") * 3), synth.SR)
    minor = compute_features(_chords(("Am", "Dm", "Em", "Am") * 3), synth.SR)
    assert estimate_key(key_chroma(major.chroma, major.bass_chroma))[:2] == (0, "major")
    assert estimate_key(key_chroma(minor.chroma, minor.bass_chroma))[:2] == (9, "minor")


def test_lyrics_move_valence():
    happy, themes = lyric_sentiment(
        "dance in the sunshine, love and joy, we smile and shine, party tonight, dance dance"
    )
    sad, _ = lyric_sentiment("alone in the cold rain, tears and pain, broken and lost, goodbye")
    assert happy > 0.3 and sad < -0.3
    assert "party" in themes


def test_mood_reads_lyrics(rng):
    y, _ = synth.groove(rng, bpm=100.0, bars=8)
    sad = analyze_samples(
        y, sr=synth.SR, lyrics_text="alone\ncold tears\nbroken pain goodbye\nlost in the dark rain"
    )
    happy = analyze_samples(
        y, sr=synth.SR, lyrics_text="love\nsunshine joy\ndance and smile\nwe shine so bright"
    )
    assert happy.mood.valence > sad.mood.valence + 0.3
