"""A handful of the MIDI benchmark songs, rendered with fluidsynth and scored with mir_eval.

The full set and the comparison with librosa run in benchmarks/analysis.py; these guard the
hard cases: the off-beat house bass, a slow ballad, 3/4, drum and bass with a drumless intro,
and a tempo change.
"""

from __future__ import annotations

import mir_eval
import numpy as np
import pytest

from benchmarks.songs import by_name, fluidsynth_available, render_song
from mvagent.audio import analyze

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not fluidsynth_available(), reason="fluidsynth or the GM soundfont is missing"
    ),
]


@pytest.mark.parametrize(
    "name", ["house_128", "ballad_64", "waltz_96_minor", "dnb_174", "pop_96_to_120"]
)
def test_benchmark_song(name):
    wav, truth = render_song(by_name(name))
    a = analyze(wav)
    ref = mir_eval.beat.trim_beats(np.array(truth.beats))
    assert mir_eval.beat.f_measure(ref, mir_eval.beat.trim_beats(np.array(a.beats))) >= 0.95
    assert mir_eval.beat.f_measure(np.array(truth.downbeats), np.array(a.downbeats)) >= 0.9
    assert a.time_signature == truth.meter
    if truth.bpm is not None:
        assert abs(a.tempo_bpm - truth.bpm) <= 0.005 * truth.bpm
    else:
        assert a.tempo_changes, "the tempo change was not reported"
    ref_int = np.array([[s, e] for s, e, _, _ in truth.sections], dtype=float)
    ref_int[0, 0], ref_int[-1, 1] = 0.0, a.duration
    est_int = np.array([[s.start, s.end] for s in a.sections])
    _, hit_rate, _ = mir_eval.segment.detection(ref_int, est_int, window=0.5, trim=True)
    assert hit_rate >= 0.7
