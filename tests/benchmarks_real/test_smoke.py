"""Benchmark smoke test on one real produced song (Frets on Fire, exact chart tempo map).

`sectoid_war_of_freedom` is a 140 BPM metal song whose guitars push the off-beats in whole
sections: beat-by-beat tracking slid half a beat over there (beat F 0.45); the steady grid
holds the beat all through. `.ci/run` installs the Debian song package it comes from.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.real import fretsonfire
from benchmarks.real.evaluate import evaluate
from benchmarks.real_cuts import cut_times, on_beat_share
from mvagent.audio.analyze import analyze

pytestmark = pytest.mark.slow


def test_one_real_song_meets_the_targets(tmp_path):
    folders = [
        f for f in fretsonfire.song_folders() if fretsonfire.slug(f) == "sectoid_war_of_freedom"
    ]
    if not folders:
        pytest.skip("install fretsonfire-songs-sectoid (as .ci/run does) for this test")
    song = fretsonfire.build(folders[0])
    a = analyze(song.path)
    scores = evaluate(a.beats, a.downbeats, song)
    assert scores["error_kind"] == "ok", scores
    assert scores["beat_f"] >= 0.95 and scores["downbeat_f"] >= 0.90, scores
    # The chart's timing is not sample-exact: its grid was moved onto the mix by an onset
    # envelope's lag (`benchmarks/real/fretsonfire.py`), which is what the per-song latency
    # now corrects, so this song reads -23 ms against attacks measured at 0.0 ms on the
    # sample-exact Hydrogen and tracker renders. The bound is the chart's, not ours.
    assert abs(scores["signed_error_ms"]) < 30, scores
    # The editor's cuts, planned as `mvagent make` plans them, land within a frame of the
    # chart's beats (the check on videos, without rendering one).
    cuts = cut_times(a, fps=24, folder=tmp_path)
    assert len(cuts) >= 20
    assert on_beat_share(cuts, song.beats_s, fps=24) >= 0.95


def test_on_beat_share_counts_cuts_within_one_frame():
    truth = np.arange(0.0, 10.0, 0.5)
    assert on_beat_share([1.0, 2.04, 3.25], truth, fps=24) == pytest.approx(2 / 3)
    assert on_beat_share([], truth, fps=24) is None
