"""Excerpts cut from the middle of a song (`benchmarks/real/excerpt.py`): the audio and the
truth must be cut at the same point."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.real import excerpt  # noqa: E402

SR = 22050


def test_the_cut_moves_audio_and_truth_together_off_the_beat(tmp_path):
    # Clicks on every beat of a 120 BPM minute: a click in the excerpt is a truth beat.
    beats = np.arange(0.25, 60.0, 0.5)
    y = np.zeros(60 * SR, dtype=np.float32)
    for t in beats:
        y[int(t * SR)] = 1.0
    song = tmp_path / "song.wav"
    sf.write(song, y, SR, subtype="FLOAT")
    c = excerpt.cut(song, beats, beats[::4], name="clicks", seconds=10.0, dest_dir=tmp_path)
    assert c is not None and c.path.exists()
    assert 0.3 * beats[-1] <= c.start_s <= 0.3 * beats[-1] + 0.5 + 1e-9
    phase = (c.start_s - 0.25) / 0.5 % 1.0
    assert abs(phase - excerpt.cut_phase("clicks")) < 1e-6  # off the beat, by the name's draw
    cut_audio, sr = sf.read(c.path)
    assert sr == SR and abs(len(cut_audio) - 10 * SR) <= 1
    clicks_s = np.flatnonzero(np.abs(cut_audio) > 0.5) / SR
    assert len(clicks_s) == len(c.beats_s) == 20
    assert np.max(np.abs(clicks_s - c.beats_s)) < 2 / SR
    assert set(np.round(c.downbeats_s, 6)) <= set(np.round(c.beats_s, 6))
    # Too short for the excerpt: nothing is cut.
    assert excerpt.cut(song, beats, beats[::4], name="x", seconds=50.0, dest_dir=tmp_path) is None
